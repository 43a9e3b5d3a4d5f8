package console

import "net/http"

// Scaffolding: replaced by the pages of this file's area before the console lands.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleResetConfirm(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
