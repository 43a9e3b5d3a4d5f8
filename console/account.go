package console

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"unicode"

	"github.com/easytocloud/easytocloud/tenants"
)

// activityShown is how many of a person's latest changes their activity page lists.
const activityShown = 50

// accountPage is the data of a person's own page.
type accountPage struct {
	Email, Role, Phone string
	// Grants are the person's account links (refresh tokens), each with an Unlink
	// button; Alexa the Alexa accounts that spoke for them.
	Grants []grantRow
	Alexa  []alexaRow
}

type grantRow struct{ ID, Linked, LastUsed string }

type alexaRow struct{ FirstSpoke, LastUsed string }

// handleAccount shows a person's own page (GET /account): who they are, the
// password form, their Alexa links.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showAccount(w, r, v, http.StatusOK, &Form{})
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, v *visit, status int, f *Form) {
	ctx := r.Context()
	p := tenants.Principal{TenantID: v.Tenant.ID, UserID: v.User.ID}
	var (
		wg         sync.WaitGroup
		grants     []Grant
		links      []tenants.AlexaLink
		gerr, lerr error
	)
	wg.Add(2)
	go func() { defer wg.Done(); grants, gerr = s.cfg.Tokens.Grants(ctx, p) }()
	go func() { defer wg.Done(); links, lerr = s.cfg.Store.AlexaLinks(ctx, v.Tenant.ID, v.User.ID) }()
	wg.Wait()
	if err := errors.Join(gerr, lerr); err != nil {
		s.failed(w, r, "account", err)
		return
	}
	data := accountPage{Email: v.User.Email, Role: string(roleOf(v.User)), Phone: phoneText(v.User.Phone)}
	for _, g := range grants {
		data.Grants = append(data.Grants, grantRow{ID: g.ID, Linked: minute(g.Created), LastUsed: whenUsed(g.LastUsed.IsZero(), minute(g.LastUsed))})
	}
	for _, l := range links {
		data.Alexa = append(data.Alexa, alexaRow{FirstSpoke: minute(l.LinkedAt), LastUsed: whenUsed(l.LastUsedAt.IsZero(), minute(l.LastUsedAt))})
	}
	s.render(w, r, status, "account", Page{Title: "Your account", Form: f, Data: data})
}

func whenUsed(never bool, at string) string {
	if never {
		return "Not yet"
	}
	return at
}

// handlePassword changes the person's password (POST /account/password) when the
// current one is right (wrong ones count as failed sign-ins). Their other sessions
// end and their tokens are revoked: whoever knew the old password is out.
func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	f := &Form{Values: map[string]string{}} // passwords are never shown again
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	if current == "" {
		f.Fail("current_password", "Enter your current password")
	} else {
		slots, err := s.limitAll(ctx, signInAccount(v.User.Email))
		switch {
		case errors.Is(err, errLimited):
			f.Fail("current_password", "Too many wrong passwords: wait 15 minutes, then try again")
		case err != nil:
			s.failed(w, r, "change password", err)
			return
		default:
			u, err := s.cfg.Store.Authenticate(ctx, v.User.Email, current)
			switch {
			case errors.Is(err, tenants.ErrInvalidCredentials) || (err == nil && u.ID != v.User.ID):
				f.Fail("current_password", "Your current password is wrong")
			case err != nil:
				s.failed(w, r, "change password", err)
				return
			default:
				s.unlimit(ctx, slots...)
			}
		}
	}
	if checkNewPassword(f, "new_password", next, v.User.Email, v.Tenant.Name) && next == current {
		f.Fail("new_password", "Choose a new password, not your current one")
	}
	if !f.OK() {
		s.showAccount(w, r, v, http.StatusUnprocessableEntity, f)
		return
	}
	if err := s.cfg.Store.SetPassword(ctx, v.Tenant.ID, v.User.ID, next); err != nil {
		s.failed(w, r, "change password", err)
		return
	}
	// The store only changes the hash: the sessions and tokens are ended here.
	err := errors.Join(s.endSessions(ctx, v.Tenant.ID, v.User.ID, v.Session.hash),
		s.cfg.Tokens.RevokeUser(ctx, tenants.Principal{TenantID: v.Tenant.ID, UserID: v.User.ID}))
	if err != nil {
		s.failed(w, r, "change password", err)
		return
	}
	if err := s.confirmPassword(ctx, v.Session); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "change password", slog.String("detail", err.Error()))
	}
	s.redirectDone(w, r, "/account", donePassword)
}

