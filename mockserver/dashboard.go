package mockserver

import (
	"net/http"

	"github.com/rcinvite/rcinvite/mockserver/dashboard"
)

// serveDashboard answers GET /_mock/ui and its assets (package dashboard), once they passed
// the access gate (checkAccess, which asks them for no control token).
func (s *Server) serveDashboard(w http.ResponseWriter, r *http.Request) {
	dashboard.Handler().ServeHTTP(w, r)
}
