// Package target says how the conformance suite reaches a Rocket.Chat server and what that
// server lets the suite do beyond plain REST (its capabilities).
//
// A run has two steps, matching Ginkgo's SynchronizedBeforeSuite:
//
//	started, err := target.Start(ctx, target.FromEnv(os.Getenv)) // once, in process 1
//	data, _ := json.Marshal(started.Descriptor)                  // handed to every process
//	t, err := target.Attach(ctx, descriptor, process)             // in each process: its own sandbox
//	defer t.Close(ctx)
//	defer started.Stop(ctx)
//
// Four kinds exist: mock (the mock server in-process behind httptest), url (any running
// server), container (the rcmock image in testcontainers) and rocketchat (a real Rocket.Chat
// and MongoDB in testcontainers). A target that cannot run on this machine (no Docker engine,
// an image that is not present locally, no server at the URL) is not an error of Start: its
// Descriptor says why and how to fix it, in one line. The suite then fails the run with that
// line, or, with Config.AllowUnavailable (RCINVITE_ALLOW_UNAVAILABLE=true), skips every spec
// with it.
//
// The package has no _test.go files on purpose: `go test ./conformance/...` passes -ginkgo.*
// flags to every test binary, so its checks live in the suite (conformance/self_check_test.go).
package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Capability names something a target can do beyond the Rocket.Chat REST API.
type Capability string

// The capabilities specs may need.
const (
	// Clock: the server's clock can be moved (PUT /_mock/clock), so invites expire on demand.
	Clock Capability = "clock"
	// Sandboxes: each suite process gets an isolated world (PUT /_mock/sandboxes/{id}).
	Sandboxes Capability = "sandboxes"
	// Fixtures: the default fixtures (fixtures/default.yaml) are loaded, e.g. the DM dm-admin-alice.
	Fixtures Capability = "fixtures"
	// Database: the suite can write to the server's MongoDB (rocketchat_invites): expire an
	// invite, or plant one no REST call makes (an invite to a direct message).
	Database Capability = "database"
	// Settings: the world's Rocket.Chat settings that TEST_MODE pins (the rate limiter, CORS) can
	// be changed (PUT /_mock/settings). A real server under TEST_MODE never rate-limits.
	Settings Capability = "settings"
)

// Kind names how a target is reached: mock, url, container or rocketchat.
type Kind string

// The kinds of target.
const (
	Mock       Kind = "mock"
	URL        Kind = "url"
	Container  Kind = "container"
	RocketChat Kind = "rocketchat"
)

// Descriptor is everything a suite process needs to reach a started target. It is JSON so that
// process 1 can hand it to the others.
type Descriptor struct {
	Kind          Kind         `json:"kind"`
	URL           string       `json:"url,omitempty"` // scheme://host:port of the server, no trailing slash
	AdminUser     string       `json:"adminUser,omitempty"`
	AdminPassword string       `json:"adminPassword,omitempty"`
	Capabilities  []Capability `json:"capabilities,omitempty"`
	ControlToken  string       `json:"controlToken,omitempty"` // Bearer token for /_mock/, if the server wants one
	MongoURL      string       `json:"mongoURL,omitempty"`     // set with capability database
	Emulate       string       `json:"emulate,omitempty"`      // version each sandbox emulates ("" = the server's)
	// SandboxPrefix starts the id of each process's sandbox: <prefix>-p<process>.
	SandboxPrefix string `json:"sandboxPrefix,omitempty"`
	// Unavailable says in one line why the target cannot run on this machine and how to fix it.
	Unavailable string `json:"unavailable,omitempty"`
}

// Has reports whether the target has capability c.
func (d Descriptor) Has(c Capability) bool { return slices.Contains(d.Capabilities, c) }

// NeedAny returns nil if the target has at least one of caps, otherwise an error that names
// them and the target ("needs capability clock or database: target url has neither").
func (d Descriptor) NeedAny(caps ...Capability) error {
	for _, c := range caps {
		if d.Has(c) {
			return nil
		}
	}
	names := make([]string, len(caps))
	for i, c := range caps {
		names[i] = string(c)
	}
	none := "does not have it"
	switch {
	case len(caps) == 2:
		none = "has neither"
	case len(caps) > 2:
		none = "has none of them"
	}
	return fmt.Errorf("needs capability %s: target %s %s", strings.Join(names, " or "), d.Kind, none)
}

// Target is one suite process's view of a started target: the base URL of its own world
// (a sandbox where the target has them) and the hooks behind its capabilities.
type Target struct {
	Descriptor
	base    string
	sandbox *Sandbox
	control *Control
	mongo   *mongo.Client
	// clockMoved: a spec moved the world's clock; RestoreClock puts it back to real time.
	clockMoved bool
}

