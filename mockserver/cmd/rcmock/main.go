// Command rcmock serves the mock Rocket.Chat 8.4.0 REST API (invites, bans and the endpoints
// around them) with the default fixtures, sandboxes and the /_mock/ control API.
//
//	rcmock --addr 127.0.0.1:3000 --strict
//
// Run `rcmock --help` for every flag.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// Exit codes.
const (
	exitFailure = 1 // the server could not start or stopped with an error
	exitUsage   = 2 // bad flags or a bad fixtures file
)

// HTTP server limits. WriteTimeout leaves room for the longest latency a world may have.
// ReadHeaderTimeout is the default of --read-header-timeout.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = mockserver.MaxLatency + 30*time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

// logFlushInterval is the longest a log line waits in memory before it reaches stderr.
const logFlushInterval = 100 * time.Millisecond

// gcPercent is rcmock's GOGC unless the environment sets one.
const gcPercent = 400

func main() {
	tuneGC(os.Getenv)
	limitMemory = debug.SetMemoryLimit
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// tuneGC sets the GC target to gcPercent unless GOGC is set in the environment, and reports
// whether it did. The live heap is small (about 5 MB with the default fixtures) and nearly all
// allocation is per-request garbage, so the default GOGC=100 collects very often for little
// gain; GOGC=400 measured +10-25% requests per second at the cost of a few MB of heap.
func tuneGC(getenv func(string) string) bool {
	if getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(gcPercent)
	return true
}

// memoryHeadroom is what the soft memory limit allows besides the journal budget: the worlds
// (about 17 KiB per sandbox of the default fixtures), login tokens at their cap, requests in
// flight (1 MiB bodies at most), large answers being written, and the runtime.
const memoryHeadroom = 224 << 20

// limitMemory sets the Go runtime's soft memory limit; main sets it to debug.SetMemoryLimit,
// so that tests running run in-process keep their own.
var limitMemory func(int64) int64

// tuneMemory sets the soft memory limit to the journal budget plus memoryHeadroom unless
// GOMEMLIMIT is set, and reports whether it did. With GOGC at 400 the heap may grow to five
// times what it holds before a collection; the limit makes the collector work harder instead
// once the process nears the budget, so that rcmock's memory has one bound whatever the load.
func tuneMemory(getenv func(string) string, budget int64, set func(int64) int64) bool {
	if getenv("GOMEMLIMIT") != "" || set == nil {
		return false
	}
	set(budget + memoryHeadroom)
	return true
}

// usageError is a problem with the command line or the fixtures file (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode prints err (if any) and maps it to the process exit code.
func exitCode(err error, stderr io.Writer) int {
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "rcmock:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "rcmock:", err)
		return exitFailure
	}
}

// options are rcmock's settings, from flags and environment.
type options struct {
	addr         string
	fixtures     string
	logFormat    string
	logLevel     slog.Level
	strict       bool
	emulate      string
	controlToken string
	// tokenOnCommandLine: the token came from --control-token, which every local user can
	// read in the process list.
	tokenOnCommandLine bool
	allowedHosts       []string
	bcryptCost         int
	journalSize        int
	journalBudget      byteSize
	maxSandboxes       int
	latency            time.Duration
	siteURL            string
	stateFile          string
	// readHeaderTimeout bounds the time a client may take to send a request's headers.
	readHeaderTimeout time.Duration
	// rateLimit, rateLimitCalls and rateLimitInterval are --rate-limit and its two knobs.
	rateLimit         bool
	rateLimitCalls    int
	rateLimitInterval time.Duration
	corsOrigin        string // --cors-origin: CORS on with this API_CORS_Origin
}

const usageHead = `rcmock serves a mock Rocket.Chat 8.4.0 REST API (invite links, room bans and the
endpoints around them) from fixtures, plus isolated sandboxes and the /_mock/ control API.

Usage: rcmock [flags]

Flags:
`

