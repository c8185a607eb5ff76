package conformance_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
	"github.com/rcinvite/rcinvite/spec"
)

// Rocket.Chat 8.4.0: the 401 of apps/meteor/app/api/server/middlewares/authenticationHono.ts
// and the login and logout routes of apps/meteor/app/api/server/ApiClass.ts (spec/DEVIATIONS.md,
// "401 body").
var _ = Describe("authentication", func() {
	// Every operation the contract marks as protected, whatever it is, answers the same 401
	// before it looks at its input; the table comes from spec/openapi.yaml itself.
	DescribeTable("a protected operation refuses a caller who is not logged in with the exact 401 body",
		func(ctx SpecContext, op protectedOperation, credentials string) {
			var c *rcclient.Client
			switch credentials {
			case "none":
				c = anon
			case "a user id only":
				c = anon.WithCredentials(adminID, "")
			case "a token only":
				c = anon.WithCredentials("", admin.AuthToken())
			case "a wrong token":
				c = anon.WithCredentials(adminID, "not-the-token")
			case "another user's token":
				c = anon.WithCredentials("someone-else", admin.AuthToken())
			}

			r, err := c.Do(ctx, op.method, op.path, nil, op.body)

			Expect(err).NotTo(HaveOccurred())
			Expect(r.Status).To(Equal(http.StatusUnauthorized), "%s %s: %s", op.method, op.path, r.Body)
			Expect(r.Body).To(MatchJSON(unauthorizedBody))
		},
		authEntries(),
	)

	It("the server's version is readable without logging in", func(ctx SpecContext) {
		info, err := anon.Info(ctx)

		Expect(err).NotTo(HaveOccurred())
		v, err := rcclient.ParseVersion(info.Version)
		Expect(err).NotTo(HaveOccurred())
		Expect(v.Major).To(Equal(server.Major))
		Expect(v.Minor).To(Equal(server.Minor))
	})

	Describe("login", func() {
		It("a user logs in by username and the token works", func(ctx SpecContext) {
			bob := newUser(ctx)

			l, err := anon.LoginWith(ctx, map[string]string{"user": bob.Username, "password": userPassword})

			Expect(err).NotTo(HaveOccurred())
			Expect(l.UserID).To(Equal(bob.ID))
			_, err = anon.WithCredentials(l.UserID, l.AuthToken).FindOrCreateInvite(ctx, "no-such-room", 7, 10)
			Expect(err).To(BeRocketChatError(http.StatusBadRequest, "not_authorized"), "logged in, so past the 401")
		})

		It("a user logs in by email", func(ctx SpecContext) {
			bob := newUser(ctx)

			l, err := anon.LoginWith(ctx, map[string]string{"user": bob.Username + "@example.com", "password": userPassword})

			Expect(err).NotTo(HaveOccurred())
			Expect(l.UserID).To(Equal(bob.ID))
		})

		It("a user logs in with the username field", func(ctx SpecContext) {
			bob := newUser(ctx)

			l, err := anon.LoginWith(ctx, map[string]string{"username": bob.Username, "password": userPassword})

			Expect(err).NotTo(HaveOccurred())
			Expect(l.UserID).To(Equal(bob.ID))
		})

		It("a wrong password is refused with 401", func(ctx SpecContext) {
			bob := newUser(ctx)

			_, err := anon.LoginWith(ctx, map[string]string{"user": bob.Username, "password": "wrong"})

			Expect(err).To(BeRocketChatError(http.StatusUnauthorized, ""))
			Expect(err).To(haveLoginFailure())
		})

		It("an unknown user is refused with 401", func(ctx SpecContext) {
			_, err := anon.LoginWith(ctx, map[string]string{"user": uniqueName("nobody"), "password": "wrong"})

			Expect(err).To(BeRocketChatError(http.StatusUnauthorized, ""))
			Expect(err).To(haveLoginFailure())
		})

		It("after logout the token is refused with 401", func(ctx SpecContext) {
			bob := newUser(ctx)
			Expect(bob.Logout(ctx)).To(Succeed())

			_, err := bob.UseInviteToken(ctx, "nOsUcH")

			Expect(err).To(HaveErrorBody(http.StatusUnauthorized, unauthorizedBody))
		})
	})
})

// protectedOperation is one operation of the contract that needs a login.
type protectedOperation struct {
	id, method, path string
	body             any
}

// authEntries lists every protected operation of spec/openapi.yaml, with each way of not
// being logged in.
func authEntries() []TableEntry {
	doc := spec.Default().Document()
	var ops []protectedOperation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !protected(doc, op) {
				continue
			}
			ops = append(ops, protectedOperation{
				id: op.OperationID, method: method,
				path: strings.ReplaceAll(path, "{_id}", "nOsUcH"), body: exampleBody(op),
			})
		}
	}
	slices.SortFunc(ops, func(a, b protectedOperation) int { return strings.Compare(a.id, b.id) })
	var entries []TableEntry
	for _, op := range ops {
		for _, cred := range []string{"none", "a user id only", "a token only", "a wrong token", "another user's token"} {
			entries = append(entries, Entry(fmt.Sprintf("%s with %s", op.id, cred), op, cred))
		}
	}
	return entries
}

func protected(doc *openapi3.T, op *openapi3.Operation) bool {
	if op.Security != nil {
		return len(*op.Security) > 0
	}
	return len(doc.Security) > 0
}

// exampleBody is the operation's first request example, so that the 401 cannot come from a
// body the server dislikes; nil when it has none.
func exampleBody(op *openapi3.Operation) any {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil {
		return nil
	}
	names := make([]string, 0, len(mt.Examples))
	for name := range mt.Examples {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if ex := mt.Examples[name]; ex != nil && ex.Value != nil {
			return ex.Value.Value
		}
	}
	return map[string]any{}
}

// haveLoginFailure matches the failed-login envelope (spec/openapi.yaml, LoginFailure): success false, status error and
// a message; `error` is a Meteor code whose form is [uncertain], so only its presence counts.
func haveLoginFailure() OmegaMatcher {
	return WithTransform(func(err error) map[string]any {
		e, ok := asRCError(err)
		if !ok {
			return nil
		}
		var m map[string]any
		_ = jsonUnmarshal(e.Body, &m)
		return m
	}, And(
		HaveKeyWithValue("success", false),
		HaveKeyWithValue("status", "error"),
		HaveKey("message"),
		HaveKey("error"),
	))
}
