package spec

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestDocumentsValidateWithExamples(t *testing.T) {
	for name, load := range map[string]func() (*openapi3.T, error){"openapi.yaml": Load, "mock-control.yaml": LoadControl} {
		doc, err := load()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
			t.Errorf("%s: servers = %v, want only /", name, doc.Servers)
		}
	}
}

// eachExample calls f for every named example of every request body and response.
func eachExample(doc *openapi3.T, f func(where string, schema *openapi3.Schema, ex *openapi3.Example)) {
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				for ct, mt := range rb.Value.Content {
					for name, ex := range mt.Examples {
						f(method+" "+path+" request "+ct+" "+name, mt.Schema.Value, ex.Value)
					}
				}
			}
			for status, resp := range op.Responses.Map() {
				for ct, mt := range resp.Value.Content {
					for name, ex := range mt.Examples {
						f(method+" "+path+" "+status+" "+ct+" "+name, mt.Schema.Value, ex.Value)
					}
				}
			}
		}
	}
}

func TestEveryExampleMatchesItsSchema(t *testing.T) {
	doc := mustLoad(t)
	n := 0
	eachExample(doc, func(where string, schema *openapi3.Schema, ex *openapi3.Example) {
		n++
		if err := schema.VisitJSON(ex.Value, openapi3.MultiErrors()); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	})
	if n < 100 {
		t.Errorf("only %d examples; expected the full set", n)
	}
}

// Every errorType an operation's 400 can carry has a named example with that errorType.
func TestEveryErrorTypeHasANamedExample(t *testing.T) {
	doc := mustLoad(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			resp := op.Responses.Status(http.StatusBadRequest)
			if resp == nil {
				continue
			}
			mt := resp.Value.Content.Get("application/json")
			if mt.Schema.Ref == "#/components/schemas/InvalidQueryString" {
				continue // the router's own answer, without errorType
			}
			et := mt.Schema.Value.Properties["errorType"]
			if et == nil {
				t.Errorf("%s %s: 400 schema has no errorType property", method, path)
				continue
			}
			seen := map[string]bool{}
			for _, ex := range mt.Examples {
				if m, ok := ex.Value.Value.(map[string]any); ok {
					if s, ok := m["errorType"].(string); ok {
						seen[s] = true
					}
				}
			}
			for _, v := range et.Value.Enum {
				if !seen[v.(string)] {
					t.Errorf("%s %s (%s): no example for errorType %q", method, path, op.OperationID, v)
				}
			}
		}
	}
}

