package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rcinvite/rcinvite/spec"
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

// FuzzJournalRedaction plants a secret under a secret field name, disguised as each body
// encoding the mock reads allows, and requires the journal to show none of it.
func FuzzJournalRedaction(f *testing.F) {
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
		got := journalBody([]byte(body), false, contentType, loginLike(path))
		if strings.Contains(string(got), secret) {
			t.Fatalf("the journal shows the secret under %q (%s, %s):\nbody %s\nshown %s", name, contentType, path, body, got)
		}
		if len(got) > 0 && !json.Valid(got) {
			t.Fatalf("journalBody(%q) = %s is not JSON", body, got)
		}
		if q := journalQuery(disguise(name, mask, true)+"="+secret, loginLike(path)); strings.Contains(q, secret) {
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

// FuzzJournalBodyAnyInput: any body, Content-Type and path give valid JSON (or nothing), and
// mayHoldSecret, which lets a body skip decoding, never clears a body in which any decoding the
// mock does (its handler's, JSON, a form) finds a secret field.
func FuzzJournalBodyAnyInput(f *testing.F) {
	f.Add([]byte(`{"token":"PrjXok"}`), "application/json", "/api/v1/useInviteToken", false)
	f.Add([]byte(`user=bob&p%61ss=x`), "application/x-www-form-urlencoded", "/api/v1/login", false)
	f.Add([]byte(`{"a":"\u0070ass"}`), "", "/api/v1/login", true)
	f.Add([]byte("pa+ss=1"), "application/x-www-form-urlencoded", "/", false)
	f.Fuzz(func(t *testing.T, body []byte, contentType, path string, cut bool) {
		got := journalBody(body, cut, contentType, loginLike(path))
		if len(got) > 0 && !json.Valid(got) {
			t.Fatalf("journalBody(%q) = %s is not JSON", body, got)
		}
		login := loginLike(path)
		if mayHoldSecret(body, login) {
			return
		}
		var views []any
		var v any
		if json.Unmarshal(spec.BodyParams(contentType, body), &v) == nil {
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
		if bytes.Contains(got, []byte(redacted)) && !bytes.Contains(body, []byte(redacted)) {
			t.Fatalf("a body cleared by mayHoldSecret was redacted: %q → %s", body, got)
		}
	})
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
