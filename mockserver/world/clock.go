package world

import (
	"sync"
	"time"
)

// Clock is a world's time source: real time, optionally frozen and shifted by an offset.
// It is safe for concurrent use.
type Clock struct {
	mu       sync.Mutex
	real     func() time.Time
	frozen   bool
	frozenAt time.Time
	offset   time.Duration
}

// ClockState is a snapshot of a Clock.
type ClockState struct {
	Now    time.Time
	Frozen bool
	Offset time.Duration
}

// NewClock returns a clock running in real time.
func NewClock() *Clock { return &Clock{real: time.Now} }

// Now returns the clock's current time in UTC (the mock's server-local time zone), without a
// monotonic reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

func (c *Clock) now() time.Time {
	base := c.frozenAt
	if !c.frozen {
		base = c.real()
	}
	return base.Add(c.offset).UTC().Round(0)
}

// Freeze stops the clock at at (offset cleared).
func (c *Clock) Freeze(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen, c.frozenAt, c.offset = true, at, 0
}

// Advance moves the clock forward by d, frozen or running.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Resume returns the clock to real time, clearing the offset.
func (c *Clock) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen, c.frozenAt, c.offset = false, time.Time{}, 0
}

// State returns a snapshot of the clock.
func (c *Clock) State() ClockState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ClockState{Now: c.now(), Frozen: c.frozen, Offset: c.offset}
}
