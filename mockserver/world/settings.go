package world

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Settings are the Rocket.Chat settings of a world that change answers beyond its data. The
// zero value is a fresh server under TEST_MODE, which is how the conformance suite runs a real
// one: no rate limit, no CORS.
type Settings struct {
	RateLimiter RateLimiterSettings
	CORS        CORSSettings
}

// RateLimiterSettings are API_Enable_Rate_Limiter, API_Enable_Rate_Limiter_Limit_Calls_Default
// and API_Enable_Rate_Limiter_Limit_Time_Default. A production server limits every /api/v1
// route (10 calls per 60 s per client address and route); TEST_MODE turns it off
// (ApiClass shouldAddRateLimitToRoute), and so does the mock unless Enabled.
type RateLimiterSettings struct {
	Enabled  bool
	Calls    int           // calls allowed per window; 0 means Rocket.Chat's default, 10
	Interval time.Duration // the window; 0 means Rocket.Chat's default, 60 s
}

// CORSSettings are API_Enable_CORS and API_CORS_Origin ("*" or a comma-separated list of
// origins), applied by the cors middleware of the REST API (app/api/server/middlewares/cors.ts).
type CORSSettings struct {
	Enabled bool
	Origin  string // "" means Rocket.Chat's default, "*"
}

// Rocket.Chat's defaults for the rate limiter and CORS settings.
const (
	DefaultRateLimitCalls    = 10
	DefaultRateLimitInterval = 60 * time.Second
	DefaultCORSOrigin        = "*"
)

// MaxRateLimitInterval bounds a window (Rocket.Chat takes any number of milliseconds; a day is
// already far more than a test can wait).
const MaxRateLimitInterval = 24 * time.Hour

// normalized fills in Rocket.Chat's defaults and checks the ranges.
// Normalized returns s as a world holds it: Rocket.Chat's defaults in place of zero Calls,
// Interval and Origin. It fails as CheckSettings does.
func (s Settings) Normalized() (Settings, error) { return s.normalized() }

func (s Settings) normalized() (Settings, error) {
	rl := &s.RateLimiter
	if rl.Calls == 0 {
		rl.Calls = DefaultRateLimitCalls
	}
	if rl.Interval == 0 {
		rl.Interval = DefaultRateLimitInterval
	}
	switch {
	case rl.Calls < 0 || rl.Calls > math.MaxInt32:
		return s, errors.New("rate limiter: calls must be between 1 and 2147483647")
	case rl.Interval < time.Millisecond || rl.Interval > MaxRateLimitInterval:
		return s, fmt.Errorf("rate limiter: interval must be between 1ms and %s", MaxRateLimitInterval)
	}
	if s.CORS.Origin == "" {
		s.CORS.Origin = DefaultCORSOrigin
	}
	if len(s.CORS.Origin) > 4096 {
		return s, errors.New("cors: origin setting longer than 4096 characters")
	}
	return s, nil
}

// settingsBox holds a world's settings and its rate limiter; it has its own lock so that the
// limiter never waits for the world's data.
type settingsBox struct {
	mu       sync.Mutex
	settings Settings
	limiter  rateLimiter
}

// Settings returns the world's settings, defaults filled in.
func (w *World) Settings() Settings {
	b := &w.settings
	b.mu.Lock()
	defer b.mu.Unlock()
	s, _ := b.settings.normalized()
	return s
}

// CheckSettings reports why SetSettings would refuse s (error-invalid-setting), or nil.
func CheckSettings(s Settings) error {
	if _, err := s.normalized(); err != nil {
		return &Error{Code: "error-invalid-setting", Reason: err.Error()}
	}
	return nil
}

// SetSettings replaces the world's settings (a zero Calls, Interval or Origin means
// Rocket.Chat's default). Changing the rate limiter starts its counters afresh, as Rocket.Chat's
// reloadRoutesToRefreshRateLimiter builds new limiters.
func (w *World) SetSettings(s Settings) error {
	if err := CheckSettings(s); err != nil {
		return err
	}
	n, _ := s.normalized()
	b := &w.settings
	b.mu.Lock()
	defer b.mu.Unlock()
	if n.RateLimiter != b.settings.RateLimiter {
		b.limiter = rateLimiter{started: w.clock.Now()}
	}
	b.settings = n
	return nil
}

