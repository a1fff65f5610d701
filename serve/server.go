package serve

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ebm-go/ebm/dataset"
	"github.com/ebm-go/ebm/hopfield"
	"github.com/ebm-go/ebm/internal/nanjson"
	"github.com/ebm-go/ebm/rbm"
)

//go:embed web
var webFiles embed.FS

// Limits bound what one request may ask for. The zero value of a field
// takes the default named beside it (DefaultLimits).
type Limits struct {
	MaxNeurons    int           // units of a Hopfield pattern or state (1024)
	MaxPatterns   int           // stored patterns per request (64)
	MaxSweeps     int           // sweeps of one recall (200)
	MaxGibbsSteps int           // steps of one Gibbs chain (1000)
	MaxRetrieve   int           // updates of one continuous retrieval (20)
	MaxBodyBytes  int64         // request body (4 MiB)
	Timeout       time.Duration // time limit of one request, streams included (30 s)
	MaxJobs       int           // computations running at once (2×GOMAXPROCS)
	MaxQueue      int           // requests waiting for a slot (512); beyond: 503
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxNeurons: 1024, MaxPatterns: 64, MaxSweeps: 200, MaxGibbsSteps: 1000, MaxRetrieve: 20,
		MaxBodyBytes: 4 << 20, Timeout: 30 * time.Second,
		MaxJobs: 2 * runtime.GOMAXPROCS(0), MaxQueue: 512,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxNeurons, d.MaxNeurons)
	orDefault(&l.MaxPatterns, d.MaxPatterns)
	orDefault(&l.MaxSweeps, d.MaxSweeps)
	orDefault(&l.MaxGibbsSteps, d.MaxGibbsSteps)
	orDefault(&l.MaxRetrieve, d.MaxRetrieve)
	orDefault(&l.MaxBodyBytes, d.MaxBodyBytes)
	orDefault(&l.Timeout, d.Timeout)
	orDefault(&l.MaxJobs, d.MaxJobs)
	orDefault(&l.MaxQueue, d.MaxQueue)
	return l
}

// orDefault replaces a zero or negative limit by its default.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Config is what a Server serves.
type Config struct {
	// RBM is the Bernoulli RBM of the RBM panel (required; DefaultRBM
	// trains a small one). RBMSource says where it came from ("built-in",
	// a file name); RBMHeight×RBMWidth is its image shape (0: 28×28 when
	// it has 784 visible units, else a square when n_visible is one).
	RBM                 *rbm.RBM
	RBMSource           string
	RBMHeight, RBMWidth int
	// RBMSampler is the sampling procedure the model file records (a
	// restart model's k steps from noise; nil: none): the Gibbs chain's
	// default length, and reported by /api/info so the page starts there.
	RBMSampler *rbm.Sampler
	// Hopfield is a classical network loaded from a file (optional), and
	// Memory a dense or continuous one (optional); HopfieldSource and
	// MemorySource name their files.
	Hopfield       *hopfield.Network
	HopfieldSource string
	Memory         hopfield.Memory
	MemorySource   string
	// Version is reported by /api/info.
	Version string
	Limits  Limits
}

// DefaultPatterns are the MNIST training rows the page stores by default:
// one of each digit, 0 to 9 (rows 1, 3, 5, 7, 2, 0, 13, 15, 17, 4).
var DefaultPatterns = []int{1, 3, 5, 7, 2, 0, 13, 15, 17, 4}

// digitsTrainRows is how many MNIST training rows /api/digits serves.
const digitsTrainRows = 1000

// Server is the explorer's http.Handler.
type Server struct {
	cfg    Config
	lim    Limits
	mux    *http.ServeMux
	slots  chan struct{}
	queued atomic.Int64
	cache  *memCache
	train  *digits // the first digitsTrainRows MNIST training images, 0/1
	test   *digits // the MNIST test images, 0/1
	rbmH   int
	rbmW   int
}

// digits is an MNIST split as 0/1 bytes.
type digits struct {
	n, h, w int
	pix     []byte
	labels  []int
}

func loadDigits(spec string) (*digits, error) {
	set, err := dataset.Load(spec, dataset.Options{Binarize: "threshold"})
	if err != nil {
		return nil, err
	}
	d := &digits{n: set.Len(), h: set.H, w: set.W, pix: make([]byte, len(set.X.Data)), labels: set.Labels}
	for i, v := range set.X.Data {
		if v > 0.5 {
			d.pix[i] = 1
		}
	}
	return d, nil
}

