package world

import "fmt"

// Error is a Rocket.Chat error as a value. mockserver/api renders it into the server's
// envelope in one place:
//   - coded (Meteor.Error): 400 {"success":false,"error":"<Reason> [<Code>]","errorType":"<Code>","details":{…}},
//     the error text being "[<Code>]" when Reason is empty and details omitted when empty;
//   - Plain (a plain Error, or API.v1.failure(message[, errorType])): 400 {"success":false,"error":"<Reason>"},
//     plus "errorType":"<Code>" when Code is set;
//   - Legacy (the pre-9.0 auth shape): {"success":false,"status":"error","error":<Code>,"message":"<Reason>"},
//     Code rendered as a JSON number when it is one (Meteor's numeric login error codes).
//
// Status, when non-zero, replaces the HTTP status 400 (401 auth, 403 forbidden).
type Error struct {
	Code    string
	Reason  string
	Details map[string]any
	Plain   bool
	Legacy  bool
	Status  int
}

var _ error = (*Error)(nil)

// Error returns the text Rocket.Chat puts in the envelope's "error" field.
func (e *Error) Error() string {
	switch {
	case e.Plain || e.Legacy:
		return e.Reason
	case e.Reason == "":
		return "[" + e.Code + "]"
	default:
		return e.Reason + " [" + e.Code + "]"
	}
}

// HTTPStatus is the status Rocket.Chat answers the error with.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return 400
}

// coded builds a Meteor.Error(code, reason, details).
func coded(code, reason string, details map[string]any) *Error {
	return &Error{Code: code, Reason: reason, Details: details}
}

// plain builds a plain Error(message): the envelope carries no errorType.
func plain(message string) *Error { return &Error{Reason: message, Plain: true} }

func method(m string) map[string]any { return map[string]any{"method": m} }

func field(m, f string) map[string]any { return map[string]any{"method": m, "field": f} }

// ErrNotLoggedIn is the 401 answered when X-User-Id/X-Auth-Token are missing or wrong (middlewares/authenticationHono.ts).
func ErrNotLoggedIn() *Error {
	const msg = "You must be logged in to do this."
	return &Error{Code: msg, Reason: msg, Legacy: true, Status: 401}
}

// ErrForbidden is API.v1.forbidden(message): 403 {"success":false,"error":message}.
func ErrForbidden(message string) *Error {
	return &Error{Reason: message, Plain: true, Status: 403}
}

// ErrUnauthorized is API.v1.unauthorized() without a message: 401 {"success":false,"error":"unauthorized"}.
func ErrUnauthorized() *Error { return &Error{Reason: "unauthorized", Plain: true, Status: 401} }

// ErrInvalidVersion refuses a version the mock cannot emulate.
func ErrInvalidVersion(v string) *Error {
	return coded("error-invalid-version", fmt.Sprintf("Cannot emulate version %q: use 8.3.x or 8.4.x", v), nil)
}

func errNotAuthorized() *Error { return coded("not_authorized", "", nil) }

func errInvalidToken(m string) *Error {
	return coded("error-invalid-token", "The invite token is invalid.", field(m, "token"))
}

func errInviteExpired(f string) *Error {
	return coded("error-invite-expired", "The invite token has expired.", field("validateInviteToken", f))
}

func errUserIsBanned(m string) *Error {
	return coded("error-user-is-banned", "User is banned from this room", method(m))
}

func errInvalidUserParam() *Error {
	return coded("error-invalid-user", `The required "userId" or "username" param provided does not match any users`, nil)
}

func errRoomNotFound(kind string) *Error {
	return coded("error-room-not-found", fmt.Sprintf(`The required "roomId" or "roomName" param provided does not match any %s`, kind), nil)
}

func errNotAllowed(m string) *Error { return coded("error-not-allowed", "Not allowed", method(m)) }
