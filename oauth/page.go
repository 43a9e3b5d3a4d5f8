package oauth

import (
	_ "embed"
	"html/template"
	"net/http"

	"github.com/easytocloud/easytocloud/internal/webui"
)

//go:embed login.html
var pageTemplates string

var pages = template.Must(template.New("pages").Parse(pageTemplates))

type hiddenField struct{ Name, Value string }

type loginPage struct {
	CSS        template.CSS
	ClientName string
	Message    string
	CSRF       string
	Email      string
	Hidden     []hiddenField
}

type consentPage struct {
	CSS                         template.CSS
	ClientName, TenantName      string
	AccountMasked, AccountLast4 string
	NotConnected                bool // the tenant has no role yet
	Email                       string
	CSRF, Ticket                string
}

type errorPage struct {
	CSS            template.CSS
	Title, Message string
}

// render writes a page; the template is fixed and its data escaped, so executing it
// into a buffer can fail only on a programming error, which becomes a 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	webui.Render(r.Context(), w, s.log, pages, status, name, data)
}

// errorPage shows an error without sending the browser anywhere: for requests whose
// client or redirect URI cannot be trusted.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	s.render(w, r, status, "error", errorPage{CSS: webui.StyleSheet, Title: title, Message: message})
}