// New checks the models and returns a server. It loads the built-in MNIST
// digits (embedded in the binary) once.
func New(cfg Config) (*Server, error) {
	if cfg.RBM == nil {
		return nil, errors.New("serve: Config.RBM is required (DefaultRBM trains one)")
	}
	if err := cfg.RBM.Validate(); err != nil {
		return nil, fmt.Errorf("serve: rbm %s: %w", cfg.RBMSource, err)
	}
	if cfg.Hopfield != nil {
		if err := cfg.Hopfield.Validate(); err != nil {
			return nil, fmt.Errorf("serve: hopfield %s: %w", cfg.HopfieldSource, err)
		}
	}
	if cfg.Memory != nil && cfg.Memory.Kind() == hopfield.KindClassical {
		return nil, fmt.Errorf("serve: memory %s is a classical network: pass it as the Hopfield network", cfg.MemorySource)
	}
	s := &Server{cfg: cfg, lim: cfg.Limits.withDefaults(), mux: http.NewServeMux(), cache: newMemCache(32)}
	s.slots = make(chan struct{}, s.lim.MaxJobs)
	nv := cfg.RBM.NVisible()
	s.rbmH, s.rbmW = cfg.RBMHeight, cfg.RBMWidth
	if s.rbmH*s.rbmW != nv {
		s.rbmH, s.rbmW = 0, 0
		if r := int(math.Round(math.Sqrt(float64(nv)))); r*r == nv {
			s.rbmH, s.rbmW = r, r
		}
	}
	var err error
	if s.train, err = loadDigits(fmt.Sprintf("mnist:train:%d", digitsTrainRows)); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if s.test, err = loadDigits("mnist:test"); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	static, _ := fs.Sub(webFiles, "web")
	files := http.FileServerFS(static)
	s.mux.Handle("GET /{$}", files)
	s.mux.Handle("GET /app.js", files)
	s.mux.Handle("GET /style.css", files)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	s.mux.HandleFunc("GET /api/info", s.handleInfo)
	s.mux.HandleFunc("GET /api/digits", s.handleDigits)
	s.mux.HandleFunc("POST /api/corrupt", s.job(withBody(s.handleCorrupt)))
	s.mux.HandleFunc("POST /api/hopfield/recall", s.job(withBody(s.handleRecall)))
	s.mux.HandleFunc("POST /api/hopfield/energy", s.job(withBody(s.handleEnergy)))
	s.mux.HandleFunc("POST /api/modern/retrieve", s.job(withBody(s.handleRetrieve)))
	s.mux.HandleFunc("GET /api/rbm/filters.png", s.job(s.handleFilters))
	s.mux.HandleFunc("POST /api/rbm/gibbs", s.job(withBody(s.handleGibbs)))
	s.mux.HandleFunc("POST /api/rbm/free-energy", s.job(s.handleFreeEnergy))
	s.mux.HandleFunc("POST /api/rbm/reconstruct", s.job(s.handleReconstruct))
}

// ServeHTTP answers a request. Unknown paths and wrong methods get JSON
// errors (404, 405) under /api/, the mux's plain ones elsewhere; a panic in
// a handler (a bug) becomes a 500 for that request, not a crash.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("internal error: %v", v))
		}
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if _, pattern := s.mux.Handler(r); pattern == "" {
			code, msg := http.StatusNotFound, "no endpoint "+r.URL.Path+" (see docs/serve.md)"
			if s.methodAllowed(r) {
				code, msg = http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path
			}
			writeError(w, code, msg)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// methodAllowed reports whether the path exists under another method.
func (s *Server) methodAllowed(r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := s.mux.Handler(r2); p != "" {
			return true
		}
	}
	return false
}

// apiError is an error with an HTTP status.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// job wraps a handler: a time limit, a computation slot (waiting in a
// bounded queue), and errors written as JSON.
func (s *Server) job(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.lim.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		if s.queued.Add(1) > int64(s.lim.MaxQueue+s.lim.MaxJobs) {
			s.queued.Add(-1)
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "server busy: too many requests waiting, try again")
			return
		}
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			s.queued.Add(-1)
			writeError(w, statusOf(ctx.Err()), "no free slot within the time limit: "+ctx.Err().Error())
			return
		}
		defer func() {
			<-s.slots
			s.queued.Add(-1)
		}()
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.lim.MaxBodyBytes)
		}
		if err := h(w, r); err != nil {
			var ae *apiError
			switch {
			case errors.As(err, &ae):
				writeError(w, ae.code, ae.msg)
			case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
				writeError(w, statusOf(err), "stopped: "+err.Error())
			default:
				writeError(w, http.StatusBadRequest, err.Error())
			}
		}
	}
}

// statusOf maps a context error to 504 (time limit) or 503 (client gone or
// shutting down).
func statusOf(err error) int {
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	return http.StatusServiceUnavailable
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := nanjson.Marshal(v)
	if err != nil {
		return &apiError{http.StatusInternalServerError, "encode answer: " + err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(b, '\n'))
	if err != nil {
		return nil // the client went away: nothing to tell it
	}
	return nil
}

// withBody adapts h, a handler of a JSON request body of type T, to one
// that decodes the body (see decode) first.
func withBody[T any](h func(http.ResponseWriter, *http.Request, *T) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req T
		if err := decode(r, &req); err != nil {
			return err
		}
		return h(w, r, &req)
	}
}

