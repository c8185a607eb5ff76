package spec

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Redacted replaces the value of every field that may hold a secret.
const Redacted = "[redacted]"

// RedactBody turns a request or answer body into JSON that is safe to show or store: JSON
// stays JSON (compacted) with the value of every field that may hold a credential replaced by
// "[redacted]", anything else becomes a JSON string. A cut body (cut is true: the caller kept
// only its start) is never parsed: it becomes a string, or "[redacted]" when it mentions a
// secret at all. An empty or blank body is nil. Both the mock's request journal and the
// conformance client's failure messages show bodies through it, so neither can leak a password
// or a token that logs in.
func RedactBody(b []byte, cut bool) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if !cut {
		if v, ok := redactJSON(b); ok {
			return v
		}
	}
	s := string(b)
	if mentionsSecret(s) {
		s = Redacted
	}
	out, _ := json.Marshal(s) // a string always marshals; invalid UTF-8 becomes U+FFFD
	return out
}

// redactJSON replaces the values of secret fields anywhere in the JSON document b. It reports
// false when b is not JSON.
func redactJSON(b []byte) (json.RawMessage, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	if !redactValue(v) {
		var out bytes.Buffer
		if json.Compact(&out, b) != nil {
			return nil, false
		}
		return out.Bytes(), true
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	return out, true
}

// redactValue redacts secret fields in place and reports whether it changed anything.
func redactValue(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if isSecretField(k) {
				v[k] = Redacted
				changed = true
				continue
			}
			changed = redactValue(x) || changed
		}
	case []any:
		for _, x := range v {
			changed = redactValue(x) || changed
		}
	}
	return changed
}

// isSecretField reports whether a JSON field holds a password or a credential: "password"
// (also inside names like "newPassword"), users.register's "pass" and "secret", login's
// "authToken", and stored hashes.
func isSecretField(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "pass", "secret", "authtoken", "x-auth-token", "hashedtoken", "bcrypt", "token_hash":
		return true
	}
	return strings.Contains(n, "password")
}

func mentionsSecret(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"pass", "secret", "authtoken", "auth-token", "hashedtoken", "bcrypt"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}
