package console

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/easytocloud/easytocloud/internal/webui"
	"github.com/easytocloud/easytocloud/tenants"
)

//go:embed pages/*.html
var pageFiles embed.FS

// pages holds every page; each file under pages/ defines one page by its file name
// ("signin" for pages/signin.html) on the shared layout (pages/layout.html).
var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"field": func(f *Form, name string) Field { return f.field(name) },
}).ParseFS(pageFiles, "pages/*.html"))

// Form is a form as shown: what was typed (never a password) and the errors, in the
// order of the fields, for the error summary at the top and the message beside each
// field (the GOV.UK Design System's pattern).
type Form struct {
	Values map[string]string
	Errors []FieldError
}

// FieldError is the message of one field; Field is the input's id.
type FieldError struct{ Field, Message string }

// Field is one input's value and error, for the "input" template.
type Field struct{ Name, Value, Error string }

// newForm returns a form holding the named values of r's parsed form.
func newForm(r *http.Request, names ...string) *Form {
	f := &Form{Values: map[string]string{}}
	for _, n := range names {
		f.Values[n] = strings.TrimSpace(r.PostForm.Get(n))
	}
	return f
}

// Get returns the value typed in field name.
func (f *Form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Fail records message for field name (the first message of a field wins).
func (f *Form) Fail(name, message string) {
	for _, e := range f.Errors {
		if e.Field == name {
			return
		}
	}
	f.Errors = append(f.Errors, FieldError{name, message})
}

// OK reports whether no field failed.
func (f *Form) OK() bool { return f == nil || len(f.Errors) == 0 }

func (f *Form) field(name string) Field {
	fd := Field{Name: name}
	if f == nil {
		return fd
	}
	fd.Value = f.Values[name]
	for _, e := range f.Errors {
		if e.Field == name {
			fd.Error = e.Message
		}
	}
	return fd
}

// Page is what every page template gets: the layout's parts and the page's own Data.
type Page struct {
	CSS   template.CSS
	Title string
	// Base is the console's path ("/console"), for links and form actions.
	Base string
	// CSRF is the token every form posts back as csrf_token.
	CSRF string
	// User and Tenant are the signed-in person and their organisation (nil before
	// sign-in).
	User   *tenants.User
	Tenant *tenants.Tenant
	// Flash is a one-line confirmation shown at the top ("Invitation sent"); when
	// empty, render fills it in from a GET's ?done= (redirectDone).
	Flash string
	Form  *Form
	Data  any
}

// What a redirect after a change tells the page it lands on (?done=<key>): a fixed
// text per key, so that a link cannot make a page say anything else.
const (
	doneConnected = "connected"
	doneSaved     = "saved"
	doneUnchanged = "unchanged"
	doneInvited   = "invited"
	doneRole      = "role"
	doneRemoved   = "removed"
	doneJoined    = "joined"
	donePassword  = "password"
	donePhone     = "phone"
	doneUnlinked  = "unlinked"
	doneMember    = "member"
)

var doneTexts = map[string]string{
	doneConnected: "Your AWS account is connected",
	doneSaved:     "Settings saved",
	doneUnchanged: "Nothing was changed: the settings are as they were",
	doneInvited:   "Invitation sent. It can be used once, for " + strconv.Itoa(int(InviteLifetime/time.Hour)) + " hours.",
	doneRole:      "Role changed.",
	doneRemoved:   "Removed. They are signed out, their Alexa links are revoked and their elevations have ended.",
	doneJoined:    "Welcome to easytocloud: your account is ready. Now link your Alexa account: in the Alexa app, enable the easytocloud skill and sign in with your email address and password.",
	donePassword:  "Password changed. Your other sessions were signed out, and your Alexa accounts must be linked again.",
	donePhone:     "Phone number changed: codes go to the new number from now on.",
	doneUnlinked:  "Alexa account unlinked: it can no longer use easytocloud for you.",
	doneMember:    "You are a member now: another admin looks after the organisation.",
}

// redirectDone answers 303 to the console's path p, whose page then shows the text
// of done (one of the done keys) as its Flash.
func (s *Server) redirectDone(w http.ResponseWriter, r *http.Request, p, done string) {
	http.Redirect(w, r, s.path(p)+"?done="+done, http.StatusSeeOther)
}

// render writes the page name with status. The templates are fixed and their data
// escaped, so executing one can fail only on a programming error, which becomes a 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	p.CSS, p.Base = webui.StyleSheet, s.basePath
	if p.Flash == "" && r.Method == http.MethodGet {
		p.Flash = doneTexts[r.URL.Query().Get("done")]
	}
	if v := visitOf(r); v != nil {
		p.User, p.Tenant = &v.User, &v.Tenant
		if p.CSRF == "" {
			p.CSRF = v.Session.CSRF
		}
	}
	webui.Render(r.Context(), w, s.log, pages, status, name, p)
}

// message shows a page with a heading and one paragraph: the answer to a link that
// has expired, a missing page, an error.
func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	s.render(w, r, status, "message", Page{Title: title, Data: text})
}

// failed logs err (only the log sees its detail) and shows a generic error page.
func (s *Server) failed(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelError, what, slog.String("detail", err.Error()))
	s.message(w, r, http.StatusInternalServerError, "Something went wrong",
		"easytocloud could not do that just now. Nothing was changed. Please try again in a moment.")
}

// formUnreadable answers a POST whose body could not be parsed.
func (s *Server) formUnreadable(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusBadRequest, "That form could not be read", "Go back, reload the page and try again.")
}

// formExpired answers a POST whose CSRF token is missing, forged or too old, on a
// page that does not show the form again.
func (s *Server) formExpired(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusForbidden, "This page has expired", "Go back, reload the page and try again; nothing was changed.")
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusNotFound, "Page not found", "There is no such page in the easytocloud console.")
}
