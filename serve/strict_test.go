package serve

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStrictJSON: request bodies are refused, with a message naming the
// field, when a field name differs from the API's only in case, a key is
// repeated, a required value or the whole body is null, or the body is not
// sent as JSON; optional (pointer) fields may be null.
func TestStrictJSON(t *testing.T) {
	s := testServer(t)
	cases := []struct {
		path, ct, body string
		code           int
		want           string
	}{
		{"/api/rbm/reconstruct", "application/json", `null`, 400, "the body is null"},
		{"/api/rbm/reconstruct", "application/json", `{"State": [0, 1]}`, 400, `"State": field names are case-sensitive ("state")`},
		{"/api/rbm/reconstruct", "application/json", `{"state": [0], "state": [1]}`, 400, `"state" appears twice`},
		{"/api/rbm/reconstruct", "application/json", `{"state": null}`, 400, "state is null"},
		{"/api/rbm/reconstruct", "application/json", `{"state": [0, null, 1]}`, 400, "state[1] is null"},
		{"/api/rbm/free-energy", "application/json", `{"states": [null, null]}`, 400, "states[0] is null"},
		{"/api/rbm/free-energy", "application/json", `{"states": [[0, 1], [null]]}`, 400, "states[1][0] is null"},
		{"/api/rbm/gibbs", "application/json", `{"steps": null}`, 400, "steps is null"},
		{"/api/rbm/gibbs", "application/json", `{"Steps": 3}`, 400, `"Steps"`},
		{"/api/hopfield/recall", "application/json", `{"patterns": [[1, -1]], "state": [1, 1], "Kind": "dense"}`, 400, `"Kind"`},
		{"/api/hopfield/recall", "application/json", `{"patterns": [[1, -1]], "patterns": [[1, 1]], "state": [1, 1]}`, 400, `"patterns" appears twice`},
		{"/api/hopfield/recall", "application/json", `{"patterns": [[1, -1]], "state": [1, 1], "mode": null}`, 400, "mode is null"},
		{"/api/modern/retrieve", "application/json", `{"patterns": [[1, -1]], "query": [1, 1], "beta": null}`, 200, ""},
		{"/api/corrupt", "application/json", `{"state": [1, -1], "mask_fraction": null, "mask_value": null}`, 200, ""},
		{"/api/rbm/gibbs", "text/plain", `{"steps": 1}`, 415, "text/plain"},
		{"/api/rbm/gibbs", "text/plain; charset=utf-8", `{"steps": 1}`, 415, "application/json"},
		{"/api/rbm/gibbs", "application/x-www-form-urlencoded", `steps=1`, 415, "application/json"},
		{"/api/rbm/gibbs", "", `{"steps": 1}`, 415, "no Content-Type"},
		{"/api/rbm/gibbs", "application/json; charset=utf-8", `{"steps": 1, "every": 1}`, 200, ""},
		{"/api/rbm/gibbs", "application/problem+json", `{"steps": 1, "every": 1}`, 200, ""},
		{"/api/rbm/gibbs", "application/json; =", `{"steps": 1}`, 415, "Content-Type"},
	}
	for _, c := range cases {
		req := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
		if c.ct != "" {
			req.Header.Set("Content-Type", c.ct)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != c.code {
			t.Errorf("%s %q %s: status %d, want %d (%s)", c.path, c.ct, c.body, rec.Code, c.code, rec.Body.String())
			continue
		}
		if c.code == 200 {
			continue
		}
		var e struct{ Error string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s %q %s: error %q, want it to mention %q", c.path, c.ct, c.body, rec.Body.String(), c.want)
		}
	}
}
