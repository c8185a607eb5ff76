package rcclient

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/rcinvite/rcinvite/spec"
)

// exchangeShown is the most of one body an exchange's rendering shows: enough for any error
// envelope and a room or two, short enough that a failure message stays readable.
const exchangeShown = 1500

// Exchange is one request the client sent and the answer it received, kept so that a failing
// expectation can show what the server actually said. Bodies are shown only with their secrets
// redacted (spec.RedactBody: passwords, auth tokens); headers are not kept at all, because they
// carry the credentials.
type Exchange struct {
	Operation string // operationId in spec/openapi.yaml ("" for a path the contract lacks)
	Method    string
	Path      string // Rocket.Chat path without the client's prefix, with "?query" when there is one
	Status    int    // 0 when no answer came (see Err)
	Err       error  // the transport failure when no answer came

	request, response []byte // as sent and as received
	responseCut       bool   // the answer was longer than the client reads
}

// RequestBody is the request body as JSON with secrets redacted (a JSON string when it was
// not JSON); nil when the request had none.
func (e *Exchange) RequestBody() json.RawMessage {
	return spec.RedactBody(e.request, false, "application/json", e.route())
}

// ResponseBody is the answer's body in the same form as RequestBody.
func (e *Exchange) ResponseBody() json.RawMessage {
	return spec.RedactBody(e.response, e.responseCut, "application/json", e.route())
}

// route is the exchange's path without its query: what decides whether the call is login-like.
func (e *Exchange) route() string {
	path, _, _ := strings.Cut(e.Path, "?")
	return path
}

// String shows the exchange in two lines, each body cut after 1500 bytes:
//
//	POST /api/v1/useInviteToken {"token":"AbC123"}
//	answered HTTP 200 {"room":{"rid":"…","t":"p"},"success":true}
func (e *Exchange) String() string {
	if e == nil {
		return "(no request was sent)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	if body := e.RequestBody(); body != nil {
		fmt.Fprintf(&b, " %s", shorten(body, exchangeShown))
	}
	switch {
	case e.Err != nil:
		fmt.Fprintf(&b, "\nno answer: %v", e.Err)
	case e.response == nil:
		fmt.Fprintf(&b, "\nanswered HTTP %d with an empty body", e.Status)
	default:
		fmt.Fprintf(&b, "\nanswered HTTP %d %s", e.Status, shorten(e.ResponseBody(), exchangeShown))
	}
	return b.String()
}

// shorten cuts a rendered body after n bytes, on a rune boundary, and says how long it was.
func shorten(body []byte, n int) string {
	if len(body) <= n {
		return string(body)
	}
	cut := n
	for cut > 0 && !utf8RuneStart(body[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", body[:cut], len(body))
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// exchangeLog holds the last exchange of a client and of every copy made of it.
type exchangeLog struct {
	mu   sync.Mutex
	last *Exchange
}

func (l *exchangeLog) record(e *Exchange) {
	l.mu.Lock()
	l.last = e
	l.mu.Unlock()
}

// LastExchange is the most recent request sent by c or by any client derived from it
// (WithCredentials, Anonymous, Login), with its answer; nil before the first. A suite that
// runs one spec at a time per process can show it when an expectation fails on a call that
// returned no error ("expected an error, got success").
func (c *Client) LastExchange() *Exchange {
	c.exchanges.mu.Lock()
	defer c.exchanges.mu.Unlock()
	return c.exchanges.last
}
