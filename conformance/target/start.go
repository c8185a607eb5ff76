package target

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Config says which target to start and how; FromEnv reads it from RCINVITE_* variables.
type Config struct {
	Kind          Kind   // RCINVITE_TARGET: mock (default), url, container, rocketchat
	Emulate       string // RCINVITE_EMULATE: Rocket.Chat version the mock emulates ("" = its default)
	URL           string // RCINVITE_URL (kind url)
	AdminUser     string // RCINVITE_ADMIN_USER (default rocketchat.internal.admin.test)
	AdminPassword string // RCINVITE_ADMIN_PASSWORD (default rocketchat.internal.admin.test)
	MongoURL      string // RCINVITE_MONGO_URL (kind url): gives capability database
	ControlToken  string // RCINVITE_CONTROL_TOKEN: Bearer token for a mock's /_mock/ API
	// SandboxPrefix starts the sandbox ids of a run (RCINVITE_SANDBOX_PREFIX; default
	// "conformance-" and 8 random characters): process N opens <prefix>-pN.
	SandboxPrefix string
	Image         string // RCINVITE_IMAGE (kind container; default rcinvite/rcmock:dev)
	RCVersion     string // RC_VERSION (kind rocketchat; default 8.4.0)
	RCImage       string // RCINVITE_RC_IMAGE (default rocketchat/rocket.chat:<RCVersion>)
	MongoImage    string // RCINVITE_MONGO_IMAGE (kind rocketchat; default mongo:8.0)
	// AllowUnavailable (RCINVITE_ALLOW_UNAVAILABLE=true) lets a target that cannot run here skip
	// every spec with the reason, instead of failing the run.
	AllowUnavailable bool
	// invalid collects the variables FromEnv could not read; Start refuses to run with them.
	invalid []string
	// Logf, if set, receives progress lines (container start-up, readiness).
	Logf func(format string, args ...any)
}

// The defaults of Config.
const (
	DefaultAdmin      = "rocketchat.internal.admin.test"
	DefaultImage      = "rcinvite/rcmock:dev"
	DefaultRCVersion  = "8.4.0"
	DefaultMongoImage = "mongo:8.0"
)

// FromEnv builds a Config from the environment (pass os.Getenv).
func FromEnv(getenv func(string) string) Config {
	or := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Kind:          Kind(strings.ToLower(or("RCINVITE_TARGET", string(Mock)))),
		Emulate:       or("RCINVITE_EMULATE", ""),
		URL:           strings.TrimRight(or("RCINVITE_URL", ""), "/"),
		AdminUser:     or("RCINVITE_ADMIN_USER", DefaultAdmin),
		AdminPassword: or("RCINVITE_ADMIN_PASSWORD", DefaultAdmin),
		MongoURL:      or("RCINVITE_MONGO_URL", ""),
		ControlToken:  or("RCINVITE_CONTROL_TOKEN", ""),
		SandboxPrefix: or("RCINVITE_SANDBOX_PREFIX", "conformance-"+strings.ToLower(rand.Text()[:8])),
		Image:         or("RCINVITE_IMAGE", DefaultImage),
		RCVersion:     or("RC_VERSION", DefaultRCVersion),
		MongoImage:    or("RCINVITE_MONGO_IMAGE", DefaultMongoImage),
	}
	c.RCImage = or("RCINVITE_RC_IMAGE", "rocketchat/rocket.chat:"+c.RCVersion)
	allow := or("RCINVITE_ALLOW_UNAVAILABLE", "false")
	var err error
	if c.AllowUnavailable, err = strconv.ParseBool(allow); err != nil {
		c.invalid = append(c.invalid, fmt.Sprintf("RCINVITE_ALLOW_UNAVAILABLE=%q: want true or false", allow))
	}
	return c
}

func (c Config) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// Started is a running target: its Descriptor, and Stop to tear down what Start started.
type Started struct {
	Descriptor
	stop []func(context.Context) error
}

// Stop tears down what Start started (the in-process server, containers, networks), newest first.
func (s *Started) Stop(ctx context.Context) error {
	var errs []error
	for i := len(s.stop) - 1; i >= 0; i-- {
		errs = append(errs, s.stop[i](ctx))
	}
	s.stop = nil
	return errors.Join(errs...)
}

func (s *Started) onStop(f func(context.Context) error) { s.stop = append(s.stop, f) }

// Start starts (or, for kind url, probes) the target c names. A target that cannot run here
// comes back with Descriptor.Unavailable set and no error; an error means a target that should
// work does not. On error the partly started target is returned for Stop.
func Start(ctx context.Context, c Config) (*Started, error) {
	s := &Started{Descriptor: Descriptor{Kind: c.Kind, AdminUser: c.AdminUser, AdminPassword: c.AdminPassword,
		Emulate: c.Emulate, SandboxPrefix: c.SandboxPrefix}}
	if len(c.invalid) > 0 {
		return s, fmt.Errorf("start target %s: %s", c.Kind, strings.Join(c.invalid, "; "))
	}
	var err error
	switch c.Kind {
	case Mock:
		err = startMock(ctx, c, s)
	case URL:
		err = probeURL(ctx, c, s)
	case Container:
		err = startContainer(ctx, c, s)
	case RocketChat:
		err = startRocketChat(ctx, c, s)
	default:
		err = fmt.Errorf("RCINVITE_TARGET=%q: want mock, url, container or rocketchat", c.Kind)
	}
	if err != nil {
		return s, fmt.Errorf("start target %s: %w", c.Kind, err)
	}
	return s, nil
}

// setenvDefault sets key to value unless the environment already has it.
func setenvDefault(key, value string) {
	if _, ok := os.LookupEnv(key); !ok {
		_ = os.Setenv(key, value)
	}
}
