package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// disguise writes name with the characters whose bit is set in mask spelled as an encoding
// spells them: JSON \u escapes (json) or percent escapes (form).
func disguise(name string, mask uint64, form bool) string {
	var b strings.Builder
	i := 0
	for _, r := range name {
		hidden := mask&(1<<(i%64)) != 0
		i++
		switch {
		case !hidden && form:
			b.WriteString(url.QueryEscape(string(r)))
		case !hidden:
			s, _ := json.Marshal(string(r))
			b.Write(s[1 : len(s)-1])
		case form:
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		case r > 0xFFFF:
			hi, lo := utf16Pair(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// FuzzRedaction plants a secret under a secret field name, disguised as each body
// encoding the mock reads allows, and requires the journal to show none of it.
func FuzzRedaction(f *testing.F) {
	for _, name := range []string{"password", "pass", "X-Auth-Token", "authToken", "resume", "newPassword",
		"p_a_s_s_w_o_r_d", "paſſword", "RC_TOKEN", "access-token", "hashedToken"} {
		for format := range uint8(6) {
			f.Add(name, uint64(0b1010), format, false, "bob")
		}
	}
	f.Add("token", uint64(1), uint8(0), true, "x")
	f.Add("code", uint64(0), uint8(1), true, "x")
	f.Fuzz(func(t *testing.T, name string, mask uint64, format uint8, login bool, filler string) {
		if !utf8.ValidString(name) || !isSecretField(name, login) {
			return
		}
		path := "/api/v1/chat.postMessage"
		if login {
			path = "/api/v1/login"
		}
		secret := fmt.Sprintf("v4lue-%x-zq", mask)
		fill, _ := json.Marshal(filler)
		var body, contentType string
		switch format % 6 {
		case 0: // JSON, the name JSON-escaped
			body, contentType = `{"f":`+string(fill)+`,"`+disguise(name, mask, false)+`":"`+secret+`"}`, "application/json"
		case 1: // a form, the name percent-encoded
			body, contentType = "f="+url.QueryEscape(filler)+"&"+disguise(name, mask, true)+"="+url.QueryEscape(secret), "application/x-www-form-urlencoded"
		case 2: // JSON sent with a form Content-Type (curl -d)
			body, contentType = `{"`+disguise(name, mask, false)+`":"`+secret+`","f":`+string(fill)+`}`, "application/x-www-form-urlencoded"
		case 3: // Meteor's method.call: the parameters are a JSON string inside JSON
			inner, _ := json.Marshal(`{"msg":"method","params":[{"` + disguise(name, mask, false) + `":"` + secret + `"}]}`)
			body, contentType, path = `{"message":`+string(inner)+`}`, "application/json", "/api/v1/method.call/login"
		case 4: // text: no field names at all
			body, contentType = name+"="+secret, "text/plain"
		case 5: // nested deep in JSON, in an array
			body, contentType = `{"a":[{"b":{"`+disguise(name, mask, false)+`":{"digest":"`+secret+`"}}}]}`, "application/json"
		}
		got := redactBody([]byte(body), false, contentType, loginLike(path))
		if strings.Contains(string(got), secret) {
			t.Fatalf("the journal shows the secret under %q (%s, %s):\nbody %s\nshown %s", name, contentType, path, body, got)
		}
		if len(got) > 0 && !json.Valid(got) {
			t.Fatalf("redactBody(%q) = %s is not JSON", body, got)
		}
		if q := redactQuery(disguise(name, mask, true)+"="+secret, loginLike(path)); strings.Contains(q, secret) {
			t.Fatalf("the journal shows the secret in the query %q", q)
		}
	})
}

// secretKeys returns the secret field names in v, a decoded document, looking inside strings
// that hold JSON as redactValue does.
func secretKeys(v any, login bool) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if isSecretField(k, login) {
				out = append(out, k)
			}
			out = append(out, secretKeys(x, login)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, secretKeys(x, login)...)
		}
	case string:
		var inner any
		if t := strings.TrimSpace(v); len(t) > 1 && (t[0] == '{' || t[0] == '[') && json.Unmarshal([]byte(t), &inner) == nil {
			out = append(out, secretKeys(inner, login)...)
		}
	}
	return out
}

// FuzzRedactBodyAnyInput: any body, Content-Type and path give valid JSON (or nothing), and
// mayHoldSecret, which lets a body skip decoding, never clears a body in which any decoding the
// mock does (its handler's, JSON, a form) finds a secret field.
func FuzzRedactBodyAnyInput(f *testing.F) {
	f.Add([]byte(`{"token":"PrjXok"}`), "application/json", "/api/v1/useInviteToken", false)
	f.Add([]byte(`user=bob&p%61ss=x`), "application/x-www-form-urlencoded", "/api/v1/login", false)
	f.Add([]byte(`{"a":"\u0070ass"}`), "", "/api/v1/login", true)
	f.Add([]byte("pa+ss=1"), "application/x-www-form-urlencoded", "/", false)
	f.Fuzz(func(t *testing.T, body []byte, contentType, path string, cut bool) {
		got := redactBody(body, cut, contentType, loginLike(path))
		if len(got) > 0 && !json.Valid(got) {
			t.Fatalf("redactBody(%q) = %s is not JSON", body, got)
		}
		login := loginLike(path)
		if mayHoldSecret(body, login) {
			return
		}
		var views []any
		var v any
		if json.Unmarshal(BodyParams(contentType, body), &v) == nil {
			views = append(views, v)
		}
		if json.Unmarshal(body, &v) == nil {
			views = append(views, v)
		}
		if form, err := url.ParseQuery(string(body)); err == nil {
			m := map[string]any{}
			for k, vs := range form {
				m[k] = strings.Join(vs, "")
			}
			views = append(views, m)
		}
		for _, view := range views {
			if keys := secretKeys(view, login); len(keys) > 0 {
				t.Fatalf("mayHoldSecret cleared %q, in which the field(s) %q hold a secret", body, keys)
			}
		}
		if bytes.Contains(got, []byte(Redacted)) && !bytes.Contains(body, []byte(Redacted)) {
			t.Fatalf("a body cleared by mayHoldSecret was redacted: %q → %s", body, got)
		}
	})
}

func TestRedactBody(t *testing.T) {
	long := strings.Repeat("x", 10)
	const form = "application/x-www-form-urlencoded"
	cases := []struct {
		name        string
		body        string
		cut         bool
		contentType string
		path        string
		want        string
	}{
		{"empty body is absent", "", false, "", "", ""},
		{"blank body is absent", " \n", false, "", "", ""},
		{"JSON is kept compact", `{ "token" : "PrjXok" }`, false, "", "/api/v1/useInviteToken", `{"token":"PrjXok"}`},
		{"password is redacted", `{"user":"bob","password":"rocket.chat"}`, false, "", "/api/v1/login", `{"password":"[redacted]","user":"bob"}`},
		{"nested and cased secrets are redacted", `{"data":{"userId":"bob","authToken":"t0k"},"x":[{"newPassword":"p"},{"pass":"q"}]}`, false, "", "",
			`{"data":{"authToken":"[redacted]","userId":"bob"},"x":[{"newPassword":"[redacted]"},{"pass":"[redacted]"}]}`},
		{"digest password object is redacted whole", `{"password":{"digest":"abc","algorithm":"sha-256"}}`, false, "", "/api/v1/login", `{"password":"[redacted]"}`},
		{"a JSON-escaped name is decoded first", `{"user":"bob","p\u0061ssword":"x"}`, false, "", "/api/v1/login", `{"password":"[redacted]","user":"bob"}`},
		{"case folding as encoding/json does it", `{"paſſword":"x","X-AUTH-TOKEN":"y"}`, false, "", "", `{"X-AUTH-TOKEN":"[redacted]","paſſword":"[redacted]"}`},
		{"X-Auth-Token spellings", `{"x_auth_token":"a","xAuthToken":"b","rc_token":"c","access_token":"d"}`, false, "", "",
			`{"access_token":"[redacted]","rc_token":"[redacted]","xAuthToken":"[redacted]","x_auth_token":"[redacted]"}`},
		{"resume is a secret anywhere", `{"resume":"t0k"}`, false, "", "/api/v1/anything", `{"resume":"[redacted]"}`},
		{"token is a secret in login-like calls", `{"token":"pat"}`, false, "", "/api/v1/users.generatePersonalAccessToken", `{"token":"[redacted]"}`},
		{"an invite token is not a secret", `{"token":"PrjXok"}`, false, "", "/api/v1/validateInviteToken", `{"token":"PrjXok"}`},
		{"login's 2FA code", `{"user":"bob","password":"x","code":"123456"}`, false, "", "/api/v1/login", `{"code":"[redacted]","password":"[redacted]","user":"bob"}`},
		{"a method.call's parameters inside a string", `{"message":"{\"msg\":\"method\",\"method\":\"login\",\"params\":[{\"user\":{\"username\":\"bob\"},\"password\":\"x\"}]}"}`, false, "", "/api/v1/method.callAnon/login",
			`{"message":"{\"method\":\"login\",\"msg\":\"method\",\"params\":[{\"password\":\"[redacted]\",\"user\":{\"username\":\"bob\"}}]}"}`},
		{"a message that says password is data", `{"msg":"my password is long"}`, false, "", "/api/v1/chat.postMessage", `{"msg":"my password is long"}`},
		{"non-JSON becomes a string", "not json", false, "", "", `"not json"`},
		{"two JSON documents are a string", `{} {}`, false, "", "", `"{} {}"`},
		{"text mentioning a password is redacted", "user=bob&password=x", false, "text/plain", "/api/v1/login", `"[redacted]"`},
		{"a form keeps its shape", "user=bob&password=x&a=1", false, form, "/api/v1/login", `"user=bob\u0026password=[redacted]\u0026a=1"`},
		{"a percent-encoded form name is decoded first", "user=bob&p%61ssword=x", false, form, "/api/v1/login", `"user=bob\u0026p%61ssword=[redacted]"`},
		{"a form pair behind a semicolon", "user=bob;password=x", false, form, "/api/v1/login", `"user=bob;password=[redacted]"`},
		{"a form with a name that is no name", "%zz=1&password=x", false, form, "/api/v1/login", `"[redacted]"`},
		{"curl -d with JSON", `{"user":"bob","password":"x"}`, false, form, "/api/v1/login", `{"password":"[redacted]","user":"bob"}`},
		{"curl -d with JSON hiding a form field", `{"a":"1&password=x"}`, false, form, "/api/v1/login", `"[redacted]"`},
		{"curl -d with JSON and nothing secret", `{"token":"PrjXok"}`, false, form, "/api/v1/useInviteToken", `{"token":"PrjXok"}`},
		{"a cut body is a string", `{"a":"` + long, true, "", "", `"{\"a\":\"` + long + `"`},
		{"a cut body mentioning a secret is redacted", `{"authToken":"` + long, true, "", "", `"[redacted]"`},
		{"a cut body with an escape is redacted", `{"a":"\u0041` + long, true, "", "", `"[redacted]"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(redactBody([]byte(c.body), c.cut, c.contentType, loginLike(c.path)))
			if got != c.want {
				t.Errorf("redactBody(%q) = %s, want %s", c.body, got, c.want)
			}
			if got != "" && !json.Valid([]byte(got)) {
				t.Errorf("redactBody(%q) = %s is not JSON", c.body, got)
			}
		})
	}
}

func TestRedactQuery(t *testing.T) {
	for q, want := range map[string]string{
		"":                                   "",
		"roomId=GENERAL&count=5":             "roomId=GENERAL&count=5",
		"rc_uid=bob&rc_token=t0k":            "rc_uid=bob&rc_token=[redacted]",
		"access%5Ftoken=t0k":                 "access%5Ftoken=[redacted]",
		"%zz=1&password=x":                   "[redacted]",
		"roomId=GENERAL&X-Auth-Token=t0k&a=": "roomId=GENERAL&X-Auth-Token=[redacted]&a=",
	} {
		if got := redactQuery(q, false); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", q, got, want)
		}
	}
}

// TestCompactJSONAgreesWithEncodingJSON: compactJSON, which skips json.Compact for documents
// with white space inside strings only, gives json.Compact's bytes and verdict.
func TestCompactJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, doc := range []string{`{"fname":"Project X","success":true}`, `{"a": 1}`, "{\"a\":\n1}", `{"a":"x\" y"}`,
		`{"a":"x\\" , "b":2}`, `"a b"`, `[1, 2]`, `{"a":"\\\\"} `, `{"a":"unterminated }`, `{"a" 1}`, `{}`, `nope`} {
		var want bytes.Buffer
		wantErr := json.Compact(&want, []byte(doc))
		got, ok := compactJSON([]byte(doc))
		if ok != (wantErr == nil) || ok && string(got) != want.String() {
			t.Errorf("compactJSON(%s) = %s, %v; json.Compact = %s, %v", doc, got, ok, want.String(), wantErr)
		}
	}
}
