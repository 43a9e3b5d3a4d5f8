package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// invitation is what an invitation's link carries. Its first step adds the
// invitee's password hash and phone number; the second, once the phone is
// verified, creates the user from it.
type invitation struct {
	TenantID string       `json:"tenant_id"`
	Email    string       `json:"email"`
	Role     tenants.Role `json:"role"`
	// InvitedBy is the ID of the admin who sent it.
	InvitedBy string `json:"invited_by"`
	Hash      string `json:"hash,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// acceptPage is the data of the invitation's two steps.
type acceptPage struct {
	Token, Organisation, Email string
	// PhoneEnding is the end of the number the code went to (second step).
	PhoneEnding string
}

// openInvitation reads an invitation step's request, its token as readLinkForm does
// (the steps keep nothing typed across a stale CSRF token: that gets formExpired),
// and returns the token, its live invitation and the organisation. When the form
// cannot be read, there is no live invitation, or the address has an account
// meanwhile, it has answered and ok is false.
func (s *Server) openInvitation(w http.ResponseWriter, r *http.Request) (token string, inv invitation, t tenants.Tenant, ok bool) {
	ctx := r.Context()
	token, fresh, ok := s.readLinkForm(w, r)
	if !ok {
		return "", inv, t, false
	}
	if !fresh {
		s.formExpired(w, r)
		return "", inv, t, false
	}
	// Gone: the link, or the organisation it invites to.
	err := s.openLink(ctx, linkInvite, token, &inv)
	if err == nil {
		t, err = s.cfg.Store.GetTenant(ctx, inv.TenantID)
	}
	if errors.Is(err, errLinkGone) || errors.Is(err, tenants.ErrNotFound) {
		s.inviteGone(w, r)
		return "", inv, t, false
	}
	if err != nil {
		s.failed(w, r, "open invitation", err)
		return "", inv, t, false
	}
	switch _, err := s.cfg.Store.UserByEmail(ctx, inv.Email); {
	case err == nil:
		s.inviteTaken(w, r, inv.Email)
	case !errors.Is(err, tenants.ErrNotFound):
		s.failed(w, r, "open invitation", err)
	default:
		return token, inv, t, true
	}
	return "", inv, t, false
}

func (s *Server) inviteGone(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusGone, "This invitation cannot be used",
		"This invitation has expired or has already been used. Ask your admin for a new one.")
}

func (s *Server) inviteTaken(w http.ResponseWriter, r *http.Request, email string) {
	s.message(w, r, http.StatusConflict, "You already have an account",
		"There is already an easytocloud account for "+email+". Sign in with it, or ask your admin to invite another address.")
}

// handleAccept is the invitation's first step (GET/POST /invite): the invitee
// chooses a password and gives a mobile number, which gets a code by SMS.
func (s *Server) handleAccept(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token, inv, t, ok := s.openInvitation(w, r)
	if !ok {
		return
	}
	data := acceptPage{Token: token, Organisation: t.Name, Email: inv.Email}
	title := "Join " + t.Name
	if r.Method != http.MethodPost {
		s.renderForm(w, r, http.StatusOK, "accept", Page{Title: title, Form: &Form{}, Data: data})
		return
	}
	f := newForm(r, "phone")
	checkNewPassword(f, "password", r.PostForm.Get("password"), inv.Email, t.Name)
	phone := checkPhone(f, "phone")
	if !f.OK() {
		s.renderForm(w, r, http.StatusUnprocessableEntity, "accept", Page{Title: title, Form: f, Data: data})
		return
	}
	hash, err := s.cfg.Store.HashPassword(r.PostForm.Get("password"))
	if err != nil {
		s.failed(w, r, "hash password", err)
		return
	}
	inv.Hash, inv.Phone = hash, phone
	if err := s.updateLink(ctx, linkInvite, token, inv); errors.Is(err, errLinkGone) {
		s.inviteGone(w, r)
		return
	} else if err != nil {
		s.failed(w, r, "accept invitation", err)
		return
	}
	subject, err := s.inviteSubject(ctx, token)
	if err != nil {
		s.failed(w, r, "accept invitation", err)
		return
	}
	if err := s.sendPhoneCode(ctx, subject, phone); errors.Is(err, errTooManySends) {
		f.Fail("phone", tooManyCodes)
		s.renderForm(w, r, http.StatusTooManyRequests, "accept", Page{Title: title, Form: f, Data: data})
		return
	} else if err != nil {
		s.failed(w, r, "send code", err)
		return
	}
	data.PhoneEnding = phoneEnding(phone)
	s.renderForm(w, r, http.StatusOK, "accept-phone", Page{Title: "Check your phone", Form: &Form{}, Data: data})
}

// handleAcceptPhone is the invitation's second step (POST /invite/phone): the code
// from the SMS (or resend=1 for a new one). A right code creates the user and uses
// up the invitation in one transaction, and signs the new user in.
func (s *Server) handleAcceptPhone(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token, inv, t, ok := s.openInvitation(w, r)
	if !ok {
		return
	}
	if inv.Hash == "" || inv.Phone == "" {
		http.Redirect(w, r, s.path("/invite")+"?"+url.Values{"token": {token}}.Encode(), http.StatusSeeOther)
		return
	}
	subject, err := s.inviteSubject(ctx, token)
	if err != nil {
		s.failed(w, r, "accept invitation", err)
		return
	}
	data := acceptPage{Token: token, Organisation: t.Name, Email: inv.Email, PhoneEnding: phoneEnding(inv.Phone)}
	page := Page{Title: "Check your phone", Form: &Form{}, Data: data}
	if r.PostForm.Get("resend") != "" {
		if err := s.sendPhoneCode(ctx, subject, inv.Phone); errors.Is(err, errTooManySends) {
			page.Form.Fail("code", tooManyCodes)
			s.renderForm(w, r, http.StatusTooManyRequests, "accept-phone", page)
			return
		} else if err != nil {
			s.failed(w, r, "send code", err)
			return
		}
		page.Flash = "We sent a new code to your number ending " + data.PhoneEnding + "."
		s.renderForm(w, r, http.StatusOK, "accept-phone", page)
		return
	}
	page.Form = newForm(r, "code")
	if right, err := s.checkCode(ctx, page.Form, "code", subject, inv.Phone); err != nil {
		s.failed(w, r, "check code", err)
		return
	} else if !right {
		s.renderForm(w, r, http.StatusUnprocessableEntity, "accept-phone", page)
		return
	}
	use, err := s.useLinkItem(ctx, linkInvite, token)
	if err != nil {
		s.failed(w, r, "accept invitation", err)
		return
	}
	if inv.Role == "" {
		inv.Role = tenants.RoleMember
	}
	u, err := s.cfg.Store.CreateUserHashed(ctx, tenants.User{TenantID: inv.TenantID, Email: inv.Email, Role: inv.Role, Phone: inv.Phone},
		inv.Hash, use, s.dropPending(inv.TenantID, inv.Email))
	switch {
	case errors.Is(err, tenants.ErrEmailTaken):
		s.inviteTaken(w, r, inv.Email)
		return
	case errors.Is(err, tenants.ErrConflict), errors.Is(err, tenants.ErrNotFound):
		s.inviteGone(w, r)
		return
	case err != nil:
		s.failed(w, r, "accept invitation", err)
		return
	}
	if err := s.audit(ctx, &visit{User: u, Tenant: t}, "join", u.Email+" as "+string(u.Role)); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit join", slog.String("detail", err.Error()))
	}
	http.SetCookie(w, s.formCSRF().Cookie("", -1))
	if err := s.startSession(w, r, u); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "start session", slog.String("detail", err.Error()))
		s.message(w, r, http.StatusOK, "Your account is ready", "Your easytocloud account for "+u.Email+" is ready, but you could not be signed in just now. Sign in with your email address and password.")
		return
	}
	s.redirectDone(w, r, "/account", doneJoined)
}

// inviteSubject names the invitation of token to the SMS codes: the keyed hash its
// link is stored under, the same for both steps.
func (s *Server) inviteSubject(ctx context.Context, token string) (string, error) {
	h, err := s.linkHash(ctx, linkInvite, token)
	if err != nil {
		return "", fmt.Errorf("invitation subject: %w", err)
	}
	return "invite:" + h, nil
}

// tooManyCodes is the message of a phone number or person that was sent too many
// codes.
const tooManyCodes = "Three codes were sent in the last 15 minutes: wait a few minutes, then ask for a new one"

// checkCode checks the code typed in field of f against the live code of subject
// for phone, recording on f what is wrong with it. It reports whether the code was
// right, or the error of the check itself.
func (s *Server) checkCode(ctx context.Context, f *Form, field, subject, phone string) (bool, error) {
	code := strings.Join(strings.Fields(f.Get(field)), "")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		f.Fail(field, "Enter the 6-digit code from the SMS")
		return false, nil
	}
	switch err := s.checkPhoneCode(ctx, subject, phone, code); {
	case err == nil:
		return true, nil
	case errors.Is(err, errCodeWrong):
		f.Fail(field, "The code is wrong; check the SMS. You have "+triesWords(s.codeTriesLeft(ctx, subject))+" left")
	case errors.Is(err, errCodeGone):
		f.Fail(field, "That code has expired; send a new one")
	default:
		return false, err
	}
	return false, nil
}

// codeTriesLeft is how many tries the live code of subject has left (0 when it
// cannot tell).
func (s *Server) codeTriesLeft(ctx context.Context, subject string) int {
	key, err := s.codeKey(ctx, subject)
	if err != nil {
		return 0
	}
	var it codeItem
	if err := s.cfg.Table.Get(ctx, key, &it); err != nil {
		if !errors.Is(err, table.ErrNoItem) {
			s.log.LogAttrs(ctx, slog.LevelWarn, "read code", slog.String("detail", err.Error()))
		}
		return 0
	}
	return max(codeTries-it.Tries, 0)
}

// triesWords says n tries in words: "one try", "four tries".
func triesWords(n int) string {
	words := []string{"no tries", "one try", "two tries", "three tries", "four tries"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return fmt.Sprintf("%d tries", n)
}
