package spec

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ajvFormats are the string formats Rocket.Chat's Ajv instances know that the mock checks:
// ajv-formats' ("full" mode) date, time, date-time, email, uri and uuid, and rest-typings' own
// basic_email and rfc_email (packages/rest-typings/src/v1/Ajv.ts). date and date-time follow
// RFC 3339 as ajv-formats does (a time needs its zone); uri is checked as an absolute URL with
// Go's parser, close to ajv-formats' RFC 3986 pattern [inferred for exotic URIs]. A schema with
// another format is refused when the contract is loaded.
var ajvFormats = map[string]func(string) bool{
	"date":      isDate,
	"time":      isTime,
	"date-time": isDateTime,
	"email":     regexp.MustCompile(`(?i)^[a-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`).MatchString,
	"uuid":      regexp.MustCompile(`(?i)^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$`).MatchString,
	"uri": func(s string) bool {
		u, err := url.Parse(s)
		return err == nil && u.Scheme != "" && !strings.ContainsAny(s, " \t\n\"<>\\^`{|}")
	},
	"basic_email": regexp.MustCompile(`^[^@]+@[^@]+$`).MatchString,
	"rfc_email":   regexp.MustCompile(`^[a-zA-Z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`).MatchString,
}

func formatNames() string {
	names := make([]string, 0, len(ajvFormats))
	for n := range ajvFormats {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// isDate is ajv-formats' full date: YYYY-MM-DD naming a real day (leap years included).
func isDate(s string) bool {
	if !datePattern.MatchString(s) {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

var timePattern = regexp.MustCompile(`(?i)^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(z|[+-]\d{2}(?::?\d{2})?)$`)

// isTime is ajv-formats' full time with its required zone (hh:mm:ss[.frac] then Z or ±hh[:mm]);
// a leap second (ss 60) passes.
func isTime(s string) bool {
	m := timePattern.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	h, mi := atoi2(m[1]), atoi2(m[2])
	sec := atoi2(m[3][:2])
	return h <= 23 && mi <= 59 && sec <= 60 // ajv-formats lets a leap second through
}

// isDateTime is ajv-formats' full date-time: a date, "T", "t" or a space, a time with its zone.
func isDateTime(s string) bool {
	i := strings.IndexAny(s, "Tt ")
	return i > 0 && isDate(s[:i]) && isTime(s[i+1:])
}

func atoi2(s string) int {
	if len(s) != 2 {
		return 99
	}
	return int(s[0]-'0')*10 + int(s[1]-'0')
}