// phonePage is the data of the phone change's pages.
type phonePage struct{ Current, Phone, Ending string }

// phoneSubject names the person to the SMS codes of a phone change.
func phoneSubject(v *visit) string { return "user:" + v.Tenant.ID + "#" + v.User.ID }

// handlePhone is the phone change's first step (GET/POST /account/phone, after a
// recent password): the new number, which gets a code. The current number keeps
// working until the code is entered.
func (s *Server) handlePhone(w http.ResponseWriter, r *http.Request, v *visit) {
	if !s.reauthed(v) {
		s.needReauth(w, r, "/account/phone")
		return
	}
	data := phonePage{Current: phoneText(v.User.Phone)}
	if r.Method != http.MethodPost {
		s.render(w, r, http.StatusOK, "phone", Page{Title: "Change your phone number", Form: &Form{}, Data: data})
		return
	}
	f := newForm(r, "phone")
	phone := checkPhone(f, "phone")
	if phone != "" && phone == v.User.Phone {
		f.Fail("phone", "That is your number already: enter the new one")
	}
	if !f.OK() {
		s.render(w, r, http.StatusUnprocessableEntity, "phone", Page{Title: "Change your phone number", Form: f, Data: data})
		return
	}
	if err := s.sendPhoneCode(r.Context(), phoneSubject(v), phone); errors.Is(err, errTooManySends) {
		f.Fail("phone", tooManyCodes)
		s.render(w, r, http.StatusTooManyRequests, "phone", Page{Title: "Change your phone number", Form: f, Data: data})
		return
	} else if err != nil {
		s.failed(w, r, "send code", err)
		return
	}
	data.Phone, data.Ending = phone, phoneEnding(phone)
	s.render(w, r, http.StatusOK, "phone-verify", Page{Title: "Check your phone", Form: &Form{}, Data: data})
}

// handlePhoneVerify is the phone change's second step (POST /account/phone/verify):
// the code, which was sent to that number only, so it needs no password again.
func (s *Server) handlePhoneVerify(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	f := newForm(r, "phone", "code")
	phone := checkPhone(&Form{Values: f.Values}, "phone")
	if phone == "" {
		s.message(w, r, http.StatusBadRequest, "That form could not be read", "Go back to your account and change your phone number again; nothing was changed.")
		return
	}
	data := phonePage{Current: phoneText(v.User.Phone), Phone: phone, Ending: phoneEnding(phone)}
	right, err := s.checkCode(ctx, f, "code", phoneSubject(v), phone)
	if err != nil {
		s.failed(w, r, "check code", err)
		return
	}
	if !right {
		s.render(w, r, http.StatusUnprocessableEntity, "phone-verify", Page{Title: "Check your phone", Form: f, Data: data})
		return
	}
	if _, err := s.cfg.Store.UpdateUser(ctx, v.Tenant.ID, v.User.ID, func(u *tenants.User) error {
		u.Phone = phone
		return nil
	}); err != nil {
		s.failed(w, r, "change phone", err)
		return
	}
	s.redirectDone(w, r, "/account", donePhone)
}

