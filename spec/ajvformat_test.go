package spec

import "testing"

// TestFormatsAgreeWithAjvFormats: answers of ajv-formats 3.0.1 (full mode) on these strings,
// recorded with spec/ajvgolden's pinned packages.
func TestFormatsAgreeWithAjvFormats(t *testing.T) {
	for _, c := range []struct {
		format, value string
		valid         bool
	}{
		{"date-time", "2026-05-01T10:00:00Z", true},
		{"date-time", "2026-05-01t10:00:00.123+02:00", true},
		{"date-time", "2026-05-01 10:00:00Z", true},
		{"date-time", "2026-05-01T10:00:00", false},
		{"date-time", "2026-02-30T10:00:00Z", false},
		{"date-time", "2026-05-01T24:00:00Z", false},
		{"date-time", "2026-05-01T23:59:60Z", true},
		{"date-time", "x", false},
		{"date", "2024-02-29", true},
		{"date", "2023-02-29", false},
		{"date", "2026-13-01", false},
		{"date", "2026-1-01", false},
		{"email", "a@b.co", true},
		{"email", "a.b@c", false},
		{"email", "a@b", false},
		{"email", "@b.co", false},
		{"email", "a b@c.de", false},
		{"email", "a+tag@example.com", true},
		{"uri", "http://x", true},
		{"uri", "mailto:a@b", true},
		{"uri", "x", false},
		{"uri", "/relative", false},
		{"uri", "http://exa mple.com", false},
		{"uri", "urn:isbn:123", true},
		{"uuid", "123e4567-e89b-12d3-a456-426614174000", true},
		{"uuid", "urn:uuid:123e4567-e89b-12d3-a456-426614174000", true},
		{"uuid", "123", false},
	} {
		if got := ajvFormats[c.format](c.value); got != c.valid {
			t.Errorf("%s %q: %v, ajv-formats says %v", c.format, c.value, got, c.valid)
		}
	}
}
