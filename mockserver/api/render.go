package api

import (
	"bytes"
	"errors"
	"iter"
	"net/http"
	"strconv"

	"github.com/rcinvite/rcinvite/mockserver/explain"
	"github.com/rcinvite/rcinvite/mockserver/internal/largejson"
	"github.com/rcinvite/rcinvite/mockserver/world"
)

// bare marks an answer sent as it is, without the success flag (removeInvite's `true`,
// listInvites' array: API.v1.success on a non-object does not add it).
type bare struct{ v any }

// render turns an operation's result into the status and body Rocket.Chat answers:
// API.v1.success(v) (v's fields plus "success":true), or the error's envelope.
func render(v any, err error) reply {
	if err != nil {
		return renderError(err)
	}
	if b, ok := v.(bare); ok {
		return reply{status: http.StatusOK, body: mustJSON(b.v)}
	}
	return reply{status: http.StatusOK, body: withSuccess(mustJSON(v))}
}

// withSuccess appends "success":true to a JSON object.
func withSuccess(obj []byte) []byte {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' {
		return obj
	}
	body := bytes.TrimSpace(obj[1 : len(obj)-1])
	out := make([]byte, 0, len(obj)+16)
	out = append(out, '{')
	out = append(out, body...)
	if len(body) > 0 {
		out = append(out, ',')
	}
	return append(out, `"success":true}`...)
}

// renderError is the one place a *world.Error becomes Rocket.Chat's envelope (ApiClass.ts failure(), authenticationHono.ts).
// Any other error is a bug: it answers 500.
func renderError(err error) reply {
	var e *world.Error
	if !errors.As(err, &e) {
		return failure(http.StatusInternalServerError, "internal error: "+err.Error(), "error-internal")
	}
	body := map[string]any{"success": false}
	switch {
	case e.Legacy:
		body["status"] = "error"
		body["message"] = e.Reason
		body["error"] = legacyCode(e.Code)
		if e.Details != nil {
			body["details"] = e.Details
		}
	case e.Plain:
		body["error"] = e.Reason
		if e.Code != "" {
			body["errorType"] = e.Code
		}
	default:
		body["error"] = e.Error()
		body["errorType"] = e.Code
		if len(e.Details) > 0 {
			body["details"] = e.Details
		}
	}
	kind := e.Code
	if e.Plain && e.Code == "" {
		kind = e.Reason // a plain error's only name is its message
	}
	return reply{status: e.HTTPStatus(), body: mustJSON(body), kind: kind}
}

// legacyCode renders Meteor's numeric error codes (login's 403) as JSON numbers.
func legacyCode(code string) any {
	if n, err := strconv.Atoi(code); err == nil {
		return n
	}
	return code
}

// largeArray is an answer that is a bare JSON array of many documents (listInvites over a
// world of 100k invites is 21 MB): renderLarge builds it with largejson, once, and never
// decodes it whole.
type largeArray interface {
	// drain yields the documents with their index, letting each go once yielded.
	drain() iter.Seq2[int, any]
}

// invitesList is listInvites' answer.
type invitesList struct{ *world.Copies[world.Invite] }

func (l invitesList) drain() iter.Seq2[int, any] { return largejson.Items(l.Drain()) }

// renderLarge renders list as a 200 bare array, checked element by element (step 6).
func (h *Handler) renderLarge(r *http.Request, list largeArray, tr *explain.Trace) reply {
	body, err := largejson.Answer{Validator: h.v, Request: r, Array: list.drain()}.Build(h.strict)
	if err != nil {
		h.log.Warn("answer off the contract", "method", r.Method, "path", r.URL.Path, "status", http.StatusOK, "violation", err.Error())
		tr.Record(&explain.Step{Check: chkContract, Verdict: explain.Fail, S: [4]string{err.Error()}, N: [4]int64{explain.Flag(h.strict)}})
		if h.strict {
			return violation(err)
		}
	}
	return reply{status: http.StatusOK, large: body}
}
