package console

import "net/http"

// Scaffolding: replaced by the pages of this file's area before the console lands.
func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
