package mockserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// Option configures a Server; it fails on a value the server cannot use.
type Option func(*config) error

// DefaultJournalSize is how many requests each world's journal keeps unless WithJournalSize says otherwise.
const DefaultJournalSize = 1000

// MaxLatency bounds the latency a world may be given, so that a mistaken setting cannot hang
// clients for minutes. [inferred]
const MaxLatency = 10 * time.Second

type config struct {
	fixtures      *fixtures.Set
	strict        bool
	emulate       string
	controlToken  string
	logger        *slog.Logger
	journalSize   int
	journalBudget int64
	latency       time.Duration
	siteURL       string
	stateFile     string // WithStateFile (persist.go)
	maxSandboxes  int
	settings      world.Settings
	unexplained   bool // record no explanations: only the benchmarks that price them set it (export_test.go)
	allowedHosts  []string
	bcryptCost    int
	stateFault    func() error // fails state-file commits: a test seam (statefile.WithWriteFault)
}

// WithFixtures makes a copy of f the fixtures of the default world and of every sandbox
// opened with fixtures "default". Without it the server uses fixtures.Default().
func WithFixtures(f *fixtures.Set) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("fixtures: nil set")
		}
		c.fixtures = f.Clone() // the worlds share it and only read it: the caller's set stays the caller's
		return nil
	}
}

// WithStrict turns answers that break the contract (spec/openapi.yaml for the Rocket.Chat API,
// spec/mock-control.yaml for the control API) into 500 error-contract-violation instead of a log line.
func WithStrict(on bool) Option {
	return func(c *config) error {
		c.strict = on
		return nil
	}
}

// WithEmulate sets the Rocket.Chat version the default world behaves like ("8.3.0", "8.4.0");
// it is also the default for new sandboxes.
func WithEmulate(version string) Option {
	return func(c *config) error {
		if version == "" {
			return errors.New("emulate: empty version")
		}
		c.emulate = version
		return nil
	}
}

// WithControlToken opens the control API to every address for callers that send
// "Authorization: Bearer <tok>"; without a token only loopback clients may use it.
func WithControlToken(tok string) Option {
	return func(c *config) error {
		c.controlToken = tok
		return nil
	}
}

// WithAllowedHosts lets requests for /_mock/ name these hosts in their Host header besides the
// loopback names (localhost, *.localhost, 127.0.0.0/8, [::1]), which are always allowed: the
// names a container or cluster reaches the mock by (e.g. "rcmock.ci.svc"). A name starting
// with "." allows that domain and its subdomains (".ci.svc"). Ports are not compared. Without
// it a Host like "evil.example:3000" (DNS rebinding) is refused 403 error-host-not-allowed.
func WithAllowedHosts(hosts ...string) Option {
	return func(c *config) error {
		for _, h := range hosts {
			name, err := allowedHost(h)
			if err != nil {
				return fmt.Errorf("allowed hosts: %w", err)
			}
			c.allowedHosts = append(c.allowedHosts, name)
		}
		return nil
	}
}

// allowedHost checks one WithAllowedHosts entry and returns it as hostAllowed compares it.
func allowedHost(h string) (string, error) {
	name := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
	bare := strings.TrimPrefix(name, ".")
	switch {
	case bare == "":
		return "", fmt.Errorf("%q: empty host name", h)
	case strings.ContainsAny(bare, "/:@*?#% \t") && !isIPv6(bare):
		return "", fmt.Errorf("%q: want a host name or IP address without scheme, port, path or wildcard (\".example.com\" allows a domain and its subdomains)", h)
	}
	return strings.TrimSuffix(strings.TrimPrefix(name, "["), "]"), nil
}

// isIPv6 reports whether s is an IPv6 address, bracketed or not.
func isIPv6(s string) bool {
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	return err == nil && ip.Is6()
}

