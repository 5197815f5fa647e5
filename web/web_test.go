package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/web"
)

// The script goes out gzip-encoded to clients that take gzip, plain to
// others, with the same bytes once decoded; the page carries its CSP.
func TestHandler(t *testing.T) {
	hs := httptest.NewServer(web.Handler())
	defer hs.Close()
	fetch := func(path, enc string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		req.Header.Set("Accept-Encoding", enc)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	gz, gzBody := fetch("/app.js", "gzip, deflate")
	plain, plainBody := fetch("/app.js", "identity")
	if gz.Header.Get("Content-Encoding") != "gzip" || plain.Header.Get("Content-Encoding") != "" {
		t.Errorf("encodings %q and %q, want gzip and none", gz.Header.Get("Content-Encoding"), plain.Header.Get("Content-Encoding"))
	}
	if !strings.HasPrefix(gz.Header.Get("Content-Type"), "text/javascript") || string(gzBody) != string(plainBody) || len(plainBody) == 0 {
		t.Errorf("gzip: %s, %d bytes; plain: %d bytes", gz.Header.Get("Content-Type"), len(gzBody), len(plainBody))
	}
	page, body := fetch("/", "gzip")
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), `src="app.js"`) || !strings.Contains(page.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("GET /: %d, CSP %q", page.StatusCode, page.Header.Get("Content-Security-Policy"))
	}
}
