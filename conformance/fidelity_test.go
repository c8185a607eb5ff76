package conformance_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcinvite/rcinvite/conformance/rcclient"
	"github.com/rcinvite/rcinvite/conformance/target"
)

// spec/SOURCES.md: the answers the fidelity audit pinned down, each checked against the
// source (request validation, users.create, /me, /api/info, the rate limiter, CORS).
var _ = Describe("fidelity", func() {
	Describe("request validation is Rocket.Chat's Ajv", func() {
		It("a body with a missing token and an extra key answers only the missing token", func(ctx SpecContext) {
			_, err := call(ctx, newUser(ctx).Client, "/api/v1/useInviteToken", map[string]any{"foo": 1})

			Expect(err).To(HaveErrorBody(http.StatusBadRequest,
				`{"success":false,"errorType":"invalid-params","error":"must have required property 'token'"}`))
		})

		It("a ban without a user answers each oneOf branch's error and the oneOf's, joined by a newline and a space",
			Label("since:8.3.0"), func(ctx SpecContext) {
				requireSince("8.3.0", "room bans")
				room := newGroup(ctx, admin.Client)

				_, err := call(ctx, admin.Client, "/api/v1/rooms.banUser", map[string]any{"roomId": room.ID})

				Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"errorType":"invalid-params",`+
					`"error":"must have required property 'userId'\n must have required property 'username'\n must match exactly one schema in oneOf"}`))
			})

		It("days 7.0 and maxUses 1e1 are the numbers 7 and 10: a 7-day invite for 10 uses", func(ctx SpecContext) {
			room := newGroup(ctx, admin.Client)
			body := rcclient.Raw{Body: []byte(`{"rid":"` + room.ID + `","days":7.0,"maxUses":1e1}`)}

			r, err := call(ctx, admin.Client, "/api/v1/findOrCreateInvite", body)

			Expect(err).NotTo(HaveOccurred())
			var inv rcclient.Invite
			Expect(json.Unmarshal(r.Body, &inv)).To(Succeed())
			Expect(inv.Days).To(Equal(7))
			Expect(inv.MaxUses).To(Equal(10))
			Expect(inv.Expires).NotTo(BeNil())
			Expect(inv.Expires.Sub(inv.CreatedAt)).To(Equal(7 * 24 * time.Hour))
		})

		It("users.create, a validateParams route, ends its Ajv message in [invalid-params]", func(ctx SpecContext) {
			_, err := call(ctx, admin.Client, "/api/v1/users.create", map[string]any{"name": "X"})

			Expect(err).To(HaveErrorBody(http.StatusBadRequest,
				`{"success":false,"errorType":"invalid-params","error":"must have required property 'email' [invalid-params]"}`))
		})

		It("rooms.bannedUsers refuses an unknown query parameter", Label("since:8.3.0"), func(ctx SpecContext) {
			requireSince("8.3.0", "room bans")
			room := newGroup(ctx, admin.Client)

			r, err := admin.Do(ctx, http.MethodGet, "/api/v1/rooms.bannedUsers", map[string][]string{"roomId": {room.ID}, "sort": {`{"ts":1}`}}, nil)

			Expect(err).NotTo(HaveOccurred())
			Expect(r.Status).To(Equal(http.StatusBadRequest))
			Expect(withoutStack(r.Body)).To(MatchJSON(`{"success":false,"errorType":"error-invalid-params","error":"must NOT have additional properties"}`))
		})
	})

	It("users.create by a user without create-user is refused by validateUserData with 400, not 403", func(ctx SpecContext) {
		bob := newUser(ctx)
		name := uniqueName("u")

		_, err := bob.CreateUser(ctx, rcclient.NewUser{Email: name + "@example.com", Name: name, Password: userPassword, Username: name})

		Expect(err).To(HaveErrorBody(http.StatusBadRequest, `{"success":false,"errorType":"error-action-not-allowed",`+
			`"error":"Adding user is not allowed [error-action-not-allowed]","details":{"method":"insertOrUpdateUser","action":"Adding_user"}}`))
	})

	It("/api/v1/me is getUserInfo: avatarUrl, preferences, the verified email, and no secrets", func(ctx SpecContext) {
		bob := newUser(ctx)

		r, err := bob.Do(ctx, http.MethodGet, "/api/v1/me", nil, nil)

		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(http.StatusOK))
		var me struct {
			ID        string `json:"_id"`
			Email     string `json:"email"`
			AvatarURL string `json:"avatarUrl"`
			Settings  struct {
				Preferences map[string]any `json:"preferences"`
			} `json:"settings"`
			Services map[string]json.RawMessage `json:"services"`
		}
		Expect(json.Unmarshal(r.Body, &me)).To(Succeed())
		Expect(me.ID).To(Equal(bob.ID))
		Expect(me.Email).To(Equal(bob.Username + "@example.com"))
		Expect(me.AvatarURL).To(HaveSuffix("/avatar/" + bob.Username))
		Expect(me.Settings.Preferences).To(HaveKey("enableAutoAway"))
		Expect(me.Services).NotTo(HaveKey("resume"))
		Expect(string(r.Body)).NotTo(ContainSubstring(bob.AuthToken()))
	})

	Describe("/api/info", func() {
		It("an anonymous caller gets major.minor and the minimum client versions, not the build", func(ctx SpecContext) {
			var body map[string]any
			r, err := anon.Do(ctx, http.MethodGet, "/api/info", nil, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(json.Unmarshal(r.Body, &body)).To(Succeed())

			Expect(body).To(HaveKey("minimumClientVersions"))
			Expect(body).NotTo(HaveKey("info"))
			Expect(strings.Count(body["version"].(string), ".")).To(Equal(1))
		})

		It("credentials sent to this public route are read: the admin (view-statistics) gets the build and the whole version", func(ctx SpecContext) {
			info, err := admin.Info(ctx)

			Expect(err).NotTo(HaveOccurred())
			Expect(info.Info).NotTo(BeNil())
			Expect(strings.Count(info.Version, ".")).To(Equal(2))
			Expect(info.Info.Version).To(Equal(info.Version))
		})
	})

	Describe("the rate limiter, when the server's settings turn it on", func() {
		It("the call past the limit answers 429 with the server's text and X-RateLimit headers; the admin is exempt", func(ctx SpecContext) {
			need(target.Settings)
			Expect(tgt.SetSettings(ctx, map[string]any{"rateLimiter": map[string]any{"enabled": true, "calls": 2, "interval": "1m"}})).To(Succeed())
			DeferCleanup(func(ctx SpecContext) {
				Expect(tgt.SetSettings(ctx, map[string]any{"rateLimiter": map[string]any{"enabled": false}})).To(Succeed())
			})
			bob := newUser(ctx)

			var last *rcclient.Response
			for range 3 {
				r, err := bob.Do(ctx, http.MethodGet, "/api/v1/me", nil, nil)
				Expect(err).NotTo(HaveOccurred())
				last = r
			}

			Expect(last.Status).To(Equal(http.StatusTooManyRequests))
			Expect(string(last.Body)).To(MatchRegexp(`^\{"error":"Error, too many requests\. Please slow down\. You must wait \d+ seconds before trying this endpoint again\. \[error-too-many-requests\]","success":false\}$`))
			Expect(last.Header.Get("X-RateLimit-Limit")).To(Equal("2"))
			Expect(last.Header.Get("X-RateLimit-Remaining")).To(Equal("0"))
			for range 3 {
				r, err := admin.Do(ctx, http.MethodGet, "/api/v1/me", nil, nil)
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Status).To(Equal(http.StatusOK))
			}
		})
	})

	Describe("CORS, when the server's settings turn it on", func() {
		send := func(ctx SpecContext, method, origin string) *http.Response {
			GinkgoHelper()
			req, err := http.NewRequestWithContext(ctx, method, tgt.BaseURL()+"/api/info", nil)
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Origin", origin)
			if method == http.MethodOptions {
				req.Header.Set("Access-Control-Request-Method", "GET")
			}
			res, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(res.Body.Close)
			return res
		}

		It("a listed origin is echoed, an unlisted one is refused with a bare 403, a preflight answers OK", func(ctx SpecContext) {
			need(target.Settings)
			Expect(tgt.SetSettings(ctx, map[string]any{"cors": map[string]any{"enabled": true, "origin": "http://app.example, http://other.example"}})).To(Succeed())
			DeferCleanup(func(ctx SpecContext) {
				Expect(tgt.SetSettings(ctx, map[string]any{"cors": map[string]any{"enabled": false}})).To(Succeed())
			})

			res := send(ctx, http.MethodGet, "http://app.example")
			Expect(res.StatusCode).To(Equal(http.StatusOK))
			Expect(res.Header.Get("Access-Control-Allow-Origin")).To(Equal("http://app.example"))
			Expect(res.Header.Get("Access-Control-Allow-Headers")).To(ContainSubstring("X-Auth-Token"))

			res = send(ctx, http.MethodGet, "http://evil.example")
			Expect(res.StatusCode).To(Equal(http.StatusForbidden))
			Expect(io.ReadAll(res.Body)).To(BeEmpty())

			res = send(ctx, http.MethodOptions, "http://other.example")
			Expect(res.StatusCode).To(Equal(http.StatusOK))
			Expect(io.ReadAll(res.Body)).To(Equal([]byte("OK")))
			Expect(res.Header.Get("Access-Control-Allow-Methods")).To(Equal("GET, POST, PUT, DELETE, HEAD, PATCH"))
		})
	})
})
