package serve

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzEndpoints sends arbitrary bodies to every POST endpoint and arbitrary
// queries to the GET ones: whatever arrives, the answer is a 2xx or a 4xx
// with a JSON message, never a 5xx, a panic or a hang.
func FuzzEndpoints(f *testing.F) {
	s := testServer(f)
	posts := []string{"/api/corrupt", "/api/hopfield/recall", "/api/hopfield/energy", "/api/modern/retrieve",
		"/api/rbm/gibbs", "/api/rbm/free-energy", "/api/rbm/reconstruct"}
	gets := []string{"/api/digits", "/api/rbm/filters.png", "/api/info"}
	f.Add(uint8(0), `{"state": [1, -1, 1, 1], "noise": 0.5, "mask": "top", "height": 2, "width": 2}`)
	f.Add(uint8(1), `{"patterns": [[1, -1, 1], [1, 1, -1]], "state": [1, 1, 1], "mode": "sync"}`)
	f.Add(uint8(1), `{"kind": "dense", "interaction": "exp", "beta": 1e300, "patterns": [[1, -1]], "state": [0, 1]}`)
	f.Add(uint8(1), `{"kind": "continuous", "beta": 1e6, "patterns": [[1e30, -1e30]], "state": [3e38, -3e38], "max_sweeps": 20}`)
	f.Add(uint8(2), `{"kind": "classical", "rule": "storkey", "patterns": [[1, 1]], "states": [[1, 1], [0, 0]]}`)
	f.Add(uint8(3), `{"patterns": [[1e38, 1e38]], "query": [1e38, -1e38], "beta": 1e6, "steps": 20}`)
	f.Add(uint8(4), `{"start": "state", "state": [], "steps": 3}`)
	f.Add(uint8(5), `{"states": [[0.5]]}`)
	f.Add(uint8(6), `{"state": null}`)
	f.Add(uint8(6), `{"State": [0], "state": [1], "state": [0]}`)
	f.Add(uint8(5), `{"states": [null, [null], {"a": null}]}`)
	f.Add(uint8(1), `{"beta": null, "kind": null, "patterns": [[1]], "state": [1]}`)
	f.Add(uint8(7), `label=3&count=2&skip=99999`)
	f.Add(uint8(7), `index=0,1,,2`)
	f.Add(uint8(8), `count=400&scale=8`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		n := int(which) % (len(posts) + len(gets))
		var rec *httptest.ResponseRecorder
		if n < len(posts) {
			req := httptest.NewRequest("POST", posts[n], strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec = httptest.NewRecorder()
			s.ServeHTTP(rec, req)
		} else {
			req := httptest.NewRequest("GET", gets[n-len(posts)]+"?"+url.PathEscape(body), nil)
			req.URL.RawQuery = body
			rec = httptest.NewRecorder()
			s.ServeHTTP(rec, req)
		}
		if rec.Code >= 500 {
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), `"type":"error"`) && !strings.Contains(rec.Body.String(), "deadline") {
			// An error line mid-stream is allowed only for the time limit;
			// anything else should have been refused before the stream.
			t.Fatalf("error line in a stream: %s", rec.Body.String())
		}
	})
}
