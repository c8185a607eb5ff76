package world

import (
	"testing"
	"time"
)

func limitedWorld(t *testing.T, calls int, interval time.Duration) *World {
	t.Helper()
	w := newWorld(t, "")
	if err := w.SetSettings(Settings{RateLimiter: RateLimiterSettings{Enabled: true, Calls: calls, Interval: interval}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestRateLimiterIsOffByDefaultAsUnderTestMode(t *testing.T) {
	w := newWorld(t, "")
	for i := range 100 {
		if r := w.CheckRateLimit("127.0.0.1", "POST /api/v1/useInviteToken", "bob"); !r.Allowed || r.Limited {
			t.Fatalf("call %d: %+v", i, r)
		}
	}
	if s := w.Settings(); s.RateLimiter.Calls != 10 || s.RateLimiter.Interval != time.Minute || s.CORS.Enabled || s.CORS.Origin != "*" {
		t.Errorf("defaults %+v", s)
	}
}

// The call that makes the count exceed the limit is refused (Meteor's RateLimiter increments,
// then checks numInvocations > numRequestsAllowed), with the seconds left in the window.
func TestRateLimiterRefusesTheCallPastTheLimitUntilTheWindowEnds(t *testing.T) {
	w := limitedWorld(t, 3, time.Minute)
	route := "POST /api/v1/useInviteToken"
	for i, left := range []int{2, 1, 0} {
		r := w.CheckRateLimit("10.1.1.1", route, "bob")
		if !r.Allowed || !r.Limited || r.Remaining != left || r.Limit != 3 {
			t.Fatalf("call %d: %+v", i+1, r)
		}
	}
	w.clock.Advance(20 * time.Second)
	r := w.CheckRateLimit("10.1.1.1", route, "bob")
	if r.Allowed || r.Remaining != 0 || r.WaitSecs != 40 || r.ResetMs != w.clock.Now().Add(40*time.Second).UnixMilli() {
		t.Fatalf("fourth call: %+v", r)
	}
	if got := r.Error().Error(); got != "Error, too many requests. Please slow down. You must wait 40 seconds before trying this endpoint again. [error-too-many-requests]" {
		t.Errorf("text %q", got)
	}
	// Another address has its own count in the same window; another route its own window.
	if r := w.CheckRateLimit("10.2.2.2", route, "bob"); !r.Allowed || r.Remaining != 2 || r.WaitSecs != 40 {
		t.Errorf("other address: %+v", r)
	}
	if r := w.CheckRateLimit("10.1.1.1", "GET /api/v1/me", "bob"); !r.Allowed || r.Remaining != 2 {
		t.Errorf("other route: %+v", r)
	}
	w.clock.Advance(41 * time.Second)
	if r := w.CheckRateLimit("10.1.1.1", route, "bob"); !r.Allowed || r.Remaining != 2 || r.WaitSecs != 60 {
		t.Errorf("after the window: %+v", r)
	}
}

func TestCallersWithApiBypassRateLimitAreExempt(t *testing.T) {
	w := limitedWorld(t, 1, time.Minute)
	for range 5 {
		if r := w.CheckRateLimit("10.1.1.1", "GET /api/v1/me", "rocketchat.internal.admin.test"); !r.Allowed || r.Limited {
			t.Fatalf("admin limited: %+v", r)
		}
	}
	w.CheckRateLimit("10.1.1.1", "GET /api/v1/me", "")
	if r := w.CheckRateLimit("10.1.1.1", "GET /api/v1/me", ""); r.Allowed {
		t.Errorf("anonymous second call allowed: %+v", r)
	}
}

func TestChangingTheRateLimiterStartsAfresh(t *testing.T) {
	w := limitedWorld(t, 1, time.Minute)
	w.CheckRateLimit("ip", "r", "bob")
	if r := w.CheckRateLimit("ip", "r", "bob"); r.Allowed {
		t.Fatal("second call allowed")
	}
	if err := w.SetSettings(Settings{RateLimiter: RateLimiterSettings{Enabled: true, Calls: 2, Interval: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	if r := w.CheckRateLimit("ip", "r", "bob"); !r.Allowed || r.Remaining != 1 {
		t.Errorf("after the change: %+v", r)
	}
}

func TestSettingsOutOfRangeAreRefused(t *testing.T) {
	w := newWorld(t, "")
	for _, s := range []Settings{
		{RateLimiter: RateLimiterSettings{Calls: -1}},
		{RateLimiter: RateLimiterSettings{Interval: time.Microsecond}},
		{RateLimiter: RateLimiterSettings{Interval: 25 * time.Hour}},
	} {
		if err := w.SetSettings(s); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// The limiter's table is bounded: a route that has seen too many addresses starts its window
// afresh instead of growing.
func TestRateLimiterMemoryIsBounded(t *testing.T) {
	w := limitedWorld(t, 5, time.Minute)
	for i := range maxLimiterKeys + 10 {
		w.CheckRateLimit(time.Duration(i).String(), "r", "bob")
	}
	if n := len(w.settings.limiter.routes["r"].counters); n > maxLimiterKeys {
		t.Errorf("%d addresses kept", n)
	}
}
