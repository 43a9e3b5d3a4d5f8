package console

import "net/http"

// Routes are the net/http.ServeMux patterns the console serves (the HTTP API routes
// the stack sends to its function), each answered by the handler routes names. A
// literal so that reading it links no page template. Do not modify it.
var Routes = []string{
	"GET /console",
	"GET /console/{$}",
	"GET /console/signin",
	"POST /console/signin",
	"POST /console/signout",
	"GET /console/signup",
	"POST /console/signup",
	"GET /console/signup/verify",
	"POST /console/signup/verify",
	"GET /console/reset",
	"POST /console/reset",
	"GET /console/reset/confirm",
	"POST /console/reset/confirm",
	"GET /console/reauth",
	"POST /console/reauth",
	"GET /console/connect",
	"POST /console/connect",
	"GET /console/settings",
	"POST /console/settings",
	"GET /console/people",
	"POST /console/people/invite",
	"POST /console/people/{user}/role",
	"POST /console/people/{user}/remove",
	"GET /console/invite",
	"POST /console/invite",
	"POST /console/invite/phone",
	"GET /console/account",
	"POST /console/account/password",
	"GET /console/account/phone",
	"POST /console/account/phone",
	"POST /console/account/phone/verify",
	"POST /console/account/links/{link}/unlink",
	"GET /console/account/activity",
}

// routes maps every pattern of Routes to its handler. Anonymous pages take the
// request as it comes; the others go through signedIn, which loads the session, the
// user and the tenant and checks the CSRF token of every POST.
func (s *Server) routes() *http.ServeMux {
	h := map[string]http.Handler{
		"GET /console":          http.HandlerFunc(s.handleBare),
		"GET /console/{$}":      s.signedIn(member, s.handleOverview),
		"GET /console/signin":   http.HandlerFunc(s.handleSignIn),
		"POST /console/signin":  http.HandlerFunc(s.handleSignIn),
		"POST /console/signout": s.signedIn(member, s.handleSignOut),

		"GET /console/signup":         http.HandlerFunc(s.handleSignUp),
		"POST /console/signup":        http.HandlerFunc(s.handleSignUp),
		"GET /console/signup/verify":  http.HandlerFunc(s.handleVerify),
		"POST /console/signup/verify": http.HandlerFunc(s.handleVerify),
		"GET /console/reset":          http.HandlerFunc(s.handleReset),
		"POST /console/reset":         http.HandlerFunc(s.handleReset),
		"GET /console/reset/confirm":  http.HandlerFunc(s.handleResetConfirm),
		"POST /console/reset/confirm": http.HandlerFunc(s.handleResetConfirm),
		"GET /console/reauth":         s.signedIn(member, s.handleReauth),
		"POST /console/reauth":        s.signedIn(member, s.handleReauth),

		"GET /console/connect":   s.signedIn(admin, s.handleConnect),
		"POST /console/connect":  s.signedIn(admin, s.handleConnect),
		"GET /console/settings":  s.signedIn(admin, s.handleSettings),
		"POST /console/settings": s.signedIn(admin, s.handleSettings),

		"GET /console/people":                s.signedIn(admin, s.handlePeople),
		"POST /console/people/invite":        s.signedIn(admin, s.handleInvite),
		"POST /console/people/{user}/role":   s.signedIn(admin, s.handleSetRole),
		"POST /console/people/{user}/remove": s.signedIn(admin, s.handleRemove),
		"GET /console/invite":                http.HandlerFunc(s.handleAccept),
		"POST /console/invite":               http.HandlerFunc(s.handleAccept),
		"POST /console/invite/phone":         http.HandlerFunc(s.handleAcceptPhone),

		"GET /console/account":                      s.signedIn(member, s.handleAccount),
		"POST /console/account/password":            s.signedIn(member, s.handlePassword),
		"GET /console/account/phone":                s.signedIn(member, s.handlePhone),
		"POST /console/account/phone":               s.signedIn(member, s.handlePhone),
		"POST /console/account/phone/verify":        s.signedIn(member, s.handlePhoneVerify),
		"POST /console/account/links/{link}/unlink": s.signedIn(member, s.handleUnlink),
		"GET /console/account/activity":             s.signedIn(member, s.handleActivity),
	}
	mux := http.NewServeMux()
	for _, pattern := range Routes {
		mux.Handle(pattern, h[pattern])
	}
	mux.HandleFunc("/console/", s.handleNotFound)
	return mux
}