func (b *settingsBox) restartLimiter(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limiter = rateLimiter{started: now}
}

// RateLimit is the outcome of Rocket.Chat's rate limiter for one call (ApiClass
// enforceRateLimit). Limited calls carry the X-RateLimit-* headers; refused ones (Allowed
// false) answer 429 with Error().
type RateLimit struct {
	Limited   bool  // the limiter counted the call (it is on and the caller is not exempt)
	Allowed   bool  // the call may go on
	Limit     int   // X-RateLimit-Limit
	Remaining int   // X-RateLimit-Remaining
	ResetMs   int64 // X-RateLimit-Reset: when the window ends, in ms since the epoch
	WaitSecs  int64 // the seconds in the 429 text (Math.ceil(timeToReset / 1000))
}

// Error is the 429's Meteor error: "Error, too many requests. Please slow down. You must wait
// N seconds before trying this endpoint again. [error-too-many-requests]", rendered by
// api.tooManyRequests(e.message) without errorType.
func (r RateLimit) Error() *Error {
	return &Error{
		Reason: fmt.Sprintf("Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again. [error-too-many-requests]", r.WaitSecs),
		Plain:  true, Status: 429,
	}
}

// CheckRateLimit counts one call of route (its method and path template) from the client
// address ip by the caller uid ("" when anonymous), as enforceRateLimit does: nothing when the
// limiter is off or the caller holds api-bypass-rate-limit; otherwise Meteor's RateLimiter
// (increment, then check): each route has one fixed window, started by its first call and
// restarted by the first call after it ends, and counts calls per address; the call that makes
// the count exceed Calls is refused, and so is every later one in the window. The world's clock
// decides the time.
func (w *World) CheckRateLimit(ip, route, uid string) RateLimit {
	b := &w.settings
	b.mu.Lock()
	s, _ := b.settings.normalized()
	b.mu.Unlock()
	if !s.RateLimiter.Enabled {
		return RateLimit{Allowed: true}
	}
	if uid != "" && w.canBypassRateLimit(uid) {
		return RateLimit{Allowed: true}
	}
	now := w.clock.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limiter.call(route, ip, now, s.RateLimiter)
}

func (w *World) canBypassRateLimit(uid string) bool {
	w.lock()
	defer w.unlock()
	return w.can(uid, "api-bypass-rate-limit", "")
}

// Bounds of the limiter's memory: routes are the contract's (a few dozen); addresses per route
// are capped, and a route whose table is full starts its window afresh.
const maxLimiterKeys = 10000

// rateLimiter is Meteor's rate-limit package with one rule per route: {IPAddr, route}. A rule's
// first window starts when the limiter is built (at server start in Rocket.Chat; here when the
// settings turn it on or change it).
type rateLimiter struct {
	started time.Time
	routes  map[string]*limiterRule
}

type limiterRule struct {
	lastReset time.Time
	counters  map[string]int
}

func (l *rateLimiter) call(route, ip string, now time.Time, s RateLimiterSettings) RateLimit {
	if l.routes == nil {
		l.routes = map[string]*limiterRule{}
	}
	rule := l.routes[route]
	if rule == nil {
		start := l.started
		if start.IsZero() || start.After(now) {
			start = now
		}
		rule = &limiterRule{lastReset: start, counters: map[string]int{}}
		l.routes[route] = rule
	}
	// increment: a window that has ended restarts with this call.
	if now.Sub(rule.lastReset) > s.Interval || len(rule.counters) >= maxLimiterKeys {
		rule.reset(now)
	}
	rule.counters[ip]++
	// check
	toReset := s.Interval - now.Sub(rule.lastReset)
	if toReset < 0 {
		rule.reset(now)
		toReset = s.Interval
		rule.counters[ip] = 0
	}
	n := rule.counters[ip]
	out := RateLimit{
		Limited: true, Allowed: true, Limit: s.Calls, Remaining: s.Calls - n,
		ResetMs:  now.Add(toReset).UnixMilli(),
		WaitSecs: int64(math.Ceil(float64(toReset.Milliseconds()) / 1000)),
	}
	if n > s.Calls {
		out.Allowed, out.Remaining = false, 0
	}
	return out
}

func (r *limiterRule) reset(now time.Time) {
	r.lastReset = now
	clear(r.counters)
}
