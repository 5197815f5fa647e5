// Package web serves the rtlsd web app: the files `make web` builds from
// web/src into web/dist, embedded so that neither `go build` nor rtlsd
// needs Node.js. The app fetches nothing from outside rtlsd.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed dist
var dist embed.FS

// csp lets the app load only rtlsd's own scripts, styles, images and API.
// Leaflet positions its panes with inline style properties.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// Handler serves the app: index.html at / and the built assets beside it.
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
		files.ServeHTTP(w, r)
	})
}
