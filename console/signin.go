package console

import "net/http"

// Scaffolding: replaced by the pages of this file's area before the console lands.
func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleReauth(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