const usageTail = `
Environment:
  PORT                  when --addr is not given, listen on 127.0.0.1:$PORT
  RCMOCK_CONTROL_TOKEN  the control token, when --control-token is not given (which every
                        local user can read in the process list)
  GOMEMLIMIT            Go's soft memory limit (default: --journal-budget plus 224MiB)
  ADMIN_USERNAME, ADMIN_PASS, ADMIN_EMAIL, ADMIN_NAME
                        as in the Rocket.Chat image: when ADMIN_PASS is set, that admin is
                        added to the fixtures (or the user with that username becomes it)

Routes:
  /api/...                   the default world (Rocket.Chat REST API)
  /sandboxes/{id}/api/...    a sandbox world (PUT /_mock/sandboxes/{id} opens one)
  /_mock/...                 the control API (spec/mock-control.yaml): reset, clock,
                             sandboxes, settings, state, requests, worlds
  /_mock/ui                  the dashboard: worlds, users, rooms, invites, the live
                             journal with the reason behind every answer
  /livez                     health check

/_mock/ answers requests sent to localhost, *.localhost, 127.0.0.0/8, [::1] or an
--allowed-hosts name, never to other sites' pages, and without a control token only loopback
clients.

Exit status: 0 after a clean shutdown (SIGINT, SIGTERM), 1 when serving fails,
2 for bad flags or a bad fixtures file (reported as file:line: problem) or a state file
that cannot be opened (corrupt, not a state file, permission denied, or in use by another
rcmock).
`

