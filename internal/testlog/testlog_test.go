package testlog

import (
	"context"
	"log/slog"
	"testing"
)

func TestLoggerFollowsEnv(t *testing.T) {
	t.Setenv(Env, "")
	if On() || Logger().Enabled(context.Background(), slog.LevelError) {
		t.Error("logs on with " + Env + " empty")
	}
	t.Setenv(Env, "1")
	if !On() || !Logger().Enabled(context.Background(), slog.LevelDebug) {
		t.Error("debug logs off with " + Env + "=1")
	}
}
