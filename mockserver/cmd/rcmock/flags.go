package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Flag values whose errors name the forms they accept. The flag package reports a bad value as
// `invalid value "fast" for flag -latency: <the Set error>`, so each Set error says what to
// write instead.

// durationFlag is a time.Duration flag within [min, max]; max 0 means no upper bound.
type durationFlag struct {
	d        *time.Duration
	min, max time.Duration
	example  string
}

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < f.min || (f.max > 0 && d > f.max) {
		return errors.New(f.want())
	}
	*f.d = d
	return nil
}

func (f durationFlag) want() string {
	if f.max == 0 {
		return fmt.Sprintf("want a positive Go duration, e.g. %s", f.example)
	}
	return fmt.Sprintf("want a Go duration from %s to %s, e.g. %s", f.min, f.max, f.example)
}

// positiveIntFlag is an int flag of at least 1.
type positiveIntFlag struct {
	n    *int
	what string
}

func (f positiveIntFlag) String() string {
	if f.n == nil {
		return ""
	}
	return strconv.Itoa(*f.n)
}

func (f positiveIntFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("want a whole number of %s, at least 1", f.what)
	}
	*f.n = n
	return nil
}

// rangeIntFlag is an int flag within [min, max].
type rangeIntFlag struct {
	n        *int
	min, max int
}

func (f rangeIntFlag) String() string {
	if f.n == nil {
		return ""
	}
	return strconv.Itoa(*f.n)
}

func (f rangeIntFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return fmt.Errorf("want a whole number from %d to %d", f.min, f.max)
	}
	*f.n = n
	return nil
}

// boolFlag is a bool flag that names its forms.
type boolFlag struct{ b *bool }

func (f boolFlag) String() string   { return strconv.FormatBool(f.b != nil && *f.b) }
func (f boolFlag) IsBoolFlag() bool { return true }

func (f boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false (or the flag alone, for true)")
	}
	*f.b = v
	return nil
}

// checkAddr accepts host:port ("127.0.0.1:3000", ":0").
func checkAddr(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("--addr %q: want host:port, e.g. 127.0.0.1:3000 (port 0 picks a free one)", addr)
	}
	return nil
}

// checkSiteURL accepts an absolute http or https URL without query or fragment.
func checkSiteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--site-url %q: want an http or https URL such as http://localhost:3000 (no query)", s)
	}
	return nil
}

// preflight finds the two command-line mistakes the flag package reports without naming what
// would be right: a flag that does not exist (it names no other), and a flag left without its
// value at the end. It reads args the way the flag package does: flags until "--" or the first
// non-flag, the values of non-bool flags skipped.
func preflight(fs *flag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return nil
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		switch {
		case name == "h" || name == "help":
		case f == nil:
			return fmt.Errorf("unknown flag %s: rcmock takes %s (rcmock --help explains each)", a, flagList(fs))
		case hasValue || isBool(f):
		case i == len(args)-1:
			form, _ := flag.UnquoteUsage(f)
			return fmt.Errorf("--%s needs a value: --%s %s", name, name, form)
		default:
			i++ // its value
		}
	}
	return nil
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagList names every flag of fs with the form of its value: "--addr host:port, --strict, …".
func flagList(fs *flag.FlagSet) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		form, _ := flag.UnquoteUsage(f)
		if isBool(f) || form == "" {
			names = append(names, "--"+f.Name)
			return
		}
		names = append(names, "--"+f.Name+" "+form)
	})
	sort.Strings(names)
	return strings.Join(names, ", ")
}
