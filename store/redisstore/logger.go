package redisstore

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// SetClientLogger sends the go-redis client's own log lines (dial
// failures, dropped connections: addresses and errors, never keys or
// values) to log as WARN records with the message in "detail", instead of
// raw lines on stderr. go-redis has one logger per process, so this is
// process-wide; the server calls it once at start.
func SetClientLogger(log *slog.Logger) {
	redis.SetLogger(clientLogger{log: log})
}

// clientLogger adapts slog to go-redis's Printf-style logger.
type clientLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l clientLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
