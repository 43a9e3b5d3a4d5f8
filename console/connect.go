package console

import "net/http"

// Scaffolding: replaced by the pages of this file's area before the console lands.
func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request, v *visit) {
	http.Error(w, "not built yet", http.StatusNotImplemented)
}
