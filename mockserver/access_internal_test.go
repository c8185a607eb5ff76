package mockserver

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottleAllowsAFixedNumberOfFailuresPerSecondAndAddress(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	th := newThrottle()
	th.now = func() time.Time { return now }
	for i := range tokenFailuresPerSecond {
		if th.exhausted("192.0.2.1") {
			t.Fatalf("exhausted after %d failures", i)
		}
		th.fail("192.0.2.1")
	}
	if !th.exhausted("192.0.2.1") {
		t.Fatalf("not exhausted after %d failures in one second", tokenFailuresPerSecond)
	}
	if th.exhausted("192.0.2.2") {
		t.Fatal("another address is exhausted too")
	}
	now = now.Add(999 * time.Millisecond)
	if !th.exhausted("192.0.2.1") {
		t.Fatal("the budget came back within the same second")
	}
	now = now.Add(time.Millisecond)
	if th.exhausted("192.0.2.1") {
		t.Fatal("the budget did not come back in the next second")
	}
}

func TestThrottleSharesOneBudgetBeyondItsAddressBound(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	th := newThrottle()
	th.now = func() time.Time { return now }
	for i := range throttleAddresses {
		th.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	for range tokenFailuresPerSecond {
		th.fail(fmt.Sprintf("192.0.2.%d", 1))
	}
	if len(th.fails) > throttleAddresses+1 {
		t.Fatalf("throttle holds %d counters, want at most %d", len(th.fails), throttleAddresses+1)
	}
	if !th.exhausted("198.51.100.77") {
		t.Error("a fresh address beyond the bound escapes the shared budget")
	}
}
