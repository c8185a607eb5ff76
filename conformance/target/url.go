package target

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// probeURL checks that the server at c.URL answers /api/info and finds out what it can do:
// a server that serves the control API (GET /_mock/clock) gains clock, sandboxes and fixtures
// (sandboxes are opened with the default fixtures); RCINVITE_MONGO_URL gives database. A
// server that is not set, does not answer or is not a Rocket.Chat makes the target unavailable.
func probeURL(ctx context.Context, c Config, s *Started) error {
	if c.URL == "" {
		s.Unavailable = "RCINVITE_URL is not set: give the server's address, e.g. RCINVITE_URL=http://127.0.0.1:3000"
		return nil
	}
	s.URL, s.ControlToken, s.MongoURL = c.URL, c.ControlToken, c.MongoURL
	hc := &http.Client{Timeout: 10 * time.Second}
	status, err := get(ctx, hc, c.URL+"/api/info", "")
	switch {
	case err != nil:
		s.Unavailable = oneLine(fmt.Sprintf("no server answers GET %s/api/info (%v): start it (make mock runs the mock there on 127.0.0.1:3000), or point RCINVITE_URL at one", c.URL, err))
		return nil
	case status != http.StatusOK:
		s.Unavailable = fmt.Sprintf("GET %s/api/info answered HTTP %d, not a Rocket.Chat server's 200: check RCINVITE_URL (scheme://host:port, no /api)", c.URL, status)
		return nil
	}
	if status, err := get(ctx, hc, c.URL+"/_mock/clock", c.ControlToken); err == nil && status == http.StatusOK {
		s.Capabilities = append(s.Capabilities, Clock, Sandboxes, Fixtures, Settings)
	}
	if c.MongoURL != "" {
		s.Capabilities = append(s.Capabilities, Database)
	}
	return nil
}

func get(ctx context.Context, hc *http.Client, u, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, nil
}