// parseFlags reads args and the environment into options.
func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("rcmock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:3000", "`host:port` to listen on (port 0 picks a free one)")
	fs.StringVar(&o.fixtures, "fixtures", "", "YAML fixtures `FILE` for the default world and sandboxes (default: the built-in fixtures)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `FORMAT`: text or json (one line per request: method, path, status, duration, sandbox)")
	logLevel := fs.String("log-level", "info", "least `LEVEL` logged: debug, info, warn or error; request lines are info, so warn turns them off (e.g. for load tests), and debug adds to each the explanation of the answer; the listening, shutting down and stopped lines are always written. Logs reach stderr in batches, at most 100ms late")
	fs.Var(boolFlag{&o.strict}, "strict", "answer 500 error-contract-violation when an answer breaks spec/ (otherwise log a warning)")
	fs.StringVar(&o.emulate, "emulate", "", "Rocket.Chat `VERSION` the default world behaves like, e.g. 8.3.0 (no ban check in useInviteToken) (default 8.4.0)")
	fs.StringVar(&o.controlToken, "control-token", "", "open the control API to any address for requests with \"Authorization: Bearer `TOKEN`\"; without it only loopback clients may use /_mock/. Prefer RCMOCK_CONTROL_TOKEN: a flag is visible to every local user in the process list")
	allowedHosts := fs.String("allowed-hosts", "", "comma-separated `HOSTS` that requests to /_mock/ may name in their Host header besides localhost, *.localhost, 127.0.0.0/8 and [::1] (e.g. rcmock.ci.svc; .example.com allows a domain and its subdomains)")
	o.bcryptCost = world.DefaultBcryptCost
	fs.Var(rangeIntFlag{&o.bcryptCost, world.DefaultBcryptCost, world.MaxBcryptCost}, "bcrypt-cost", fmt.Sprintf("bcrypt `COST` of stored passwords, %d to %d: a login takes about 1.3 ms at 4 and doubles with each step (Rocket.Chat uses 10, ~70 ms)", world.DefaultBcryptCost, world.MaxBcryptCost))
	o.journalSize = mockserver.DefaultJournalSize
	fs.Var(positiveIntFlag{&o.journalSize, "requests"}, "journal-size", "`N` requests kept per world in the journal (GET /_mock/requests)")
	o.journalBudget = mockserver.DefaultJournalBudget
	fs.Var(&o.journalBudget, "journal-budget", "`SIZE` all journals hold together (e.g. 64MiB, 512KiB, or bytes); beyond it the oldest entries of any world go first")
	o.maxSandboxes = mockserver.DefaultMaxSandboxes
	fs.Var(positiveIntFlag{&o.maxSandboxes, "sandboxes"}, "max-sandboxes", "`N` sandboxes held at once; opening one more answers 429 error-too-many-sandboxes (an unused sandbox costs about 1 KiB, a used one about as much as the default world)")
	fs.Var(durationFlag{&o.latency, 0, mockserver.MaxLatency, "50ms"}, "latency", "`duration` to wait before each Rocket.Chat API answer of the default world, e.g. 50ms (at most 10s)")
	fs.StringVar(&o.siteURL, "site-url", "", "Site_Url: the base `URL` of invite links (default http://localhost:3000)")
	fs.StringVar(&o.stateFile, "state-file", "", "keep every world (default and sandboxes) in this bbolt `FILE`, created when missing, and restore them from it at start (default: in memory only)")
	o.readHeaderTimeout = readHeaderTimeout
	fs.Var(durationFlag{&o.readHeaderTimeout, time.Nanosecond, 0, "5s"}, "read-header-timeout", "`duration` a client may take to send a request's headers before the connection is closed")
	fs.Var(boolFlag{&o.rateLimit}, "rate-limit", "turn on Rocket.Chat's REST rate limiter in the default world, as on a production server: 10 calls per minute per client address and /api/v1 route, 429 past it, admins exempt (default off, as under TEST_MODE)")
	fs.Var(positiveIntFlag{&o.rateLimitCalls, "calls"}, "rate-limit-calls", "`N` calls allowed per window with --rate-limit (default 10, API_Enable_Rate_Limiter_Limit_Calls_Default)")
	fs.Var(durationFlag{&o.rateLimitInterval, 0, 0, "10s"}, "rate-limit-interval", "the `duration` of the window of --rate-limit, e.g. 10s (default 1m, API_Enable_Rate_Limiter_Limit_Time_Default)")
	fs.StringVar(&o.corsOrigin, "cors-origin", "", "turn on CORS for the Rocket.Chat API (API_Enable_CORS) with API_CORS_Origin `ORIGINS`: \"*\" or a comma-separated list such as http://localhost:5173 (default off; /_mock/ never answers other origins)")
	if err := preflight(fs, args); err != nil {
		return o, usageError{err}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stdout)
			return o, err
		}
		return o, usageError{fmt.Errorf("%w (see rcmock --help)", err)}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("unexpected argument %q (see rcmock --help)", fs.Arg(0))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if port := getenv("PORT"); port != "" && !set["addr"] {
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return o, usageError{fmt.Errorf("PORT=%q: want a port number from 0 to 65535", port)}
		}
		o.addr = net.JoinHostPort("127.0.0.1", port)
	}
	if !set["control-token"] {
		o.controlToken = getenv("RCMOCK_CONTROL_TOKEN")
	}
	o.tokenOnCommandLine = set["control-token"] && o.controlToken != ""
	for _, h := range strings.Split(*allowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.allowedHosts = append(o.allowedHosts, h)
		}
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return o, usageError{fmt.Errorf("--log-format %q: want text or json", o.logFormat)}
	}
	switch *logLevel {
	case "debug", "info", "warn", "error":
		_ = o.logLevel.UnmarshalText([]byte(*logLevel)) // these four always parse
	default:
		return o, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)}
	}
	if err := checkAddr(o.addr); err != nil {
		return o, usageError{err}
	}
	if o.siteURL != "" {
		if err := checkSiteURL(o.siteURL); err != nil {
			return o, usageError{err}
		}
	}
	if (set["rate-limit-calls"] || set["rate-limit-interval"]) && !o.rateLimit {
		return o, usageError{errors.New("--rate-limit-calls and --rate-limit-interval need --rate-limit")}
	}
	if set["cors-origin"] && strings.TrimSpace(o.corsOrigin) == "" {
		return o, usageError{errors.New(`--cors-origin "": want "*" or a comma-separated list of origins`)}
	}
	return o, nil
}

func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, usageHead)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(w, usageTail)
}

// run is rcmock: it serves until ctx ends, then shuts down gracefully. Logs go to stderr in
// batches (see logBuffer), --help to stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	tuneMemory(getenv, int64(o.journalBudget), limitMemory)
	logs := newLogBuffer(stderr, logFlushInterval)
	defer logs.Close() // runs last: every line, the final ones included, reaches stderr
	logger := newLogger(o.logFormat, o.logLevel, logs)
	lifecycle := newLogger(o.logFormat, min(o.logLevel, slog.LevelInfo), logs)
	fx := fixtures.Default()
	if o.fixtures != "" {
		if fx, err = fixtures.Load(o.fixtures); err != nil {
			return usageError{err}
		}
	}
	fx = fx.WithAdminFromEnv(getenv)
	srv, err := mockserver.New(serverOptions(o, fx, logger)...)
	if err != nil {
		return usageError{err}
	}
	defer func() { err = errors.Join(err, srv.Close()) }()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: o.readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.EndStreams) // Shutdown waits for no dashboard's event stream
	lifecycle.Info("listening", slog.String("addr", ln.Addr().String()), slog.Bool("strict", o.strict),
		slog.Bool("controlToken", o.controlToken != ""))
	warnExposure(lifecycle, o, ln.Addr())
	_ = logs.Flush() // whoever waits for the listening line gets it now
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	lifecycle.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	lifecycle.Info("stopped")
	return nil
}

