package target

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Control is a small client for the mock server's control API (spec/mock-control.yaml):
// sandboxes and the clock. It acts on one world: the default one, or a sandbox.
type Control struct {
	base    string
	token   string
	sandbox string
	http    *http.Client
}

// NewControl returns a control client for the server at base (scheme://host:port) acting on
// its default world; token, if not empty, is sent as a Bearer token.
func NewControl(base, token string, hc *http.Client) *Control {
	return &Control{base: base, token: token, http: hc}
}

// ForSandbox returns a copy of c that acts on the sandbox with the given id.
func (c *Control) ForSandbox(id string) *Control {
	cp := *c
	cp.sandbox = id
	return &cp
}

// SandboxRequest is the body of PUT /_mock/sandboxes/{id}; empty fields take the server's defaults.
type SandboxRequest struct {
	Emulate  string `json:"emulate,omitempty"`
	Latency  string `json:"latency,omitempty"`
	Fixtures string `json:"fixtures,omitempty"`
}

// Sandbox is an isolated world of the mock server.
type Sandbox struct {
	ID       string `json:"id"`
	BasePath string `json:"basePath"`
	Emulate  string `json:"emulate"`
}

// ClockState is the answer of GET and PUT /_mock/clock.
type ClockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
	Offset string    `json:"offset"`
}

// ControlError is an error answer of the control API.
type ControlError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// OpenSandbox opens the sandbox id (PUT /_mock/sandboxes/{id}), or finds it open with the
// same options: asking again after a lost answer is safe. Choosing the id lets a load
// balancer in front of several mocks route the sandbox by it (mockserver/deploy).
func (c *Control) OpenSandbox(ctx context.Context, id string, r SandboxRequest) (*Sandbox, error) {
	var sb Sandbox
	if err := c.do(ctx, http.MethodPut, "/_mock/sandboxes/"+url.PathEscape(id), false, r, 0, &sb); err != nil {
		return nil, fmt.Errorf("open sandbox: %w", err)
	}
	if sb.ID == "" || sb.BasePath == "" {
		return nil, fmt.Errorf("open sandbox: answer without id or basePath: %+v", sb)
	}
	return &sb, nil
}

// DeleteSandbox closes a sandbox (DELETE /_mock/sandboxes/{id}).
func (c *Control) DeleteSandbox(ctx context.Context, id string) error {
	if err := c.do(ctx, http.MethodDelete, "/_mock/sandboxes/"+url.PathEscape(id), false, nil, http.StatusOK, nil); err != nil {
		return fmt.Errorf("delete sandbox: %w", err)
	}
	return nil
}

// Clock reads the world's clock (GET /_mock/clock).
func (c *Control) Clock(ctx context.Context) (ClockState, error) {
	var st ClockState
	if err := c.do(ctx, http.MethodGet, "/_mock/clock", true, nil, http.StatusOK, &st); err != nil {
		return st, fmt.Errorf("read clock: %w", err)
	}
	return st, nil
}

// AdvanceClock moves the world's clock forward by d (PUT /_mock/clock {"advance": d}).
func (c *Control) AdvanceClock(ctx context.Context, d time.Duration) (ClockState, error) {
	var st ClockState
	body := map[string]string{"advance": d.String()}
	if err := c.do(ctx, http.MethodPut, "/_mock/clock", true, body, http.StatusOK, &st); err != nil {
		return st, fmt.Errorf("advance clock: %w", err)
	}
	return st, nil
}

// ResumeClock sends the world's clock back to real time (PUT /_mock/clock {"resume": true}).
func (c *Control) ResumeClock(ctx context.Context) (ClockState, error) {
	var st ClockState
	if err := c.do(ctx, http.MethodPut, "/_mock/clock", true, map[string]bool{"resume": true}, http.StatusOK, &st); err != nil {
		return st, fmt.Errorf("resume clock: %w", err)
	}
	return st, nil
}

// SetSettings changes the world's settings (PUT /_mock/settings).
func (c *Control) SetSettings(ctx context.Context, change any) error {
	if err := c.do(ctx, http.MethodPut, "/_mock/settings", true, change, http.StatusOK, nil); err != nil {
		return fmt.Errorf("set settings: %w", err)
	}
	return nil
}

// do sends one control call and decodes its answer into out; want is the status expected
// (0: any 2xx).
func (c *Control) do(ctx context.Context, method, path string, perWorld bool, in any, want int, out any) error {
	u := c.base + path
	if perWorld && c.sandbox != "" {
		u += "?sandbox=" + url.QueryEscape(c.sandbox)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != want && (want != 0 || res.StatusCode/100 != 2) {
		return &ControlError{Method: method, Path: path, Status: res.StatusCode, Body: string(raw)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}
