// Package explain records why the mock answered a request as it did: the checks that decided
// the answer, in the order they ran, each with the state it looked at.
//
// The rules record as they decide (mockserver/world for Rocket.Chat's rules, mockserver/api for
// the request pipeline): a check appends one Step to the request's Trace, never a text. A Step
// holds only the values its Check looked at, copied into fixed slots, so recording costs a
// struct copy and no formatting; the words are built from the Check's Text function when
// somebody reads the explanation (the journal, the dashboard, mocktest, a debug log line).
//
// A nil *Trace records nothing, so rules run untraced (unit tests, internal calls) at no cost.
package explain

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Verdict says what a step was: a check that passed, a check that refused, or a note about
// what the rule did or skipped.
type Verdict uint8

// Verdicts of a step.
const (
	Pass Verdict = iota // the check passed; the rule went on
	Fail                // the check refused: the answer is its error
	Note                // not a check: what the rule did (a write) or why it skipped a check
)

// String is the verdict's JSON name.
func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	default:
		return "note"
	}
}

// Check is one kind of step: its stable name, the names of the values its steps hold, and its
// wording. Checks are package-level variables (pointers); steps point at them.
type Check struct {
	// Name is the step's stable id in the journal ("invite.expires").
	Name string
	// S names the string slots of its steps ("" = unused).
	S [4]string
	// N names the number slots of its steps ("" = unused).
	N [4]string
	// Times marks the number slots that hold times (bit i for N[i]): Unix milliseconds, 0 = none.
	Times uint8
	// Bools marks the number slots that hold booleans (bit i for N[i]): 0 false, 1 true.
	Bools uint8
	// Enums words the number slots that hold one of a few states: N[i] = j is Enums[i][j].
	Enums [4][]string
	// Text words a step of this check.
	Text func(s *Step) string

	id atomic.Uint32 // its number in the registry, once a step of it was recorded; 0 before
}

// registry numbers the checks that steps were recorded of, so that a trace stores a number.
var registry struct {
	mu     sync.RWMutex
	checks []*Check // id i+1 is checks[i]
}