// warnExposure warns about settings that expose more than a developer may think: a control
// token others can read, and a listening address other machines reach without one.
func warnExposure(log *slog.Logger, o options, addr net.Addr) {
	if o.tokenOnCommandLine {
		log.Warn("the control token given with --control-token is visible to every local user in the process list; set RCMOCK_CONTROL_TOKEN instead")
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && o.controlToken == "" {
		log.Warn("listening on an address other machines can reach, without a control token: they reach the Rocket.Chat API "+
			"(/api/..., /sandboxes/{id}/api/...), where the fixture users' passwords and fixed tokens are public "+
			"(the default fixtures' admin-token is an admin's); the control API (/_mock/) still answers loopback clients only",
			slog.String("addr", addr.String()))
	}
}

func serverOptions(o options, fx *fixtures.Set, logger *slog.Logger) []mockserver.Option {
	opts := []mockserver.Option{
		mockserver.WithFixtures(fx),
		mockserver.WithStrict(o.strict),
		mockserver.WithLogger(logger),
		mockserver.WithJournalSize(o.journalSize),
		mockserver.WithMaxSandboxes(o.maxSandboxes),
		mockserver.WithJournalBudget(int64(o.journalBudget)),
		mockserver.WithLatency(o.latency),
		mockserver.WithControlToken(o.controlToken),
		mockserver.WithAllowedHosts(o.allowedHosts...),
		mockserver.WithBcryptCost(o.bcryptCost),
	}
	if o.emulate != "" {
		opts = append(opts, mockserver.WithEmulate(o.emulate))
	}
	if o.siteURL != "" {
		opts = append(opts, mockserver.WithSiteURL(strings.TrimSuffix(o.siteURL, "/")))
	}
	if o.rateLimit {
		opts = append(opts, mockserver.WithRateLimit(o.rateLimitCalls, o.rateLimitInterval))
	}
	if o.corsOrigin != "" {
		opts = append(opts, mockserver.WithCORS(o.corsOrigin))
	}
	if o.stateFile != "" {
		opts = append(opts, mockserver.WithStateFile(o.stateFile))
	}
	return opts
}

// byteSize is a flag holding a number of bytes, written as a number with an optional binary
// unit: 1048576, 512KiB, 64MiB, 1GiB (also KB/MB/GB, K/M/G, read as the binary units).
type byteSize int64

func (b *byteSize) String() string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if int64(*b) >= u.size && int64(*b)%u.size == 0 {
			return strconv.FormatInt(int64(*b)/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Set(s string) error {
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToLower(strings.TrimSpace(s[len(num):]))
	mult := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}[unit]
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || mult == 0 || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a positive size such as 64MiB, 512KiB or a number of bytes")
	}
	*b = byteSize(n * mult)
	return nil
}

func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logBuffer batches log lines: a line lands in memory and reaches the underlying writer when
// the buffer fills, at the next tick (every interval) or on Flush or Close. Writing each
// request's line straight to stderr costs a system call per request. Safe for concurrent use.
type logBuffer struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogBuffer(w io.Writer, interval time.Duration) *logBuffer {
	b := &logBuffer{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushEvery(interval)
	return b
}

func (b *logBuffer) flushEvery(interval time.Duration) {
	defer close(b.done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			_ = b.Flush() // a broken stderr loses log lines, nothing else
		case <-b.stop:
			return
		}
	}
}

// Write buffers p.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes out what is buffered.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w.Buffered() == 0 {
		return nil
	}
	return b.w.Flush()
}

// Close stops the ticker and flushes; b must not be written to afterwards.
func (b *logBuffer) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}
