package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// probeURL checks that the server at c.URL answers /api/info and finds out what it can do:
// a server that serves the control API (GET /_mock/clock) gains clock, sandboxes and fixtures
// (sandboxes are opened with the default fixtures); RCINVITE_MONGO_URL gives database.
func probeURL(ctx context.Context, c Config, s *Started) error {
	if c.URL == "" {
		return errors.New("RCINVITE_URL is empty")
	}
	s.URL, s.ControlToken, s.MongoURL = c.URL, c.ControlToken, c.MongoURL
	hc := &http.Client{Timeout: 10 * time.Second}
	if status, err := get(ctx, hc, c.URL+"/api/info", ""); err != nil || status != http.StatusOK {
		return fmt.Errorf("GET %s/api/info: status %d: %v", c.URL, status, err)
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
