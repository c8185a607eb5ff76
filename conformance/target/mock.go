package target

import (
	"context"
	"net/http/httptest"

	"github.com/rcinvite/rcinvite/mockserver"
)

// startMock serves the mock server in-process on 127.0.0.1 (strict: an off-contract answer
// becomes a 500 the suite sees). Other suite processes reach it over HTTP and take sandboxes.
func startMock(_ context.Context, c Config, s *Started) error {
	opts := []mockserver.Option{mockserver.WithStrict(true)}
	if c.Emulate != "" {
		opts = append(opts, mockserver.WithEmulate(c.Emulate))
	}
	srv, err := mockserver.New(opts...)
	if err != nil {
		return err
	}
	hs := httptest.NewServer(srv)
	s.onStop(func(context.Context) error { hs.Close(); return nil })
	s.URL = hs.URL
	s.AdminUser, s.AdminPassword = DefaultAdmin, DefaultAdmin
	s.Capabilities = []Capability{Clock, Sandboxes, Fixtures, Settings}
	return nil
}
