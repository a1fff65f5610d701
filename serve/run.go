package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// shutdownGrace is how long requests in flight may take to finish after
// Run's context is done.
const shutdownGrace = 5 * time.Second

// Run serves s on ln through [NewHTTPServer] until ctx is done, then shuts
// down gracefully: it stops accepting, gives the requests in flight up to
// five seconds, then closes what is left. logf, if not nil, hears
// "shutting down…" when ctx is done. Run returns nil after a shutdown for
// ctx, and the error that stopped serving otherwise (ln failing, say). It
// does not close ln on the error path; the caller owns it.
func Run(ctx context.Context, ln net.Listener, s *Server, logf func(format string, a ...any)) error {
	hs := NewHTTPServer(s)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if logf != nil {
		logf("shutting down…")
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
