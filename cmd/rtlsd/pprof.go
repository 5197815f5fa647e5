//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// Built with -tags pprof (the capacity script does), rtlsd serves
// /debug/pprof on $RTLSD_PPROF_ADDR (say 127.0.0.1:6060) for CPU profiles
// under load. Never in production builds: the handlers are unauthenticated.
func init() {
	if addr := os.Getenv("RTLSD_PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
