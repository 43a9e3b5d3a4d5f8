package console

import "net/http"

// Scaffolding: replaced by the pages of this file's area before the console lands.
func (s *Server) handleAccept(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleAcceptPhone(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
