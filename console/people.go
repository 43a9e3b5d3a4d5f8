package console

import "net/http"

// Scaffolding: replaced by the pages of this file's area before the console lands.
func (s *Server) handlePeople(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleInvite(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleSetRole(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleRemove(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
