package spec

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The journal keeps nothing that could log anyone in: passwords, login and resume tokens, and
// credentials under any X-Auth-Token-like name are replaced by "[redacted]" before an entry is
// stored. Names are judged after decoding, as the mock itself reads a body: JSON escapes
// ("p\u0061ssword"), percent-encoded form names ("p%61ssword"), case and Unicode case folding
// ("PASSWORD", "paſſword" — encoding/json matches field names that way), and separators
// ("pass_word", "X-Auth-Token") do not hide a secret.

// redacted replaces the value of every field that may hold a secret.
const Redacted = "[redacted]"

// secretNames are the normalised field names (normalName) that hold a secret anywhere.
var secretNames = []string{"pass", "pwd", "secret", "resume", "bcrypt"}

// secretParts are the parts of a normalised field name that make it a secret anywhere:
// password and its variants, and every spelling of an auth, access, refresh, hashed or login
// token (X-Auth-Token, authToken, x_auth_token, rc_token…).
var secretParts = []string{"password", "passwd", "secret", "authtoken", "accesstoken", "refreshtoken",
	"hashedtoken", "logintoken", "tokenhash", "rctoken", "apikey"}

// loginNames are the normalised names that hold a secret in login-like calls (loginLike):
// login's resume or 2FA "code", a password "digest", a personal access "token".
var loginNames = []string{"token", "code", "digest"}

// loginLike reports whether path (without any sandbox prefix) is a call that carries or
// answers credentials: login and logout, registration, password resets, personal access
// tokens, two-factor codes, and Meteor methods called over REST (method.call/login carries
// login's parameters inside a JSON string).
func loginLike(path string) bool {
	op := path[strings.LastIndexByte(path, '/')+1:]
	if strings.HasPrefix(path, "/api/v1/method.call") {
		return true
	}
	for _, p := range []string{"login", "logout", "users.register", "users.resetPassword", "users.forgotPassword",
		"users.setPassword", "users.generatePersonalAccessToken", "users.regeneratePersonalAccessToken",
		"users.2fa", "users.generateAuthToken"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// normalName folds a field name for comparison: each letter to the smallest of its Unicode
// case-folding orbit (so that K, the Kelvin sign and k, or ſ and s, compare equal, as they do
// for encoding/json), then to lower case, with the separators "-", "_", ".", " " and "+" left
// out.
func normalName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune("-_. +", r) {
			continue
		}
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(unicode.ToLower(m))
	}
	return b.String()
}

// isSecretField reports whether a field called name holds a secret; login tells that the call
// is login-like.
func isSecretField(name string, login bool) bool {
	n := normalName(name)
	for _, s := range secretNames {
		if n == s {
			return true
		}
	}
	for _, s := range secretParts {
		if strings.Contains(n, s) {
			return true
		}
	}
	if login {
		for _, s := range loginNames {
			if n == s {
				return true
			}
		}
	}
	return false
}

// mayHoldSecret reports whether raw could hold a secret field under some decoding: it is false
// only for plain ASCII without escapes (no "\\" or "%") whose letters, lower-cased and with
// everything else left out, contain none of the secret words. (Leaving out every other byte,
// not only the separators normalName drops, finds more than needed, never less.) Bodies it
// clears need no decoding to be redacted, which keeps the journal cheap on the hot paths
// ({"token":"PrjXok"}).
func mayHoldSecret(raw []byte, login bool) bool {
	var flat [512]byte
	norm := flat[:0]
	for _, c := range raw {
		switch l := letters[c]; l {
		case 0:
		case escapes:
			return true
		default:
			norm = append(norm, l)
		}
	}
	for i, c := range norm {
		if c < 'a' || c > 'z' {
			continue
		}
		for _, w := range secretWords[c-'a'] {
			if (login || !w.login) && bytes.HasPrefix(norm[i:], w.word) {
				return true
			}
		}
	}
	return false
}

// escapes marks, in letters, the bytes after which a body must be decoded to be judged: "\\"
// (JSON escapes), "%" (percent-encoding) and the bytes of non-ASCII characters (case folding).
const escapes = 0xFF

