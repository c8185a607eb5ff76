package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// sandboxOptions are what a sandbox is opened with (the body of POST /_mock/sandboxes and
// PUT /_mock/sandboxes/{id}), with the defaults filled in. A new option is one field here,
// one in sandboxRequest, and one line each in readSandboxOptions, (*sandbox).options and
// named; conflicts and the answers then cover it.
type sandboxOptions struct {
	emulate  string         // the Rocket.Chat version; the default world's when not asked for
	latency  time.Duration  // waited before each Rocket.Chat API answer
	fixtures string         // fixturesDefault or fixturesEmpty
	settings world.Settings // the rate limiter and CORS; off unless asked for, as under TEST_MODE
}

// sandboxRequest is the body of POST /_mock/sandboxes and PUT /_mock/sandboxes/{id} as sent
// (spec/mock-control.yaml SandboxRequest; its form is validated before it gets here).
type sandboxRequest struct {
	Emulate  string `json:"emulate"`
	Latency  string `json:"latency"`
	Fixtures string `json:"fixtures"`
	rocketChatSettingsChange
}

// readSandboxOptions decodes a sandbox request body (it may be empty) and fills in the
// defaults. bad reports an error answer in a: 400 error-invalid-params or error-invalid-version.
func (s *Server) readSandboxOptions(body []byte) (o sandboxOptions, a answer, bad bool) {
	var req sandboxRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return o, invalidParams("body: %v", err), true
		}
	}
	if o.latency, a, bad = parseLatency(req.Latency); bad {
		return o, a, true
	}
	o.emulate = req.Emulate
	if o.emulate == "" {
		o.emulate = s.main.world.Version()
	}
	if err := world.CheckVersion(o.emulate); err != nil {
		return o, versionError(err, o.emulate), true
	}
	o.fixtures = req.Fixtures
	if o.fixtures == "" {
		o.fixtures = fixturesDefault
	}
	if o.settings, a, bad = req.apply(world.Settings{}); bad { // a sandbox starts as under TEST_MODE
		return o, a, true
	}
	if err := world.CheckSettings(o.settings); err != nil {
		return o, settingsRefused(err), true
	}
	o.settings, _ = o.settings.Normalized() // as the world will hold them; checked above
	return o, answer{}, false
}

// options are the sandbox's options as they stand now: its emulated version, latency and
// Rocket.Chat settings (which PUT /_mock/settings may have changed since it opened) and the
// fixtures it opened with.
func (sb *sandbox) options() sandboxOptions {
	return sandboxOptions{emulate: sb.world.Version(), latency: time.Duration(sb.latency.Load()), fixtures: sb.fixtures,
		settings: sb.world.Settings()}
}

// named lists the options by their names in the request body, in the order a conflict names them.
func (o sandboxOptions) named() [][2]string {
	return [][2]string{
		{"emulate", o.emulate},
		{"latency", o.latency.String()},
		{"fixtures", o.fixtures},
		{"rateLimiter", fmt.Sprintf("%+v", rateLimiterOf(o.settings))},
		{"cors", fmt.Sprintf("%+v", corsOf(o.settings))},
	}
}

// conflicts names every option where asked differs from o: `emulate is "8.3.0", not "8.4.0"`.
func (o sandboxOptions) conflicts(asked sandboxOptions) []string {
	var out []string
	have, want := o.named(), asked.named()
	for i := range have {
		if have[i][1] != want[i][1] {
			out = append(out, fmt.Sprintf("%s is %q, not %q", have[i][0], have[i][1], want[i][1]))
		}
	}
	return out
}

// fixturesNamed returns the fixture set a sandbox opens with: the server's, or only its
// admins. Every world with that name shares the one set, which worlds only read.
func (s *Server) fixturesNamed(name string) *fixtures.Set {
	if name == fixturesEmpty {
		return s.emptyFixtures
	}
	return s.cfg.fixtures
}

// adminsOnly is the "empty" fixture set: the admins of fx and nothing else, so that a client
// can still log in and build its own world. [inferred]
func adminsOnly(fx *fixtures.Set) *fixtures.Set {
	out := &fixtures.Set{}
	for _, u := range fx.Clone().Users {
		if slices.Contains(u.Roles, "admin") {
			out.Users = append(out.Users, u)
		}
	}
	return out
}

// sandboxAnswer is the body of the answers of POST /_mock/sandboxes and PUT /_mock/sandboxes/{id}.
type sandboxAnswer struct {
	ID       string `json:"id"`
	BasePath string `json:"basePath"`
	Emulate  string `json:"emulate"`
	Latency  string `json:"latency"`
	Fixtures string `json:"fixtures"`
	Success  bool   `json:"success"`
}

func answerFor(sb *sandbox) sandboxAnswer {
	o := sb.options()
	return sandboxAnswer{ID: sb.id, BasePath: sandboxPrefix + sb.id, Emulate: o.emulate,
		Latency: o.latency.String(), Fixtures: o.fixtures, Success: true}
}

