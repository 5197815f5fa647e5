package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunDispatch(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no command", nil, 2, "usage: rtlsctl COMMAND"},
		{"unknown command", []string{"frobnicate"}, 2, "rtlsctl replay"},
		{"replay help", []string{"replay", "-h"}, 2, "usage: rtlsctl replay"},
		{"replay without inputs", []string{"replay"}, 1, "rtlsctl replay: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(c.args, &stdout, &stderr); code != c.code {
				t.Errorf("exit status %d, want %d", code, c.code)
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.want)
			}
		})
	}
}
