package spec

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedactBody(t *testing.T) {
	long := strings.Repeat("x", 10)
	cases := []struct {
		name string
		body string
		cut  bool
		want string
	}{
		{"empty body is absent", "", false, ""},
		{"blank body is absent", " \n", false, ""},
		{"JSON is kept compact", `{ "token" : "PrjXok" }`, false, `{"token":"PrjXok"}`},
		{"password is redacted", `{"user":"bob","password":"rocket.chat"}`, false, `{"password":"[redacted]","user":"bob"}`},
		{"nested and cased secrets are redacted", `{"data":{"userId":"bob","authToken":"t0k"},"x":[{"newPassword":"p"},{"pass":"q"}]}`, false,
			`{"data":{"authToken":"[redacted]","userId":"bob"},"x":[{"newPassword":"[redacted]"},{"pass":"[redacted]"}]}`},
		{"digest password object is redacted whole", `{"password":{"digest":"abc","algorithm":"sha-256"}}`, false, `{"password":"[redacted]"}`},
		{"non-JSON becomes a string", "not json", false, `"not json"`},
		{"two JSON documents are a string", `{} {}`, false, `"{} {}"`},
		{"non-JSON mentioning a password is redacted", "user=bob&password=x", false, `"[redacted]"`},
		{"a cut body is a string", `{"a":"` + long, true, `"{\"a\":\"` + long + `"`},
		{"a cut body mentioning a secret is redacted", `{"authToken":"` + long, true, `"[redacted]"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(RedactBody([]byte(c.body), c.cut))
			if got != c.want {
				t.Errorf("RedactBody(%q) = %s, want %s", c.body, got, c.want)
			}
			if got != "" && !json.Valid([]byte(got)) {
				t.Errorf("RedactBody(%q) = %s is not JSON", c.body, got)
			}
		})
	}
}
