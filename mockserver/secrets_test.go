package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPasswordFromTheExportDoesNotLogIn pins the replay attack: GET /_mock/state carried
// unsalted SHA-256 digests, and login {"password":{"digest":<it>,"algorithm":"sha-256"}} logged
// in. The export now carries bcrypt hashes, which log in neither as a digest nor as a password.
func TestPasswordFromTheExportDoesNotLogIn(t *testing.T) {
	m := startMock(t)
	var st struct {
		Users []struct {
			ID          string `json:"_id"`
			Password    string `json:"password"`
			LoginTokens []struct {
				HashedToken string `json:"hashedToken"`
			} `json:"loginTokens"`
		} `json:"users"`
	}
	if err := json.Unmarshal(m.send("GET", "/_mock/state", "").raw, &st); err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Users {
		if u.Password == "" {
			continue
		}
		if !strings.HasPrefix(u.Password, "$2a$") {
			t.Errorf("user %s is exported with password %q, want a bcrypt hash", u.ID, u.Password)
		}
		digest, _ := json.Marshal(map[string]any{"user": u.ID, "password": map[string]string{"digest": u.Password, "algorithm": "sha-256"}})
		plain, _ := json.Marshal(map[string]any{"user": u.ID, "password": u.Password})
		for _, body := range [][]byte{digest, plain} {
			if a := m.send("POST", "/api/v1/login", string(body)); a.status == http.StatusOK {
				t.Errorf("logged in as %s with what the export holds: %s", u.ID, body)
			}
		}
		for _, tok := range u.LoginTokens {
			if a := m.send("GET", "/api/v1/me", "", "X-User-Id", u.ID, "X-Auth-Token", tok.HashedToken); a.status == http.StatusOK {
				t.Errorf("logged in as %s with an exported token hash", u.ID)
			}
		}
	}
}

// journalText is the default world's whole journal as JSON.
func journalText(m *mock) string { return string(m.send("GET", "/_mock/requests", "").raw) }

// TestJournalShowsNoResumeToken pins the live token in the journal: login {"resume":<token>}
// was kept with its token, which logs in.
func TestJournalShowsNoResumeToken(t *testing.T) {
	m := startMock(t)
	login := m.send("POST", "/api/v1/login", `{"user":"alice","password":"rocket.chat"}`)
	session, _ := login.body["data"].(map[string]any)
	token, _ := session["authToken"].(string)
	if token == "" {
		t.Fatalf("login: %d %s", login.status, login.raw)
	}
	if a := m.send("POST", "/api/v1/login", `{"resume":"`+token+`"}`); a.status != http.StatusOK {
		t.Fatalf("resume: %d %s", a.status, a.raw)
	}
	m.send("GET", "/api/v1/me?rc_uid=alice&rc_token="+token, "")
	journal := journalText(m)
	for _, secret := range []string{token, `"rocket.chat"`} {
		if strings.Contains(journal, secret) {
			t.Errorf("the journal holds %q:\n%s", secret, journal)
		}
	}
	if !strings.Contains(journal, `"resume":"[redacted]"`) || !strings.Contains(journal, `"authToken":"[redacted]"`) {
		t.Errorf("the journal does not show the redactions:\n%s", journal)
	}
}

// TestJournalHidesThePasswordOfAFormLoginWithAnEncodedName pins the percent-encoding leak: a
// form-encoded login whose field name was percent-encoded (p%61ssword) showed its plaintext
// password, because redaction looked at the raw bytes.
func TestJournalHidesThePasswordOfAFormLoginWithAnEncodedName(t *testing.T) {
	m := startMock(t)
	for _, body := range []string{"user=alice&p%61ssword=hunter2-secret", "user=alice&%70%61%73%73%77%6F%72%64=hunter2-secret", "user=alice&PASSWORD=hunter2-secret"} {
		req, err := http.NewRequest("POST", m.url+"/api/v1/login", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	journal := journalText(m)
	if strings.Contains(journal, "hunter2") {
		t.Errorf("the journal holds the form's password:\n%s", journal)
	}
	if !strings.Contains(journal, url.QueryEscape("user=alice")) && !strings.Contains(journal, "user=alice") {
		t.Errorf("the journal lost the rest of the form:\n%s", journal)
	}
}