// letters maps each byte to its lower-case letter, to escapes, or to 0 (anything else).
var letters = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c >= utf8.RuneSelf || c == '\\' || c == '%':
			t[c] = escapes
		case 'a' <= c && c <= 'z':
			t[c] = byte(c)
		case 'A' <= c && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	return t
}()

// secretWord is one word mayHoldSecret looks for; login words count in login-like calls only.
type secretWord struct {
	word  []byte
	login bool
}

// secretWords are the secret words by their first letter ('a' to 'z'), for mayHoldSecret's
// single pass over a body.
var secretWords = func() (by [26][]secretWord) {
	add := func(words []string, login bool) {
		for _, w := range words {
			by[w[0]-'a'] = append(by[w[0]-'a'], secretWord{[]byte(w), login})
		}
	}
	add(secretNames, false)
	add(secretParts, false)
	add(loginNames, true)
	return by
}()

// RedactBody turns a captured request or answer body of a call to path into JSON that is safe
// to store or show (the mock's journal, the conformance client's failure messages): see
// redactBody. Nothing it returns can be replayed to log in.
func RedactBody(b []byte, cut bool, contentType, path string) json.RawMessage {
	return redactBody(b, cut, contentType, loginLike(path))
}

// RedactQuery is a raw query string of a call to path with the values of secret parameters
// redacted: see redactQuery.
func RedactQuery(query, path string) string { return redactQuery(query, loginLike(path)) }

// redactBody turns a captured body into what the journal stores and shows: JSON stays JSON
// (compact) with its secrets redacted; a form keeps its shape with the values of secret fields
// redacted; anything else becomes a JSON string, or "[redacted]" whole when it could hold a
// secret that no field name delimits (text, a cut or broken document, a form whose names are
// not names). Empty is nil. A body is judged as the mock decodes it (its Content-Type) and, for
// a form holding a JSON document (curl -d '{...}'), as both.
// login tells that the call is login-like (loginLike).
func redactBody(b []byte, cut bool, contentType string, login bool) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if !mayHoldSecret(b, login) { // nothing to redact under any decoding
		if !cut {
			if compact, ok := compactJSON(b); ok {
				return compact
			}
		}
		return jsonString(string(b))
	}
	if !cut {
		form := isForm(contentType)
		if form {
			if f, ok := redactForm(string(b), login); ok {
				return jsonString(f)
			}
		}
		if v, ok := redactJSON(b, login); ok && (!form || !formHoldsSecret(string(v), login)) {
			return v
		}
	}
	return jsonString(Redacted)
}

// compactJSON returns the JSON document b without insignificant white space: b itself when it
// has none (the caller copies what it keeps). It reports false when b is not one document.
func compactJSON(b []byte) (json.RawMessage, bool) {
	if !looseSpace(b) { // the mock's own answers: white space inside strings at most
		return b, json.Valid(b)
	}
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return nil, false
	}
	return out.Bytes(), true
}

// looseSpace reports whether b holds white space outside JSON strings (that json.Compact
// would drop), reading strings as JSON does (a backslash escapes the next byte). Valid or not,
// b is compact when it reports false.
func looseSpace(b []byte) bool {
	in := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			return true
		}
	}
	return false
}

// jsonString is s as a JSON string; invalid UTF-8 becomes U+FFFD.
func jsonString(s string) json.RawMessage {
	out, _ := json.Marshal(s) // a string always marshals
	return out
}

// isForm reports whether contentType is application/x-www-form-urlencoded.
func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// redactJSON returns the JSON document b, compact, with the values of secret fields anywhere
// in it redacted; it reports false when b is not one JSON document.
func redactJSON(b []byte, login bool) (json.RawMessage, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	redacted, changed := redactValue(v, login)
	if !changed { // nothing secret: the document as it was sent, its keys in their order
		return compactJSON(b)
	}
	out, err := Encode(redacted)
	if err != nil {
		return nil, false
	}
	return out, true
}

