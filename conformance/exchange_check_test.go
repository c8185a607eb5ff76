package conformance_test

import (
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
)

// What a failure shows of an exchange: checked against fake servers, on every target.
var _ = Describe("the exchange a failure shows", Label(selfCheck), func() {
	It("keeps the last request and answer with passwords and tokens redacted", func(ctx SpecContext) {
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"success","data":{"userId":"bob","authToken":"s3cret-token","me":{"_id":"bob","username":"bob"}}}`))
		}))
		DeferCleanup(fake.Close)
		c, err := rcclient.New(fake.URL)
		Expect(err).NotTo(HaveOccurred())

		_, err = c.Login(ctx, "bob", "hunter2")

		Expect(err).NotTo(HaveOccurred())
		shown := c.LastExchange().String()
		Expect(shown).To(Equal(`POST /api/v1/login {"password":"[redacted]","user":"bob"}` + "\n" +
			`answered HTTP 200 {"data":{"authToken":"[redacted]","me":{"_id":"bob","username":"bob"},"userId":"bob"},"status":"success"}`))
		Expect(shown).NotTo(Or(ContainSubstring("hunter2"), ContainSubstring("s3cret-token")))
	})

	It("cuts a long answer and says how long it was", func(ctx SpecContext) {
		long := `{"success":false,"error":"` + strings.Repeat("é", 2000) + `","errorType":"error-invalid-token"}`
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(long))
		}))
		DeferCleanup(fake.Close)
		c, err := rcclient.New(fake.URL)
		Expect(err).NotTo(HaveOccurred())

		_, err = c.WithCredentials("bob", "bob-token").UseInviteToken(ctx, "PrjXok")

		var e *rcclient.Error
		Expect(err).To(BeAssignableToTypeOf(e))
		shown := format.Object(err, 0)
		Expect(shown).To(ContainSubstring("POST /api/v1/useInviteToken {\"token\":\"PrjXok\"}\n"), "Gomega shows the request")
		Expect(shown).To(MatchRegexp(`answered HTTP 400 \{"success":false,"error":"(é)+… \(%d bytes in all\)`, len(long)))
		Expect(strings.ToValidUTF8(shown, "?")).To(Equal(shown), "the cut falls between characters")
	})

	It("a failure that shows no answer gets the spec's last exchange; one that shows it, nothing more", func() {
		first := &rcclient.Exchange{Method: "GET", Path: "/api/info", Status: 200}
		last := &rcclient.Exchange{Method: "GET", Path: "/api/v1/listInvites", Status: 200}

		Expect(withExchange("Expected 1 to equal 3", last, first)).To(Equal(
			"Expected 1 to equal 3\n\nThe spec's last request and its answer:\n    GET /api/v1/listInvites\n    answered HTTP 200 with an empty body"))
		Expect(withExchange("Expected 1 to equal 3", first, first)).To(Equal("Expected 1 to equal 3"), "the spec sent nothing")
		shown := "Expected an error, but the call succeeded:\n" + indent(last.String())
		Expect(withExchange(shown, last, first)).To(Equal(shown))
	})
})