func TestOperationsAndTheirResponses(t *testing.T) {
	doc := mustLoad(t)
	post := []string{"200", "400", "401", "413", "429"}
	get := []string{"200", "400", "401", "429"}
	cases := []struct {
		id, method, path string
		codes            []string
		public           bool
	}{
		{"findOrCreateInvite", "POST", "/api/v1/findOrCreateInvite", post, false},
		{"listInvites", "GET", "/api/v1/listInvites", get, false},
		{"removeInvite", "DELETE", "/api/v1/removeInvite/{_id}", get, false},
		{"useInviteToken", "POST", "/api/v1/useInviteToken", post, false},
		{"validateInviteToken", "POST", "/api/v1/validateInviteToken", []string{"200", "400", "413", "429"}, true},
		{"sendInvitationEmail", "POST", "/api/v1/sendInvitationEmail", post, false},
		{"roomsBanUser", "POST", "/api/v1/rooms.banUser", post, false},
		{"roomsUnbanUser", "POST", "/api/v1/rooms.unbanUser", post, false},
		{"roomsBannedUsers", "GET", "/api/v1/rooms.bannedUsers", get, false},
		{"login", "POST", "/api/v1/login", post, true},
		{"logout", "POST", "/api/v1/logout", get, false},
		{"me", "GET", "/api/v1/me", get, false},
		{"info", "GET", "/api/info", []string{"200", "400"}, true}, // API.default has no rate limiter
		{"usersCreate", "POST", "/api/v1/users.create", post, false},
		{"usersDelete", "POST", "/api/v1/users.delete", post, false},
		{"channelsCreate", "POST", "/api/v1/channels.create", append(slices.Clone(post), "403"), false},
		{"channelsDelete", "POST", "/api/v1/channels.delete", post, false},
		{"channelsInvite", "POST", "/api/v1/channels.invite", post, false},
		{"channelsJoin", "POST", "/api/v1/channels.join", post, false},
		{"channelsMembers", "GET", "/api/v1/channels.members", append(slices.Clone(get), "403"), false},
		{"groupsCreate", "POST", "/api/v1/groups.create", post, false},
		{"groupsDelete", "POST", "/api/v1/groups.delete", post, false},
		{"groupsInvite", "POST", "/api/v1/groups.invite", post, false},
		{"groupsMembers", "GET", "/api/v1/groups.members", get, false},
		{"roomsInfo", "GET", "/api/v1/rooms.info", get, false},
		{"subscriptionsGetOne", "GET", "/api/v1/subscriptions.getOne", get, false},
		// Room roles, membership, direct messages and user info.
		{"channelsAddOwner", "POST", "/api/v1/channels.addOwner", post, false},
		{"channelsRemoveOwner", "POST", "/api/v1/channels.removeOwner", post, false},
		{"channelsAddModerator", "POST", "/api/v1/channels.addModerator", post, false},
		{"channelsRemoveModerator", "POST", "/api/v1/channels.removeModerator", post, false},
		{"channelsAddLeader", "POST", "/api/v1/channels.addLeader", post, false},
		{"channelsRemoveLeader", "POST", "/api/v1/channels.removeLeader", post, false},
		{"groupsAddOwner", "POST", "/api/v1/groups.addOwner", post, false},
		{"groupsRemoveOwner", "POST", "/api/v1/groups.removeOwner", post, false},
		{"groupsAddModerator", "POST", "/api/v1/groups.addModerator", post, false},
		{"groupsRemoveModerator", "POST", "/api/v1/groups.removeModerator", post, false},
		{"groupsAddLeader", "POST", "/api/v1/groups.addLeader", post, false},
		{"groupsRemoveLeader", "POST", "/api/v1/groups.removeLeader", post, false},
		{"channelsRoles", "GET", "/api/v1/channels.roles", get, false},
		{"groupsRoles", "GET", "/api/v1/groups.roles", get, false},
		{"channelsKick", "POST", "/api/v1/channels.kick", post, false},
		{"groupsKick", "POST", "/api/v1/groups.kick", post, false},
		{"channelsLeave", "POST", "/api/v1/channels.leave", post, false},
		{"groupsLeave", "POST", "/api/v1/groups.leave", post, false},
		{"roomsLeave", "POST", "/api/v1/rooms.leave", post, false},
		{"channelsInfo", "GET", "/api/v1/channels.info", get, false},
		{"groupsInfo", "GET", "/api/v1/groups.info", get, false},
		{"imCreate", "POST", "/api/v1/im.create", post, false},
		{"dmCreate", "POST", "/api/v1/dm.create", post, false},
		{"usersInfo", "GET", "/api/v1/users.info", get, false},
		{"subscriptionsGet", "GET", "/api/v1/subscriptions.get", get, false},
		{"roomsGet", "GET", "/api/v1/rooms.get", get, false},
	}
	v := testValidator(t)
	for _, c := range cases {
		item := doc.Paths.Value(c.path)
		if item == nil {
			t.Errorf("%s: path %s missing", c.id, c.path)
			continue
		}
		op := item.GetOperation(c.method)
		if op == nil || op.OperationID != c.id {
			t.Errorf("%s: %s %s missing or named otherwise", c.id, c.method, c.path)
			continue
		}
		var got []string
		for code := range op.Responses.Map() {
			got = append(got, code)
		}
		sort.Strings(got)
		want := append(slices.Clone(c.codes), "500") // every operation: the mock's error-state-not-saved
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: responses %v, want %v", c.id, got, want)
		}
		path := strings.Replace(c.path, "{_id}", "abc", 1)
		r, err := v.FindRoute(httptest.NewRequest(c.method, path, nil))
		if err != nil {
			t.Errorf("%s: FindRoute: %v", c.id, err)
			continue
		}
		if r.OperationID != c.id || r.PathTemplate != c.path || r.Method != c.method || r.Secured == c.public {
			t.Errorf("%s: route %+v", c.id, r)
		}
	}
	if n := len(doc.Paths.Map()); n != len(cases) {
		t.Errorf("document has %d paths, table %d", n, len(cases))
	}
}

