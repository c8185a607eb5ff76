package mockserver

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The control plane (everything under /_mock/) is the tester's, not a web page's: a page on
// another site must not read or change it, whether it reaches the mock through DNS rebinding
// (a hostile name resolving to 127.0.0.1, so the Host header is not ours) or through a
// cross-site "simple" request (a form POST, text/plain, no preflight). The Rocket.Chat plane
// (/api/..., /sandboxes/{id}/api/...) is not gated: it behaves as a real server, which answers
// any Host.

// checkAccess is the gate every /_mock/ request passes (ServeHTTP runs it before the control
// API, the event stream and the dashboard). It refuses, in this order:
//
//  1. a Host that is not a loopback name (localhost, *.localhost, 127.0.0.0/8, [::1]) or one
//     of WithAllowedHosts: 403 error-host-not-allowed, saying how to allow it;
//  2. a cross-site request: Sec-Fetch-Site "cross-site", or an Origin header other than the
//     mock's own origin (the scheme-less Host the request was sent to): 403
//     error-cross-site-request. Requests without these headers (curl, Go clients) pass, and so
//     do a same-origin fetch and a navigation typed into the address bar;
//  3. with a control token: a client address that failed the token more than
//     tokenFailuresPerSecond times in the current second, 429 error-too-many-requests (also with
//     the right token, so that guessing gains nothing); then a missing or wrong
//     "Authorization: Bearer <token>", 401 error-control-unauthorized. The dashboard's page and
//     assets (/_mock/ui...) are exempt from this step only: they hold no data, and a browser
//     opening a URL cannot send the header; the page asks for the token and sends it with
//     every call it makes;
//  4. without a control token: a client whose address (r.RemoteAddr) is not loopback, 403
//     error-control-forbidden.
//
// It reports whether r is refused, with the answer to send.
func (s *Server) checkAccess(r *http.Request) (answer, bool) {
	if host := hostname(r.Host); !s.hostAllowed(host) {
		return fail(http.StatusForbidden, "error-host-not-allowed",
			"/_mock/ answers loopback host names only (DNS rebinding protection); to allow host %q, start rcmock with --allowed-hosts %s",
			host, allowedHostHint(host)), true
	}
	if why, cross := crossSite(r); cross {
		return fail(http.StatusForbidden, "error-cross-site-request",
			"/_mock/ refuses requests from other sites' pages (%s)", why), true
	}
	if tok := s.cfg.controlToken; tok != "" {
		if isDashboardPath(r.URL.Path) {
			return answer{}, false
		}
		client := clientAddr(r.RemoteAddr)
		if s.tokenFailures.exhausted(client) {
			return fail(http.StatusTooManyRequests, "error-too-many-requests",
				"too many wrong control tokens from %s; wait a second", client), true
		}
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(tok)) != 1 {
			s.tokenFailures.fail(client)
			return fail(http.StatusUnauthorized, "error-control-unauthorized", "control API needs Authorization: Bearer <control token>"), true
		}
		return answer{}, false
	}
	if !isLoopback(r.RemoteAddr) {
		return fail(http.StatusForbidden, "error-control-forbidden",
			"control API only answers loopback clients (start rcmock with --control-token to open it)"), true
	}
	return answer{}, false
}

// hostname returns the lower-case host of a Host header value, without port or IPv6 brackets,
// and without the trailing dot of a fully qualified name.
func hostname(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	return strings.ToLower(host)
}

// hostAllowed reports whether /_mock/ answers requests sent to host (as hostname returns it).
func (s *Server) hostAllowed(host string) bool {
	if isLoopbackName(host) {
		return true
	}
	for _, a := range s.cfg.allowedHosts {
		if host == a || (strings.HasPrefix(a, ".") && (host == a[1:] || strings.HasSuffix(host, a))) {
			return true
		}
	}
	return false
}

// isLoopbackName reports whether host names this machine's loopback interface only:
// localhost and its subdomains (RFC 6761 reserves them for loopback; browsers resolve them
// there without asking DNS), 127.0.0.0/8 and ::1.
func isLoopbackName(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// allowedHostHint is the --allowed-hosts value a refusal suggests for host.
func allowedHostHint(host string) string {
	if host == "" {
		return "<host> (the request carried no Host)"
	}
	return host
}

// crossSite reports whether r comes from a page of another site, and why.
func crossSite(r *http.Request) (why string, cross bool) {
	if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
		return "Sec-Fetch-Site: cross-site", true
	}
	origins := r.Header.Values("Origin")
	if len(origins) == 0 {
		return "", false
	}
	if len(origins) > 1 || !sameOrigin(origins[0], r.Host) {
		return fmt.Sprintf("Origin %q is not this server", strings.Join(origins, ", ")), true
	}
	return "", false
}

// sameOrigin reports whether an Origin header names the host and port the request was sent
// to (its Host). The scheme is not compared: behind a TLS proxy the mock sees plain HTTP. A
// Host without a port matches the default port of the Origin's scheme.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return false // "null" (a sandboxed frame, a file: page) and anything that is not scheme://host[:port]
	}
	oport := u.Port()
	if oport == "" {
		oport = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	_, hport, err := net.SplitHostPort(host)
	if err != nil {
		hport = ""
	}
	return hostname(u.Host) == hostname(host) && (hport == oport || (hport == "" && (oport == "80" || oport == "443")))
}

// clientAddr is the client's IP address from r.RemoteAddr; the whole string when it has none.
func clientAddr(remoteAddr string) string {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return remoteAddr
}

// tokenFailuresPerSecond is how many wrong control tokens one client address may send in a
// second before it is answered 429 until the second ends: a person mistyping is not slowed,
// a guesser gets at most this many tries a second instead of tens of thousands. [inferred]
const tokenFailuresPerSecond = 10

// throttleAddresses bounds the addresses a throttle tells apart within one second; beyond it,
// new addresses share one budget, so that spraying addresses neither grows memory nor escapes
// the limit.
const throttleAddresses = 4096

// throttle counts failures per client address in fixed one-second windows.
type throttle struct {
	now func() time.Time // time.Now unless a test says otherwise

	mu     sync.Mutex
	window int64          // the Unix second counted
	fails  map[string]int // client address → failures in window
}

func newThrottle() *throttle { return &throttle{now: time.Now, fails: map[string]int{}} }

// key returns the counter of client in the current window. Callers hold t.mu.
func (t *throttle) key(client string) string {
	if sec := t.now().Unix(); sec != t.window {
		t.window = sec
		clear(t.fails)
	}
	if _, known := t.fails[client]; !known && len(t.fails) >= throttleAddresses {
		return "" // the shared budget of the addresses beyond the bound
	}
	return client
}

// exhausted reports whether client has used up this second's failures.
func (t *throttle) exhausted(client string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fails[t.key(client)] >= tokenFailuresPerSecond
}

// fail counts one failure of client.
func (t *throttle) fail(client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fails[t.key(client)]++
}
