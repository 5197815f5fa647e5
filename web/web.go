// Package web serves the rtlsd web app: the files `make web` builds from
// web/src into web/dist, embedded so that neither `go build` nor rtlsd
// needs Node.js. The app fetches nothing from outside rtlsd.
package web

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed dist
var dist embed.FS

// csp lets the app load only rtlsd's own scripts, styles, images and API.
// Leaflet positions its panes with inline style properties.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// Handler serves the app: index.html at / and the built assets beside it,
// gzip-encoded to clients that accept it.
func Handler() http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time: this cannot fail
	}
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// Embedded files carry no modification time: revalidate each load
		// (the app is small) so a new rtlsd never serves stale scripts.
		h.Set("Cache-Control", "no-cache")
		h.Add("Vary", "Accept-Encoding")
		if gz := r.URL.Path + ".gz"; acceptsGzip(r) && exists(root, gz) {
			if ct := mime.TypeByExtension(path.Ext(r.URL.Path)); ct != "" {
				h.Set("Content-Type", ct)
			}
			h.Set("Content-Encoding", "gzip")
			r2 := r.Clone(r.Context())
			r2.URL.Path = gz
			files.ServeHTTP(w, r2)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// acceptsGzip reports whether the client takes gzip-encoded bodies.
func acceptsGzip(r *http.Request) bool {
	for _, enc := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		if name, _, _ := strings.Cut(strings.TrimSpace(enc), ";"); name == "gzip" {
			return true
		}
	}
	return false
}

// exists reports whether the app has the file at the URL path p.
func exists(root fs.FS, p string) bool {
	_, err := fs.Stat(root, strings.TrimPrefix(p, "/"))
	return err == nil
}
