package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/server"
)

// requireBrowserEnv makes a missing chromium a failure rather than a skip
// (CI sets it).
const requireBrowserEnv = "RTLS_REQUIRE_BROWSER"

// outDir receives a screenshot per subtest (gitignored).
const outDir = "../testoutput/browser"

// chromium finds Debian's chromium, or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(requireBrowserEnv) != "" {
		t.Fatalf("chromium not found and %s is set: apt-get install chromium", requireBrowserEnv)
	}
	t.Skipf("chromium not found: browser tests skipped (apt-get install chromium; %s=1 makes this a failure)", requireBrowserEnv)
	return ""
}

// startDemo runs rtlsd --demo with the demo's rules in process on loopback
// ports and returns the web app's URL.
func startDemo(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.Start(ctx, server.Config{Demo: true, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		HTTPAddr: "127.0.0.1:0", Tick: 250 * time.Millisecond, RulesFile: "../docs/examples/demo-rules.yaml"}, testlog.Logger())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + s.HTTPAddr().String()
}

// consoleErrors collects what the page reports as errors: console.error,
// uncaught exceptions, and browser log errors (CSP violations, failed
// loads), except HTTP error statuses of API calls, which the app handles.
type consoleErrors struct {
	mu   sync.Mutex // guards errs
	errs []string
}

// collect subscribes to the page's console until ctx ends.
func collect(ctx context.Context) *consoleErrors {
	c := &consoleErrors{}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			c.add(m)
		}
	}()
	return c
}

func (c *consoleErrors) add(m chromedp.ConsoleMessage) {
	if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
		return
	}
	if m.Source == "network" && strings.Contains(m.Text, "the server responded with a status of") {
		return
	}
	c.mu.Lock()
	c.errs = append(c.errs, fmt.Sprintf("%s (%s %s:%d)", m, m.Source, m.URL, m.Line))
	c.mu.Unlock()
}

// check fails t with the errors reported since the last check.
func (c *consoleErrors) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	errs := c.errs
	c.errs = nil
	c.mu.Unlock()
	for _, e := range errs {
		t.Errorf("browser: %s", e)
	}
}

