package console

import "net/http"

// Scaffolding: replaced by the pages of this file's area before the console lands.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handlePhone(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handlePhoneVerify(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleUnlink(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
