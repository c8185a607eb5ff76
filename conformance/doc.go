// Package conformance is the Ginkgo suite that checks a Rocket.Chat server, real or mock,
// against rcinvite's contract (spec/openapi.yaml) and against the invite, ban and
// authentication behaviour of Rocket.Chat 8.4.0 that spec/DEVIATIONS.md describes where the
// published documentation is wrong.
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
// make conformance runs the same with reports (README, "For release QA").
//
// Every spec creates its own users and rooms with unique names, so specs are independent and
// the suite runs with ginkgo -p and --randomize-all. Every answer is checked against the
// contract by conformance/rcclient; a violation fails the spec and names the operation, the
// field and the rule. Specs that need what a target cannot do (move its clock, write its
// database, use the default fixtures) are skipped with the reason, and specs whose behaviour
// changed between versions (Label "since:8.4.0") assert what the server's version does, read
// from GET /api/info, and record what they expect of it for the report matrix.
//
// No silent green: a target that was asked for and cannot run (no Docker engine, an image
// that is not present locally, no server at RCINVITE_URL) fails the run with one line that
// says what is missing and how to get it. RCINVITE_ALLOW_UNAVAILABLE=true skips every spec
// with that reason instead.
//
// A failed expectation about an answer shows the request (method, path, body with secrets
// redacted) and the answer (status, body cut at 1.5 KB): the matchers read the exchange from
// the *rcclient.Error, or, when a call succeeded that should have failed, from the client's
// last exchange; the suite's fail handler adds the spec's last exchange to any other failure.
//
// The run ends with a summary (passed, failed, skipped by reason, each failure with file:line,
// and the closing line "N passed, N failed, N skipped"). go test shows it where it shows the
// suite's output: always when run in the package's folder without package arguments (make
// conformance does), with -v, or when the run fails. RCINVITE_REPORT_DIR=DIR also writes
// DIR/report.json, junit.xml, summary.md and index.html (package report).
//
// Every variable the suite reads is in the README's table ("Environment variables").
package conformance
