// Package conformance is the Ginkgo suite that checks a Rocket.Chat server, real or mock,
// against rcinvite's contract (spec/openapi.yaml) and against the invite, ban and
// authentication behaviour of rocketchat-8.4-semantics.md §1–§4.
//
// It runs through go test. The target comes from RCINVITE_TARGET:
//
//	go test ./conformance/...                                  # the mock, in-process (default)
//	RCINVITE_EMULATE=8.3.0 go test ./conformance/...           # the mock behaving like 8.3.0
//	RCINVITE_TARGET=url RCINVITE_URL=http://127.0.0.1:3000 go test ./conformance/...
//	RCINVITE_TARGET=container go test ./conformance/...        # the rcmock image (make image)
//	RCINVITE_TARGET=rocketchat RC_VERSION=8.4.0 go test ./conformance/...
//	go test ./conformance/... -ginkgo.label-filter='!since:8.4.0' -ginkgo.v
//
// Every spec creates its own users and rooms with unique names, so specs are independent and
// the suite runs with ginkgo -p and --randomize-all. Every answer is checked against the
// contract by conformance/rcclient; a violation fails the spec and names the operation, the
// field and the rule. Specs that need what a target cannot do (move its clock, write its
// database, use the default fixtures) are skipped with the reason, and specs whose behaviour
// changed between versions (Label "since:8.4.0") assert what the server's version does, read
// from GET /api/info.
//
// Other variables: RCINVITE_ADMIN_USER and RCINVITE_ADMIN_PASSWORD (admin credentials, default
// rocketchat.internal.admin.test for both), RCINVITE_MONGO_URL (url target: database access),
// RCINVITE_CONTROL_TOKEN (a mock's control token), RCINVITE_IMAGE (container target, default
// rcinvite/rcmock:dev), RC_VERSION (rocketchat target, default 8.4.0), and
// RCINVITE_REQUIRE_TARGET=true, which turns an unavailable target into a failure instead of
// skipped specs.
package conformance