// handleUnlink unlinks one of the person's account links (POST
// /account/links/{link}/unlink): its refresh token is revoked, the access tokens
// minted from it are refused, and the Alexa accounts that spoke through it are
// forgotten.
func (s *Server) handleUnlink(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	p := tenants.Principal{TenantID: v.Tenant.ID, UserID: v.User.ID}
	id := r.PathValue("link")
	grants, err := s.cfg.Tokens.Grants(ctx, p)
	if err != nil {
		s.failed(w, r, "unlink", err)
		return
	}
	found := false
	for _, g := range grants {
		found = found || g.ID == id
	}
	if !found {
		s.message(w, r, http.StatusNotFound, "That link is gone", "That Alexa account is not linked (any more). Go back to your account and reload the page.")
		return
	}
	if err := s.cfg.Tokens.RevokeGrant(ctx, p, id); err != nil {
		s.failed(w, r, "unlink", err)
		return
	}
	links, err := s.cfg.Store.AlexaLinks(ctx, v.Tenant.ID, v.User.ID)
	if err != nil {
		s.failed(w, r, "unlink", err)
		return
	}
	for _, l := range links {
		if g := linkGrant(l); g == "" || g != id {
			continue
		}
		if err := s.cfg.Store.DeleteAlexaLink(ctx, v.Tenant.ID, v.User.ID, l.ID); err != nil && !errors.Is(err, tenants.ErrNotFound) {
			s.failed(w, r, "unlink", err)
			return
		}
	}
	s.redirectDone(w, r, "/account", doneUnlinked)
}

// linkGrant is the grant an Alexa account last spoke through ("" for one recorded
// before grants were).
func linkGrant(l tenants.AlexaLink) string { return l.GrantID }

// activityRow is one change, in words.
type activityRow struct{ When, What, From, Outcome string }

// handleActivity lists the person's latest changes by voice (GET /account/activity).
func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request, v *visit) {
	acts, err := s.cfg.Store.Activity(r.Context(), v.Tenant.ID, v.User.ID, activityShown)
	if err != nil {
		s.failed(w, r, "activity", err)
		return
	}
	rows := make([]activityRow, 0, len(acts))
	for _, a := range acts {
		rows = append(rows, activityRow{When: minute(a.At), What: activityWords(a), From: activityFrom(a), Outcome: outcomeWords(a.Outcome)})
	}
	s.render(w, r, http.StatusOK, "activity", Page{Title: "Your activity", Data: rows})
}

// activityWords says what was done: "Started splunk in eu-west-1".
func activityWords(a tenants.Activity) string {
	verb, ok := map[string]string{"start": "Started", "stop": "Stopped", "reboot": "Rebooted"}[a.Action]
	if !ok {
		verb = upperFirst(a.Action)
	}
	out := verb + " " + a.Target
	if a.Region != "" {
		out += " in " + a.Region
	}
	return strings.TrimSpace(out)
}

func activityFrom(a tenants.Activity) string {
	switch {
	case a.Device != "":
		return a.Device
	case a.Door == "mcp":
		return "An AI assistant (MCP)"
	case a.Door != "":
		return upperFirst(a.Door)
	}
	return "Unknown"
}

func outcomeWords(o string) string {
	if o == "done" {
		return "Done"
	}
	return upperFirst(o)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkPhone reads the mobile number typed in field of f, without the spaces and
// hyphens people type, and returns it, or records on f what is wrong and returns "".
// The field keeps what was typed.
func checkPhone(f *Form, field string) string {
	typed := f.Get(field)
	phone := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, typed)
	switch {
	case typed == "":
		f.Fail(field, "Enter your mobile phone number")
	case !tenants.ValidPhone(phone):
		f.Fail(field, "Enter the number in international format: a +, the country code and the number, such as +31612345678")
	default:
		return phone
	}
	return ""
}

// phoneEnding is the last three digits of a phone number, all that pages show.
func phoneEnding(phone string) string {
	if len(phone) <= 3 {
		return phone
	}
	return phone[len(phone)-3:]
}

// phoneText is a phone number as pages show it: "ending 678".
func phoneText(phone string) string {
	if phone == "" {
		return "None"
	}
	return "ending " + phoneEnding(phone)
}