// tooManySandboxes is the answer once the server holds cfg.maxSandboxes sandboxes.
func (s *Server) tooManySandboxes() answer {
	return fail(http.StatusTooManyRequests, "error-too-many-sandboxes", "too many sandboxes (%d); delete some first", s.cfg.maxSandboxes)
}

// createSandbox opens a sandbox under an id the server chooses (POST /_mock/sandboxes).
func (s *Server) createSandbox(c *controlCall) answer {
	o, a, bad := s.readSandboxOptions(c.body)
	if bad {
		return a
	}
	sb, _, a, bad := s.openSandbox("", o)
	if bad {
		return a
	}
	return s.saved(c.r, sb.saved.Load(), answer{status: http.StatusCreated, body: answerFor(sb)})
}

// putSandbox opens a sandbox under the caller's id (PUT /_mock/sandboxes/{id}, whose form the
// contract checks): 201 when it is new; for an id held already, 200 with that sandbox when its
// options are the ones asked for, 409 error-sandbox-exists naming each difference otherwise.
// Asking again is therefore safe, and a load balancer can place sandboxes by id.
func (s *Server) putSandbox(c *controlCall) answer {
	id := c.route.PathParams["id"]
	o, a, bad := s.readSandboxOptions(c.body)
	if bad {
		return a
	}
	sb, created, a, bad := s.openSandbox(id, o)
	switch {
	case bad:
		return a
	case created:
		return s.saved(c.r, sb.saved.Load(), answer{status: http.StatusCreated, body: answerFor(sb)})
	}
	if diff := sb.options().conflicts(o); len(diff) > 0 {
		return fail(http.StatusConflict, "error-sandbox-exists", "sandbox %s exists with other options: %s", id, strings.Join(diff, "; "))
	}
	// It may have been opened a moment ago by a request whose answer still waits for the disk.
	return s.saved(c.r, sb.saved.Load(), ok(answerFor(sb)))
}

// openSandbox returns the sandbox that holds id once it returns, and whether it is a new one
// with options o; an empty id is a new sandbox under a fresh id the server chooses. bad
// reports an error answer in a (the server is full, the state file failed).
func (s *Server) openSandbox(id string, o sandboxOptions) (sb *sandbox, created bool, a answer, bad bool) {
	s.mu.RLock()
	held, full := s.sandboxes[id], len(s.sandboxes) >= s.cfg.maxSandboxes
	s.mu.RUnlock()
	switch {
	case held != nil:
		return held, false, answer{}, false
	case full:
		return nil, false, s.tooManySandboxes(), true
	}
	// The world is built outside the lock; only the map insertion holds it.
	sb, err := s.newSandbox(id, o)
	if err != nil {
		return nil, false, versionError(err, o.emulate), true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if held := s.sandboxes[id]; id != "" && held != nil { // a concurrent PUT of the same id won
		return held, false, answer{}, false
	}
	if len(s.sandboxes) >= s.cfg.maxSandboxes {
		return nil, false, s.tooManySandboxes(), true
	}
	for sb.id == "" || s.sandboxes[sb.id] != nil {
		sb.id = newSandboxID()
	}
	s.sandboxes[sb.id] = sb
	if err := s.storeSandbox(sb); err != nil {
		delete(s.sandboxes, sb.id) // memory stays what the file holds
		return nil, false, fail(http.StatusInternalServerError, "error-state-not-saved", "state not saved: %v", err), true
	}
	return sb, true, answer{}, false
}

// sandboxInfo is one entry of GET /_mock/sandboxes.
type sandboxInfo struct {
	ID        string `json:"id"`
	BasePath  string `json:"basePath"`
	Emulate   string `json:"emulate"`
	CreatedAt string `json:"createdAt"`
}

func (s *Server) listSandboxes(*controlCall) answer {
	all := s.sandboxesByAge()
	list := make([]sandboxInfo, 0, len(all))
	for _, sb := range all {
		list = append(list, sandboxInfo{
			ID:        sb.id,
			BasePath:  sandboxPrefix + sb.id,
			Emulate:   sb.world.Version(),
			CreatedAt: sb.createdAt.Format(time.RFC3339Nano),
		})
	}
	return ok(struct {
		Sandboxes []sandboxInfo `json:"sandboxes"`
		Success   bool          `json:"success"`
	}{list, true})
}

func (s *Server) deleteSandbox(c *controlCall) answer {
	id := c.route.PathParams["id"]
	s.mu.Lock()
	sb, found := s.sandboxes[id]
	delete(s.sandboxes, id)
	if found {
		sb.journal.clear() // its entries' bytes go back to the budget
		s.forgetSandbox(sb)
	}
	s.mu.Unlock()
	if !found {
		return answer{status: http.StatusNotFound, body: sandboxNotFound(id)}
	}
	a := s.saved(c.r, sb.saved.Load(), ok(success))
	s.mu.Lock()
	if s.deleting[id] == sb {
		delete(s.deleting, id) // durable, or put back by the rollback
	}
	s.mu.Unlock()
	return a
}
