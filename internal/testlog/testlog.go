// Package testlog is the one switch for logs in tests: they are discarded
// unless the environment variable RTLS_TEST_LOG is set (to anything but
// empty), then they go to stderr at debug level.
package testlog

import (
	"log/slog"
	"os"
)

// Env is the environment variable that turns logs on in tests.
const Env = "RTLS_TEST_LOG"

// On reports whether tests should log.
func On() bool { return os.Getenv(Env) != "" }

// Logger returns the logger of tests: stderr at debug level when On, else
// one that discards everything.
func Logger() *slog.Logger {
	if !On() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