// Attach connects suite process number process (GinkgoParallelProcess(), from 1) to the
// target d describes: it opens the sandbox d.SandboxPrefix-p<process> where the target has
// sandboxes, and connects to MongoDB where it has database access. An unavailable target
// attaches without touching anything.
func Attach(ctx context.Context, d Descriptor, process int) (*Target, error) {
	t := &Target{Descriptor: d, base: d.URL}
	if d.Unavailable != "" {
		return t, nil
	}
	if d.Has(Clock) || d.Has(Sandboxes) {
		t.control = NewControl(d.URL, d.ControlToken, &http.Client{Timeout: 10 * time.Second})
	}
	if d.Has(Sandboxes) {
		id := fmt.Sprintf("%s-p%d", d.SandboxPrefix, process)
		sb, err := t.control.OpenSandbox(ctx, id, SandboxRequest{Emulate: d.Emulate, Fixtures: "default"})
		if err != nil {
			return t, fmt.Errorf("attach: %w", err)
		}
		t.sandbox = sb
		t.base = d.URL + sb.BasePath
		t.control = t.control.ForSandbox(sb.ID)
	}
	if d.Has(Database) {
		c, err := connectMongo(ctx, d.MongoURL)
		if err != nil {
			return t, fmt.Errorf("attach: %w", err)
		}
		t.mongo = c
	}
	return t, nil
}

// BaseURL is where this process's world answers: the server's URL, plus the sandbox's base
// path where there is one. Rocket.Chat paths (/api/v1/...) follow it.
func (t *Target) BaseURL() string { return t.base }

// SandboxID is the id of this process's sandbox, or "" without one.
func (t *Target) SandboxID() string {
	if t.sandbox == nil {
		return ""
	}
	return t.sandbox.ID
}

// ErrNoCapability is wrapped by the errors of hooks the target cannot provide.
var ErrNoCapability = errors.New("capability missing")

// ExpireInvite makes the invite with token id expired: on a clock it moves the sandbox's
// clock past the longest invite lifetime (30 days); with database access it sets its expires
// in the past. The clock move expires every invite of this process's world that has days > 0.
func (t *Target) ExpireInvite(ctx context.Context, id string) error {
	switch {
	case t.Has(Clock):
		_, err := t.AdvanceClock(ctx, 31*24*time.Hour)
		return err
	case t.Has(Database):
		return expireInvite(ctx, t.mongo, t.MongoURL, id)
	}
	return fmt.Errorf("expire invite %s: %w: %w", id, ErrNoCapability, t.NeedAny(Clock, Database))
}

// PlantInvite stores an invite with token id to room rid by creator that never expires and
// has unlimited uses, straight into rocketchat_invites (capability database): for an invite
// no REST call makes, such as one to a direct message.
func (t *Target) PlantInvite(ctx context.Context, id, rid, creator string) error {
	if !t.Has(Database) {
		return fmt.Errorf("plant invite %s: %w: %w", id, ErrNoCapability, t.NeedAny(Database))
	}
	return plantInvite(ctx, t.mongo, t.MongoURL, id, rid, creator)
}

// AdvanceClock moves this process's world clock forward by d (capability clock).
func (t *Target) AdvanceClock(ctx context.Context, d time.Duration) (ClockState, error) {
	if !t.Has(Clock) {
		return ClockState{}, fmt.Errorf("advance clock: %w: %w", ErrNoCapability, t.NeedAny(Clock))
	}
	t.clockMoved = true
	return t.control.AdvanceClock(ctx, d)
}

// SetSettings changes this process's world's Rocket.Chat settings (capability settings): change
// is the body of PUT /_mock/settings, e.g. {"rateLimiter": {"enabled": true, "calls": 2}}.
func (t *Target) SetSettings(ctx context.Context, change any) error {
	if !t.Has(Settings) {
		return fmt.Errorf("set settings: %w: %w", ErrNoCapability, t.NeedAny(Settings))
	}
	return t.control.SetSettings(ctx, change)
}

// RestoreClock puts this process's world clock back to real time when a spec moved it, so
// that clock moves do not add up from spec to spec: login sessions expire 90 days after they
// began (Accounts_LoginExpiration), the suite's admin session included.
func (t *Target) RestoreClock(ctx context.Context) error {
	if !t.clockMoved {
		return nil
	}
	t.clockMoved = false
	_, err := t.control.ResumeClock(ctx)
	return err
}

// Close deletes this process's sandbox and disconnects from MongoDB.
func (t *Target) Close(ctx context.Context) error {
	var errs []error
	if t.sandbox != nil {
		errs = append(errs, t.control.DeleteSandbox(ctx, t.sandbox.ID))
	}
	if t.mongo != nil {
		errs = append(errs, t.mongo.Disconnect(ctx))
	}
	return errors.Join(errs...)
}