// decode reads one JSON object into v, strictly: the body must be sent as
// JSON (Content-Type application/json or application/…+json; text/plain
// and forms are refused with 415); its field names must be v's exactly
// (case-sensitive: "State" is not "state"), each at most once; null is
// refused wherever v's field is not a pointer (an optional value: omit it
// or send null); unknown fields, trailing data and bodies over the limit
// are refused too. Every error says what is wrong and where.
func decode(r *http.Request, v any) error {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return badRequest("empty request body: send a JSON object")
		case errors.As(err, &se):
			return badRequest("request body: JSON syntax error at byte %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return badRequest("request body: field %q: %v", te.Field, err)
		}
		return badRequest("request body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("request body: extra data after the JSON object")
	}
	// The body is one valid JSON value that encoding/json took: now what it
	// lets through (field names in another case, duplicate keys, null).
	dec = json.NewDecoder(bytes.NewReader(body))
	if err := strictValue(dec, reflect.TypeOf(v).Elem(), ""); err != nil {
		return badRequest("request body: %v", err)
	}
	return nil
}

// checkContentType accepts JSON media types only.
func checkContentType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case ct == "":
		return &apiError{http.StatusUnsupportedMediaType, "no Content-Type: send application/json"}
	case err != nil:
		return &apiError{http.StatusUnsupportedMediaType, "Content-Type " + ct + ": " + err.Error() + ": send application/json"}
	case mt == "application/json", strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return nil
	}
	return &apiError{http.StatusUnsupportedMediaType, "Content-Type " + ct + ": send application/json"}
}

// bodyError describes an error reading the request body.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is over %d bytes", mbe.Limit)}
	}
	return badRequest("reading the request body: %v", err)
}

// strictValue reads the next JSON value from dec, which encoding/json has
// decoded into a t already, and returns an error naming its place (path,
// as in states[2] or "beta") when a key is duplicated or matches a field
// only ignoring case, or a value is null where t is not a pointer.
func strictValue(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	where := path
	if where == "" {
		where = "the body"
	}
	if tok == nil {
		if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
			return nil
		}
		return fmt.Errorf("%s is null: send a value, or leave an optional field out", where)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: its type was checked by the decoder
	}
	if delim == '[' {
		elem := reflect.TypeFor[any]()
		if k := t.Kind(); k == reflect.Slice || k == reflect.Array {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := strictValue(dec, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	var fields map[string]reflect.Type
	if t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // object keys are strings
		name := key
		if path != "" {
			name = path + "." + key
		}
		if seen[key] {
			return fmt.Errorf("field %q appears twice", name)
		}
		seen[key] = true
		elem := reflect.TypeFor[any]()
		switch {
		case fields != nil:
			ft, ok := fields[key]
			if !ok {
				for f := range fields {
					if strings.EqualFold(f, key) {
						return fmt.Errorf("unknown field %q: field names are case-sensitive (%q)", name, f)
					}
				}
				return fmt.Errorf("unknown field %q", name)
			}
			elem = ft
		case t.Kind() == reflect.Map:
			elem = t.Elem()
		}
		if err := strictValue(dec, elem, name); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// jsonFields maps the JSON names of struct type t's fields to their types,
// with the fields of embedded structs promoted as encoding/json does (an
// outer field wins over an embedded one of the same name).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	var embedded []reflect.Type
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			embedded = append(embedded, f.Type)
		case f.IsExported():
			fields[cmp.Or(name, f.Name)] = f.Type
		}
	}
	for _, e := range embedded {
		for name, ft := range jsonFields(e) {
			if _, ok := fields[name]; !ok {
				fields[name] = ft
			}
		}
	}
	return fields
}

// stream writes NDJSON lines, flushing each.
type stream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	broken  bool
}

func newStream(w http.ResponseWriter) *stream {
	return &stream{w: w, rc: http.NewResponseController(w)}
}

// send writes one line. It returns an error only when the client is gone.
func (st *stream) send(v any) error {
	if st.broken {
		return errClientGone
	}
	b, err := nanjson.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"type": "error", "error": "encode: " + err.Error()})
	}
	if !st.started {
		st.w.Header().Set("Content-Type", "application/x-ndjson")
		st.w.Header().Set("Cache-Control", "no-store")
		st.w.WriteHeader(http.StatusOK)
		st.started = true
	}
	if _, err := st.w.Write(append(b, '\n')); err != nil {
		st.broken = true
		return errClientGone
	}
	if err := st.rc.Flush(); err != nil {
		st.broken = true
		return errClientGone
	}
	return nil
}

// fail ends a stream with an error line, or a JSON error when nothing was
// sent yet.
func (st *stream) fail(err error) error {
	if !st.started {
		return err
	}
	if !st.broken {
		st.send(map[string]string{"type": "error", "error": err.Error()})
	}
	return nil
}

var errClientGone = errors.New("client went away")

// NewHTTPServer returns an http.Server for h with the limits a public
// server needs: header and body read timeouts, a write timeout a little
// over the request time limit (streams included), idle connections closed
// after a minute, 64 KiB of headers.
func NewHTTPServer(h *Server) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      h.lim.Timeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}