// key is c's number in the registry, registering c on its first use.
func (c *Check) key() uint32 {
	if id := c.id.Load(); id != 0 {
		return id
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if id := c.id.Load(); id != 0 {
		return id
	}
	registry.checks = append(registry.checks, c)
	id := uint32(len(registry.checks))
	c.id.Store(id)
	return id
}

func checkOf(id uint32) *Check {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	if id == 0 || int(id) > len(registry.checks) {
		return nil
	}
	return registry.checks[id-1]
}

// Step is one recorded check: which Check, its verdict, and the values it looked at.
type Step struct {
	Check   *Check
	Verdict Verdict
	S       [4]string
	N       [4]int64
}

// Trace is what one request's decision recorded. It is written by the goroutine serving the
// request only, and read-only once the request is answered (the journal keeps a copy). Its zero
// value is an empty trace; a Trace may be copied once written, as the journal does.
//
// Steps are stored encoded in bytes: per step the check's number, the verdict, a mask of the
// slots set, then those slots' values (strings copied, numbers as varints). A typical answer's
// steps fit the inline bytes, so recording allocates nothing, and a trace holds no pointer
// into the world's documents.
type Trace struct {
	n      uint8     // bytes of inline in use
	inline [128]byte // the steps while they fit
	more   []byte    // all the steps once they outgrow inline (it is then unused)

	// User is the caller the request was made as (the authenticated X-User-Id, or the user
	// who logged in); "" when none.
	User string
	// Operation is the contract's operationId the request resolved to; "" when none.
	Operation string
	// Status is the HTTP status answered.
	Status int
	// Answer is the answer's errorType (Meteor error code), the message of a plain error, or
	// "" for a success.
	Answer string
}

// New returns an empty trace.
func New() *Trace { return &Trace{} }

// bytes are the encoded steps.
func (t *Trace) bytes() []byte {
	if t.more != nil {
		return t.more
	}
	return t.inline[:t.n]
}

// Record appends a copy of s. On a nil trace it does nothing.
func (t *Trace) Record(s *Step) {
	if t == nil {
		return
	}
	id := s.Check.key()
	b := append(t.bytes(), byte(id), byte(id>>8), byte(s.Verdict), 0)
	at := len(b) - 1 // the slot mask, known at the end
	var mask byte
	for i, v := range s.S {
		if v != "" {
			mask |= 1 << i
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	for i, v := range s.N {
		if v != 0 {
			mask |= 1 << (4 + i)
			b = binary.AppendVarint(b, v)
		}
	}
	b[at] = mask
	if t.more == nil && len(b) <= len(t.inline) && &b[0] == &t.inline[0] {
		t.n = uint8(len(b)) // appended in place
		return
	}
	t.more = b
}

// Refuse records s as the check that refused and returns err, the answer it decided: a rule
// writes `return w.why.Refuse(step, errSomething())`, so the step and the error cannot part.
func (t *Trace) Refuse(s *Step, err error) error {
	if t != nil {
		s.Verdict = Fail
		t.Record(s)
	}
	return err
}

// Steps decodes the recorded steps.
func (t *Trace) Steps() []Step {
	if t == nil {
		return nil
	}
	var out []Step
	b := t.bytes()
	for len(b) >= 4 {
		s := Step{Check: checkOf(uint32(b[0]) | uint32(b[1])<<8), Verdict: Verdict(b[2])}
		mask := b[3]
		b = b[4:]
		for i := range s.S {
			if mask&(1<<i) != 0 {
				n, k := binary.Uvarint(b)
				s.S[i], b = string(b[k:k+int(n)]), b[k+int(n):]
			}
		}
		for i := range s.N {
			if mask&(1<<(4+i)) != 0 {
				v, k := binary.Varint(b)
				s.N[i], b = v, b[k:]
			}
		}
		out = append(out, s)
	}
	return out
}

// Mark is where the trace ends now, for Truncate (0 on a nil trace).
func (t *Trace) Mark() int {
	if t == nil {
		return 0
	}
	return len(t.bytes())
}

// Truncate forgets the steps recorded after mark, a Mark of this trace: those of an operation
// that is run again.
func (t *Trace) Truncate(mark int) {
	switch {
	case t == nil:
	case t.more != nil:
		t.more = t.more[:mark]
	default:
		t.n = uint8(mark)
	}
}

// Len is the number of recorded steps.
func (t *Trace) Len() int { return len(t.Steps()) }

// Size estimates the bytes the trace holds, for memory budgets.
func (t *Trace) Size() int {
	if t == nil {
		return 0
	}
	return int(unsafe.Sizeof(Trace{})) + cap(t.more) + len(t.User) + len(t.Operation) + len(t.Answer)
}

// Explanation is a trace in words, as GET /_mock/requests shows it under "explain".
type Explanation struct {
	// Operation is the contract's operationId; "" when the request matched none.
	Operation string `json:"operation,omitempty"`
	// User is the caller; "" when none.
	User string `json:"user,omitempty"`
	// Outcome is the answer in short: "200 success", "400 error-user-is-banned", "400 Not allowed".
	Outcome string `json:"outcome"`
	// Summary is every step's text joined by " → ".
	Summary string `json:"summary"`
	// Steps are the checks in the order they ran.
	Steps []ExplainedStep `json:"steps"`
}

// ExplainedStep is one step in words.
type ExplainedStep struct {
	// Check is the step's stable id ("invite.expires").
	Check string `json:"check"`
	// Verdict is "pass", "fail" or "note".
	Verdict string `json:"verdict"`
	// Text says what was checked and found.
	Text string `json:"text"`
	// Facts are the values the check looked at, by name; times as RFC 3339.
	Facts map[string]any `json:"facts,omitempty"`
}

// Explain words the trace. It returns nil for a nil trace.
func (t *Trace) Explain() *Explanation {
	if t == nil {
		return nil
	}
	steps := t.Steps()
	e := &Explanation{Operation: t.Operation, User: t.User, Outcome: t.Outcome(), Steps: make([]ExplainedStep, 0, len(steps))}
	texts := make([]string, 0, len(steps)+1)
	for i := range steps {
		s := &steps[i]
		es := ExplainedStep{Check: s.Check.Name, Verdict: s.Verdict.String(), Text: s.Check.Text(s), Facts: s.facts()}
		e.Steps = append(e.Steps, es)
		texts = append(texts, es.Text)
	}
	texts = append(texts, e.Outcome)
	e.Summary = strings.Join(texts, " → ")
	return e
}

// Outcome is the answer in short: the status and the errorType or message ("success" for 2xx).
func (t *Trace) Outcome() string {
	switch {
	case t.Status == 0:
		return "no answer"
	case t.Answer == "" && t.Status < 300:
		return fmt.Sprintf("%d success", t.Status)
	case t.Answer == "":
		return fmt.Sprintf("%d", t.Status)
	default:
		return fmt.Sprintf("%d %s", t.Status, t.Answer)
	}
}

func (s *Step) facts() map[string]any {
	var out map[string]any
	put := func(k string, v any) {
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	for i, name := range s.Check.S {
		if name != "" {
			put(name, s.S[i])
		}
	}
	for i, name := range s.Check.N {
		v, enum := s.N[i], s.Check.Enums[i]
		switch {
		case name == "":
		case s.Check.Bools&(1<<i) != 0:
			put(name, v != 0)
		case enum != nil && v >= 0 && v < int64(len(enum)):
			put(name, enum[v])
		case s.Check.Times&(1<<i) == 0:
			put(name, v)
		case v == 0:
			put(name, nil)
		default:
			put(name, time.UnixMilli(v).UTC().Format(time.RFC3339Nano))
		}
	}
	return out
}

// Flag is a bool for a number slot.
func Flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Time words a time slot: "2026-12-08T10:00Z", seconds shown only when not zero.
func Time(ms int64) string {
	if ms == 0 {
		return "never"
	}
	t := time.UnixMilli(ms).UTC()
	switch {
	case t.Nanosecond() != 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case t.Second() != 0:
		return t.Format("2006-01-02T15:04:05Z")
	default:
		return t.Format("2006-01-02T15:04Z")
	}
}

// Until words the time from one slot to another: "in 6 d 23 h", "2 d 1 h ago", "now".
func Until(from, to int64) string {
	d := time.Duration(to-from) * time.Millisecond
	switch {
	case d == 0:
		return "now"
	case d > 0:
		return "in " + Span(d)
	default:
		return Span(-d) + " ago"
	}
}

// Span words a positive duration with its two largest units: "6 d 23 h", "5 min 3 s", "250 ms".
func Span(d time.Duration) string {
	units := []struct {
		name string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"min", time.Minute}, {"s", time.Second}}
	var parts []string
	for _, u := range units {
		if d >= u.d || len(parts) > 0 {
			n := d / u.d
			d -= n * u.d
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, u.name))
			}
			if len(parts) == 2 || (len(parts) == 1 && n == 0) {
				break
			}
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return strings.Join(parts, " ")
}

// SetUser records the caller the request acts as. On a nil trace it does nothing.
func (t *Trace) SetUser(id string) {
	if t != nil {
		t.User = id
	}
}

// Caller is the trace's User; "" on a nil trace.
func (t *Trace) Caller() string {
	if t == nil {
		return ""
	}
	return t.User
}