// poll evaluates expr every 200 ms until it returns true or the deadline.
func poll(ctx context.Context, t *testing.T, what, expr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// markers returns the tag markers drawn on the map: id -> "x,y".
func markers(ctx context.Context, t *testing.T) map[string]string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll('#map .tag[data-tag]')]
		.map(e => [e.dataset.tag, e.dataset.x + ',' + e.dataset.y]))`))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBrowser drives the web app in headless chromium against the demo: one
// browser, one server, one subtest per user-visible behaviour.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	base := startDemo(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelTimeout()
	console := collect(ctx)

	t.Run("page loads and draws the demo's rooms", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		poll(ctx, t, "rooms drawn", `(() => { const m = document.getElementById('map');
			return m.dataset.rooms > 0 && document.querySelectorAll('#map path.room').length == m.dataset.rooms })()`, 20*time.Second)
		drawnMS, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByName('rtls:map-drawn')[0].startTime`))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("first map drawn %.0f ms after navigation", drawnMS)
		screenshot(ctx, t, "1-map")
		console.check(t)
	})

	t.Run("tags appear and move", func(t *testing.T) {
		poll(ctx, t, "5 tags on the map", `document.querySelectorAll('#map .tag[data-tag]').length >= 5`, 30*time.Second)
		first := markers(ctx, t)
		deadline := time.Now().Add(60 * time.Second)
		for moved := ""; moved == ""; {
			for id, pos := range markers(ctx, t) {
				if was, ok := first[id]; ok && was != pos {
					moved = id
				}
			}
			if moved == "" && time.Now().After(deadline) {
				t.Fatal("no tag moved within 60 s")
			}
			time.Sleep(250 * time.Millisecond)
		}
		screenshot(ctx, t, "2-moving")
		console.check(t)
	})

	t.Run("switching level changes what is drawn", func(t *testing.T) {
		rooms := chromedp.Evaluate[[]string](`[...document.querySelectorAll('#map path.room')].map(p => p.dataset.room)`)
		before, err := chromedp.Run(ctx, rooms)
		if err != nil {
			t.Fatal(err)
		}
		other, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#levels button[aria-selected="false"]').dataset.level`))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#levels button[data-level="`+other+`"]`))); err != nil {
			t.Fatal(err)
		}
		poll(ctx, t, "level "+other+" drawn", `document.getElementById('map').dataset.level == '`+other+`' &&
			document.querySelectorAll('#map path.room').length > 0`, 10*time.Second)
		after, err := chromedp.Run(ctx, rooms)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(before, ",") == strings.Join(after, ",") {
			t.Errorf("rooms drawn before and after switching to %s are the same: %v", other, after)
		}
		screenshot(ctx, t, "3-level")
		console.check(t)
	})

	t.Run("searching a tag id centres on it", func(t *testing.T) {
		id := "PUMP-003"
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`#search-q`), id),
			chromedp.Click(chromedp.CSS(`#search button[type="submit"]`)),
		); err != nil {
			t.Fatal(err)
		}
		poll(ctx, t, "map focused on "+id, `document.getElementById('map').dataset.focus == '`+id+`'`, 10*time.Second)
		// The centre is where the tag was when it was found; a moving tag
		// may have gone on since, by a few meters at most.
		poll(ctx, t, "centre near "+id, `(() => { const c = window.rtls.map.getCenter(); const l = window.rtls.state.locs.get('`+id+`');
			return Math.hypot(c.lng - l.x, c.lat - l.y) < 3 })()`, 5*time.Second)
		screenshot(ctx, t, "4-search")
		console.check(t)
	})

	t.Run("nearest available pump", func(t *testing.T) {
		if !rpcExists(t, base, "AssetService/FindNearest") {
			t.Skip("this server has no rtls.v1.AssetService/FindNearest")
		}
		room := clickRoom(ctx, t, "patient_room")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#nearest-type`), "infusion_pump"), chromedp.Click(chromedp.CSS(`#nearest-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		poll(ctx, t, "a pump nearest to "+room, `document.querySelectorAll('#nearest-results .nearest-result[data-tag^="PUMP-"]').length > 0`, 15*time.Second)
		// Each level of the demo has a storage room with pumps: the walk to
		// the nearest one is drawn on this level.
		poll(ctx, t, "the walk drawn", `document.querySelectorAll('#map path.walk-path').length == 1`, 5*time.Second)
		screenshot(ctx, t, "5-nearest-pump")
		console.check(t)
	})

	t.Run("room census on click", func(t *testing.T) {
		room := clickRoom(ctx, t, "storage")
		// The demo's pumps rest in the storage rooms: the census names them.
		poll(ctx, t, "census of "+room, `document.getElementById('room-panel').dataset.room == '`+room+`' &&
			[...document.querySelectorAll('#census li')].some(li => li.textContent.startsWith('Asset: '))`, 10*time.Second)
		screenshot(ctx, t, "6-census")
		console.check(t)
	})

	t.Run("event feed shows an ENTER", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#views a[data-view="events"]`))); err != nil {
			t.Fatal(err)
		}
		poll(ctx, t, "an ENTER in the feed", `document.querySelectorAll('#feed li[data-type="ENTER"]').length > 0`, 60*time.Second)
		screenshot(ctx, t, "7-events")
		console.check(t)
	})

	t.Run("facilities dashboard answers for the day", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#views a[data-view="facilities"]`))); err != nil {
			t.Fatal(err)
		}
		poll(ctx, t, "the day's aggregates loaded", `!!document.getElementById('view-facilities').dataset.loaded`, 15*time.Second)
		note, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('dwell-note').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		// A server without AnalyticsService says so; one with it draws charts.
		if exists := rpcExists(t, base, "AnalyticsService/Dwell"); exists == strings.Contains(note, "Not available on this server") {
			t.Errorf("AnalyticsService served: %v; dwell note %q", exists, note)
		}
		screenshot(ctx, t, "8-facilities")
		console.check(t)
	})

	t.Run("views follow the role", func(t *testing.T) { testRoles(ctx, t) })

	t.Run("duress stands out and stale tags are greyed", func(t *testing.T) { testAlarm(ctx, t) })

	t.Run("PAR board shows the storage room's pumps", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#views a[data-view="events"]`))); err != nil {
			t.Fatal(err)
		}
		poll(ctx, t, "PAR row for L0 storage", `[...document.querySelectorAll('#par tbody tr')].some(r =>
			r.cells[1].textContent == 'infusion_pump' && /^(OK|Below PAR)$/.test(r.cells[4].textContent))`, 10*time.Second)
		console.check(t)
	})

	t.Run("tablet layout", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#views a[data-view="map"]`)),
			chromedp.EmulateViewport(768, 1024, chromedp.EmulateScale(1))); err != nil {
			t.Fatal(err)
		}
		// One column: the map takes the width, the side panel goes below it.
		poll(ctx, t, "map across the tablet", `(() => { const m = document.getElementById('map').getBoundingClientRect();
			const s = document.getElementById('side').getBoundingClientRect();
			return m.width > 700 && s.top >= m.bottom })()`, 5*time.Second)
		screenshot(ctx, t, "10-tablet")
		console.check(t)
	})
}

// clickRoom clicks the first room of the category (of any category when
// empty) on the drawn level and returns its id.
func clickRoom(ctx context.Context, t *testing.T, category string) string {
	t.Helper()
	sel := `#map path.room`
	if category != "" {
		sel = `#map path.room.cat-` + category
	}
	room, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+sel+`').dataset.room`))
	if err != nil {
		t.Fatal(err)
	}
	// A synthetic click on the SVG path: Leaflet dispatches it to the layer.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#map path.room[data-room="`+room+`"]')
		.dispatchEvent(new MouseEvent('click', {bubbles: true}))`)); err != nil {
		t.Fatal(err)
	}
	poll(ctx, t, "room panel for "+room, `!document.getElementById('room-panel').hidden &&
		document.getElementById('room-panel').dataset.room == '`+room+`'`, 5*time.Second)
	return room
}

// rpcExists reports whether the server implements an rtls.v1 RPC: an
// unknown one answers UNIMPLEMENTED (HTTP 501).
func rpcExists(t *testing.T, base, method string) bool {
	t.Helper()
	resp, err := http.Post(base+"/rtls.v1."+method, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ Code int }
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &st); err != nil && resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", method, resp.StatusCode, body)
	}
	return st.Code != 12
}