// WithBcryptCost sets the bcrypt cost passwords are hashed with (world.DefaultBcryptCost, 4,
// unless set; Rocket.Chat uses 10). Each step doubles the time a login takes: 4 costs about
// 1.3 ms, 10 about 70 ms. The fixture users' passwords are hashed once, when the server starts.
func WithBcryptCost(cost int) Option {
	return func(c *config) error {
		if cost < world.DefaultBcryptCost || cost > world.MaxBcryptCost {
			return fmt.Errorf("bcrypt cost: %d is not between %d and %d", cost, world.DefaultBcryptCost, world.MaxBcryptCost)
		}
		c.bcryptCost = cost
		return nil
	}
}

// WithLogger sends one line per request (method, path, status, duration, sandbox) and the
// server's warnings to l. Without it the server logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("logger: nil")
		}
		c.logger = l
		return nil
	}
}

// WithJournalSize sets how many requests each world's journal keeps (DefaultJournalSize by default).
func WithJournalSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("journal size: %d is not positive", n)
		}
		c.journalSize = n
		return nil
	}
}

// WithMaxSandboxes sets how many sandboxes the server holds at once (DefaultMaxSandboxes by
// default); opening one more answers 429 error-too-many-sandboxes.
func WithMaxSandboxes(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max sandboxes: %d is not positive", n)
		}
		c.maxSandboxes = n
		return nil
	}
}

// WithJournalBudget sets the bytes all journals of the server hold together (entries with
// their bodies, DefaultJournalBudget by default): beyond it the oldest entries go first,
// whatever their world, and count as dropped in their world's journal.
func WithJournalBudget(bytes int64) Option {
	return func(c *config) error {
		if bytes < 1 {
			return fmt.Errorf("journal budget: %d bytes is not positive", bytes)
		}
		c.journalBudget = bytes
		return nil
	}
}

// WithLatency makes the default world wait d before answering each Rocket.Chat API call
// (at most MaxLatency). Sandboxes start without latency unless they ask for it.
func WithLatency(d time.Duration) Option {
	return func(c *config) error {
		if err := checkLatency(d); err != nil {
			return err
		}
		c.latency = d
		return nil
	}
}

// WithSiteURL sets the Site_Url the worlds build invite URLs from.
func WithSiteURL(u string) Option {
	return func(c *config) error {
		c.siteURL = u
		return nil
	}
}

func checkLatency(d time.Duration) error {
	if d < 0 || d > MaxLatency {
		return fmt.Errorf("latency: must be between 0s and %s", MaxLatency)
	}
	return nil
}

// WithRateLimit turns on Rocket.Chat's REST rate limiter in the default world, as on a
// production server: calls per interval (0 and 0 are Rocket.Chat's defaults, 10 per 60s) per
// client address and /api/v1 route, 429 past it, callers with api-bypass-rate-limit exempt.
// Without it the world has no limit, as under TEST_MODE. Sandboxes ask for their own.
func WithRateLimit(calls int, interval time.Duration) Option {
	return func(c *config) error {
		c.settings.RateLimiter = world.RateLimiterSettings{Enabled: true, Calls: calls, Interval: interval}
		if err := world.CheckSettings(c.settings); err != nil {
			return fmt.Errorf("rate limit: %s", err.(*world.Error).Reason)
		}
		return nil
	}
}

// WithCORS turns on Rocket.Chat's API_Enable_CORS in the default world with API_CORS_Origin
// origin ("*" or a comma-separated list of origins; "" means "*"). Without it no CORS header is
// sent, as on a fresh server. Only the Rocket.Chat API (/api/...) answers cross-origin calls.
func WithCORS(origin string) Option {
	return func(c *config) error {
		c.settings.CORS = world.CORSSettings{Enabled: true, Origin: origin}
		if err := world.CheckSettings(c.settings); err != nil {
			return fmt.Errorf("cors: %s", err.(*world.Error).Reason)
		}
		return nil
	}
}
