// Command rcmock serves the mock Rocket.Chat 8.4.0 REST API (invites, bans and the endpoints
// around them) with the default fixtures, sandboxes and the /_mock/ control API.
//
//	rcmock --addr 127.0.0.1:3000 --strict
//
// Run `rcmock --help` for every flag.
package main

import (
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rcinvite/rcinvite/fixtures"
	"github.com/rcinvite/rcinvite/mockserver"
)

// Exit codes.
const (
	exitFailure = 1 // the server could not start or stopped with an error
	exitUsage   = 2 // bad flags or a bad fixtures file
)

// HTTP server limits. WriteTimeout leaves room for the longest latency a world may have.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = mockserver.MaxLatency + 30*time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
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
	strict       bool
	emulate      string
	controlToken string
	journalSize  int
	latency      time.Duration
	siteURL      string
	stateFile    string
}

const usageHead = `rcmock serves a mock Rocket.Chat 8.4.0 REST API (invite links, room bans and the
endpoints around them) from fixtures, plus isolated sandboxes and the /_mock/ control API.

Usage: rcmock [flags]

Flags:
`

const usageTail = `
Environment:
  PORT                  when --addr is not given, listen on 127.0.0.1:$PORT
  RCMOCK_CONTROL_TOKEN  the control token, when --control-token is not given
  ADMIN_USERNAME, ADMIN_PASS, ADMIN_EMAIL, ADMIN_NAME
                        as in the Rocket.Chat image: when ADMIN_PASS is set, that admin is
                        added to the fixtures (or the user with that username becomes it)

Routes:
  /api/...                   the default world (Rocket.Chat REST API)
  /sandboxes/{id}/api/...    a sandbox world (POST /_mock/sandboxes opens one)
  /_mock/...                 the control API (spec/mock-control.yaml): reset, clock,
                             sandboxes, settings, state, requests
  /livez                     health check

Exit status: 0 after a clean shutdown (SIGINT, SIGTERM), 1 when serving fails,
2 for bad flags or a bad fixtures file (reported as file:line: problem) or a state file
that cannot be read (corrupt, not a state file, or in use by another rcmock).
`

// parseFlags reads args and the environment into options.
func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("rcmock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:3000", "`host:port` to listen on (port 0 picks a free one)")
	fs.StringVar(&o.fixtures, "fixtures", "", "YAML fixtures `FILE` for the default world and sandboxes (default: the built-in fixtures)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `FORMAT`: text or json (one line per request: method, path, status, duration, sandbox)")
	fs.BoolVar(&o.strict, "strict", false, "answer 500 error-contract-violation when an answer breaks spec/ (otherwise log a warning)")
	fs.StringVar(&o.emulate, "emulate", "", "Rocket.Chat `VERSION` the default world behaves like, e.g. 8.3.0 (no ban check in useInviteToken) (default 8.4.0)")
	fs.StringVar(&o.controlToken, "control-token", "", "open the control API to any address for requests with \"Authorization: Bearer `TOKEN`\"; without it only loopback clients may use /_mock/")
	fs.IntVar(&o.journalSize, "journal-size", mockserver.DefaultJournalSize, "requests kept per world in the journal (GET /_mock/requests)")
	fs.DurationVar(&o.latency, "latency", 0, "`duration` to wait before each Rocket.Chat API answer of the default world, e.g. 50ms (at most 10s)")
	fs.StringVar(&o.siteURL, "site-url", "", "Site_Url: the base `URL` of invite links (default http://localhost:3000)")
	fs.StringVar(&o.stateFile, "state-file", "", "keep every world (default and sandboxes) in this bbolt `FILE`, created when missing, and restore them from it at start (default: in memory only)")
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
			return o, usageError{fmt.Errorf("PORT=%q is not a port number", port)}
		}
		o.addr = net.JoinHostPort("127.0.0.1", port)
	}
	if !set["control-token"] {
		o.controlToken = getenv("RCMOCK_CONTROL_TOKEN")
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return o, usageError{fmt.Errorf("--log-format %q: want text or json", o.logFormat)}
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

// run is rcmock: it serves until ctx ends, then shuts down gracefully. Logs go to stderr,
// --help to stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	logger := newLogger(o.logFormat, stderr)
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
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.Bool("strict", o.strict),
		slog.Bool("controlToken", o.controlToken != ""))
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func serverOptions(o options, fx *fixtures.Set, logger *slog.Logger) []mockserver.Option {
	opts := []mockserver.Option{
		mockserver.WithFixtures(fx),
		mockserver.WithStrict(o.strict),
		mockserver.WithLogger(logger),
		mockserver.WithJournalSize(o.journalSize),
		mockserver.WithLatency(o.latency),
		mockserver.WithControlToken(o.controlToken),
	}
	if o.emulate != "" {
		opts = append(opts, mockserver.WithEmulate(o.emulate))
	}
	if o.siteURL != "" {
		opts = append(opts, mockserver.WithSiteURL(strings.TrimSuffix(o.siteURL, "/")))
	}
	if o.stateFile != "" {
		opts = append(opts, mockserver.WithStateFile(o.stateFile))
	}
	return opts
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
