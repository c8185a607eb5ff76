package mockserver

import (
	"net/http"

	"github.com/rcinvite/rcinvite/mockserver/dashboard"
)

// serveDashboard answers GET /_mock/ui and its assets (package dashboard) behind the control
// API's access gate, with one difference: the page and its assets hold no data, and a browser
// opening a URL cannot send an Authorization header, so the control token is waived for them.
// The page asks its user for the token and sends it with every control call it makes.
func (s *Server) serveDashboard(w http.ResponseWriter, r *http.Request) {
	if a, denied := s.checkAccess(tokenWaived(r, s.cfg.controlToken)); denied {
		writeJSON(w, a.status, a.body)
		return
	}
	dashboard.Handler().ServeHTTP(w, r)
}

// tokenWaived returns r as the access gate sees it with the control token presented, so that
// only the gate's other rules (the client's address, and whatever else it checks) apply.
func tokenWaived(r *http.Request, token string) *http.Request {
	if token == "" {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+token)
	return r2
}