func TestSecuritySchemesNeedBothHeaders(t *testing.T) {
	doc := mustLoad(t)
	if len(doc.Security) != 1 || len(doc.Security[0]) != 2 {
		t.Fatalf("global security = %v, want one requirement with two schemes", doc.Security)
	}
	names := map[string]bool{}
	for _, s := range doc.Components.SecuritySchemes {
		if s.Value.Type != "apiKey" || s.Value.In != "header" {
			t.Errorf("scheme %+v is not an apiKey header", s.Value)
		}
		names[s.Value.Name] = true
	}
	if !names["X-Auth-Token"] || !names["X-User-Id"] {
		t.Errorf("headers %v", names)
	}
}

func TestFindRoute(t *testing.T) {
	v := testValidator(t)
	r, err := v.FindRoute(httptest.NewRequest("DELETE", "/api/v1/removeInvite/abc", nil))
	if err != nil || r.PathParams["_id"] != "abc" || r.OperationID != "removeInvite" {
		t.Fatalf("removeInvite: %+v %v", r, err)
	}
	r, err = v.FindRoute(httptest.NewRequest("DELETE", "/api/v1/removeInvite/a%20b", nil))
	if err != nil || r.PathParams["_id"] != "a b" {
		t.Errorf("escaped id: %+v %v", r, err)
	}
	for _, c := range []struct {
		method, path string
		want         error
	}{
		{"GET", "/api/v1/useInviteToken", ErrMethodNotAllowed},
		{"POST", "/api/v1/removeInvite/abc", ErrMethodNotAllowed},
		{"GET", "/api/v1/nope", ErrNoRoute},
		{"DELETE", "/api/v1/removeInvite", ErrNoRoute},
		{"DELETE", "/api/v1/removeInvite/", ErrNoRoute},
		{"DELETE", "/api/v1/removeInvite/a/b", ErrNoRoute},
	} {
		_, err := v.FindRoute(httptest.NewRequest(c.method, c.path, nil))
		if !errors.Is(err, c.want) {
			t.Errorf("%s %s: %v, want %v", c.method, c.path, err, c.want)
		}
	}
}

func TestControlValidatorRoutesItsPaths(t *testing.T) {
	doc, err := LoadControl()
	if err != nil {
		t.Fatal(err)
	}
	v := Control()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			p := strings.NewReplacer("{id}", "sb1", "{", "", "}", "").Replace(path)
			r, err := v.FindRoute(httptest.NewRequest(method, p, nil))
			if err != nil || r.OperationID != op.OperationID {
				t.Errorf("%s %s: %+v %v", method, p, r, err)
			}
		}
	}
}

// TestEmbeddedContractsAreValid: both embedded documents pass kin-openapi's validation,
// examples included; Default and Control load them without it, at every start.
func TestEmbeddedContractsAreValid(t *testing.T) {
	if _, err := Load(); err != nil {
		t.Error(err)
	}
	if _, err := LoadControl(); err != nil {
		t.Error(err)
	}
}

func mustLoad(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func testValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := NewRocketChatValidator(mustLoad(t), openapiYAML)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func asValidationError(t *testing.T, err error) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %T %v", err, err)
	}
	return ve
}