// redactValue returns v with the values of secret fields redacted, also inside strings that
// hold a JSON document (Meteor's method.call carries its parameters so), and whether it
// redacted anything.
func redactValue(v any, login bool) (any, bool) {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if isSecretField(k, login) {
				v[k], changed = Redacted, true
				continue
			}
			var c bool
			v[k], c = redactValue(x, login)
			changed = changed || c
		}
	case []any:
		for i, x := range v {
			var c bool
			v[i], c = redactValue(x, login)
			changed = changed || c
		}
	case string:
		r := redactInString(v, login)
		return r, r != v
	}
	return v, changed
}

// redactInString redacts a string value that holds a JSON object or array; other strings are
// data (a message that says "password" is not a password) and stay.
func redactInString(s string, login bool) string {
	t := strings.TrimSpace(s)
	if len(t) < 2 || (t[0] != '{' && t[0] != '[') || !mayHoldSecret([]byte(t), login) {
		return s
	}
	if inner, ok := redactJSON([]byte(t), login); ok && !bytes.Equal(compactOr(t), inner) {
		return string(inner)
	}
	return s
}

// compactOr is the compact form of the JSON document t, or t.
func compactOr(t string) []byte {
	if c, ok := compactJSON([]byte(t)); ok {
		return c
	}
	return []byte(t)
}

// formPairs splits a form body (or query) into its pairs, at "&" and at ";" (which Go's
// url.ParseQuery refuses and older parsers split at: a pair hidden behind one is still
// judged), keeping the separators so that the body can be put back together.
func formPairs(form string) (pairs, seps []string) {
	for {
		i := strings.IndexAny(form, "&;")
		if i < 0 {
			return append(pairs, form), seps
		}
		pairs, seps = append(pairs, form[:i]), append(seps, form[i:i+1])
		form = form[i+1:]
	}
}

// plainName reports whether a decoded form field name is a name (letters, digits, "-", "_",
// ".", "[", "]", spaces), rather than stray text such as a JSON document sent as a form.
func plainName(name string) bool {
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_.[] ", r) {
			return false
		}
	}
	return name != ""
}

// redactForm returns a form-encoded body (or query) with the values of secret fields
// redacted (and JSON documents in values redacted inside); the rest keeps its bytes. It
// reports false when some field name cannot be decoded or is not a plain name: the body is
// then not a form to show as one.
func redactForm(form string, login bool) (string, bool) {
	pairs, seps := formPairs(form)
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(seps[i-1])
		}
		rawKey, rawValue, hasValue := strings.Cut(p, "=")
		key, err := url.QueryUnescape(rawKey)
		switch {
		case p == "":
		case err != nil || !plainName(key):
			return "", false
		case isSecretField(key, login):
			b.WriteString(rawKey + "=" + Redacted)
			continue
		case hasValue && mayHoldSecret([]byte(rawValue), login):
			value, err := url.QueryUnescape(rawValue)
			if err != nil {
				b.WriteString(rawKey + "=" + Redacted)
				continue
			}
			if inner := redactInString(value, login); inner != value {
				b.WriteString(rawKey + "=" + url.QueryEscape(inner))
				continue
			}
		}
		b.WriteString(p)
	}
	return b.String(), true
}

// formHoldsSecret reports whether text, read as a form, has a plain field named like a secret.
func formHoldsSecret(text string, login bool) bool {
	pairs, _ := formPairs(text)
	for _, p := range pairs {
		rawKey, _, _ := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(rawKey); err == nil && plainName(key) && isSecretField(key, login) {
			return true
		}
	}
	return false
}

// redactQuery is a request's raw query as the journal keeps it: the values of secret
// parameters redacted (rc_token, access_token…); a query that is not a plain form but could
// hold a secret is redacted whole.
func redactQuery(query string, login bool) string {
	if query == "" || !mayHoldSecret([]byte(query), login) {
		return query
	}
	if q, ok := redactForm(query, login); ok {
		return q
	}
	return Redacted
}

// Encode marshals v as the mock writes JSON: without HTML escaping ("<" and "&" read as
// written) and without a trailing newline.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
