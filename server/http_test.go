package server

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The README's curl examples against the demo: a location, a list, the
// event stream, the OpenAPI document.
func TestHTTPFace(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	s, _ := startWith(t, Config{Demo: true, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Tick: 100 * time.Millisecond})
	base := "http://" + s.HTTPAddr().String()

	var loc struct {
		TagID   string  `json:"tag_id"`
		LevelID string  `json:"level_id"`
		Acc     float64 `json:"accuracy_m"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := httpGet(t, base+"/v1/locations/PUMP-003")
		if code == http.StatusOK {
			if err := json.Unmarshal(body, &loc); err != nil {
				t.Fatal(err)
			}
			break
		}
		if code != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("GET /v1/locations/PUMP-003: %d %s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if loc.TagID != "PUMP-003" || loc.LevelID == "" || loc.Acc <= 0 {
		t.Errorf("location %+v", loc)
	}

	code, body := httpGet(t, base+"/v1/locations?level_id="+loc.LevelID+"&page_size=2")
	var list struct {
		Locations []struct {
			LevelID string `json:"level_id"`
		}
		NextPageToken string `json:"next_page_token"`
	}
	if err := json.Unmarshal(body, &list); code != http.StatusOK || err != nil || len(list.Locations) == 0 {
		t.Fatalf("GET /v1/locations: %d %s %v", code, body, err)
	}
	for _, l := range list.Locations {
		if l.LevelID != loc.LevelID {
			t.Errorf("level filter %s returned a tag on %s", loc.LevelID, l.LevelID)
		}
	}
	if code, body := httpGet(t, base+"/v1/locations?level_id=NOPE"); code != http.StatusBadRequest {
		t.Errorf("unknown level: %d %s, want 400", code, body)
	}

	// The event stream: newline-delimited {"result": Event}.
	resp, err := http.Get(base + "/v1/events:watch?after_id=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Result struct{ ID, Type string }
	}
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Result.ID == "" || ev.Result.Type == "" {
		t.Errorf("first stream line %q: %v", line, err)
	}

	if code, body := httpGet(t, base+"/openapi.json"); code != http.StatusOK || !strings.Contains(string(body), `"/v1/events:watch"`) {
		t.Errorf("GET /openapi.json: %d", code)
	}
	if code, body := httpGet(t, base+"/"); code != http.StatusOK || !strings.Contains(string(body), "<title>") {
		t.Errorf("GET /: %d %.100s", code, body)
	}
}

// An open stream (a browser on the map) does not hold up shutdown for good:
// the server closes it and stops.
func TestHTTPShutdownClosesStreams(t *testing.T) {
	s, stop := startWith(t, Config{Demo: true, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Tick: 100 * time.Millisecond})
	resp, err := http.Get("http://" + s.HTTPAddr().String() + "/v1/locations:watch")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stopped := make(chan struct{})
	go func() {
		stop()
		close(stopped)
	}()
	// The stream ends (EOF or reset) once the server closes it.
	io.Copy(io.Discard, resp.Body)
	<-stopped
	t.Logf("stopped %v after the shutdown began, a stream open", time.Since(start).Round(time.Millisecond))
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// The HTTP face has no authorization of its own: the gRPC server's checks
// the token the browser sends, over TLS when the API has it. With the API's
// certificate the HTTP face is served over HTTPS only.
func TestHTTPFaceTokens(t *testing.T) {
	ss := startSecure(t)
	if resp, err := http.Get("http://" + ss.s.HTTPAddr().String() + "/v1/floorplan"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 beside the API's TLS")
		}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ss.pki.ClientTLS(t, "")}}
	base := "https://" + ss.s.HTTPAddr().String()
	call := func(path, subject string) int {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if subject != "" {
			req.Header.Set("Authorization", "Bearer "+ss.tokens[subject])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, subject string
		want          int
	}{
		{"/v1/floorplan", "", http.StatusUnauthorized},
		{"/v1/floorplan", "fay", http.StatusOK},
		{"/v1/locations", "fay", http.StatusForbidden},
		{"/v1/locations", "bo", http.StatusOK},
	} {
		if got := call(tc.path, tc.subject); got != tc.want {
			t.Errorf("GET %s as %q: %d, want %d", tc.path, tc.subject, got, tc.want)
		}
	}
}
