package console

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// resetLinkTTL is how long a password reset link works.
const resetLinkTTL = 30 * time.Minute

// resetData is whose password a reset link sets.
type resetData struct {
	TenantID string `json:"tenant_id"`
	UserID   string `json:"user_id"`
}

// handleReset asks for an address (GET) and sends it a reset link (POST). The answer
// is the same page whether or not the address has an account, and both read the
// address and send one e-mail (for an address without an account, one that says so
// and how to sign up), so that neither the page nor its time tells: the user's read
// and the link's write an account adds are small beside the e-mail, and the
// address's limit allows too few tries to measure them. Requests are counted
// against the source and the address before anything is read.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	show := func(status int, f *Form) {
		s.renderForm(w, r, status, "reset", Page{Title: "Reset your password", Form: f})
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK, &Form{})
		return
	}
	ok, fresh := s.readForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := newForm(r, "email")
	email := f.Get("email")
	if !fresh {
		f.Fail("email", msgFormExpired)
		show(http.StatusForbidden, f)
		return
	}
	if !checkEmail(f, "email", email) {
		show(http.StatusOK, f)
		return
	}
	source := sourceAddress(r)
	slots, err := s.limitAll(ctx, limitPair{ruleResetSource, source}, limitPair{ruleResetAddress, tenants.NormalEmail(email)})
	if errors.Is(err, errLimited) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "reset refused: limited", slog.String("source", source))
		f.Fail("email", "Too many reset emails were asked for from your network or for this email address in the last hour. Try again in an hour.")
		show(http.StatusTooManyRequests, f)
		return
	}
	if err != nil {
		s.failed(w, r, "reset limit", err)
		return
	}
	u, err := s.cfg.Store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, tenants.ErrNotFound):
		err = s.sendMail(ctx, email, "Resetting your easytocloud password", noAccountMail(s))
	case err == nil:
		var token string
		token, err = s.newLink(ctx, linkReset, resetData{TenantID: u.TenantID, UserID: u.ID}, resetLinkTTL)
		if err == nil {
			err = s.sendMail(ctx, u.Email, "Reset your easytocloud password", resetMail(s, token))
		}
	}
	if err != nil {
		s.unlimit(ctx, slots...)
		s.failed(w, r, "reset", err)
		return
	}
	s.render(w, r, http.StatusOK, "reset-sent", Page{Title: "Check your email", Data: email})
}

func resetMail(s *Server, token string) string {
	return "Someone, perhaps you, asked to reset the password of your easytocloud account. To choose a new one, open this link:\n\n" +
		s.link("/reset/confirm", url.Values{"token": {token}}) + "\n\n" +
		"The link works once, within 30 minutes. If you did not ask for it, ignore this email: your password stays as it is."
}

func noAccountMail(s *Server) string {
	return "Someone, perhaps you, asked to reset the password of an easytocloud account with this email address, " +
		"but no easytocloud account uses this address.\n\n" +
		"If your account uses another address, ask for the reset with that one:\n" + s.link("/reset", nil) + "\n\n" +
		"To sign up an organisation:\n" + s.link("/signup", nil)
}

// resetConfirmData is the new-password page's state: the link and whose password it
// sets, or why it cannot.
type resetConfirmData struct {
	Token, Email string
	// Gone: the link is unknown, expired or used (or its person removed). Failed:
	// the link was used but the password could not be stored.
	Gone, Failed bool
}

// handleResetConfirm shows the new-password form of a reset link (GET) and sets the
// password (POST). The link is used first, on its own, so that a replay fails
// whatever happens next; then the password is stored, every session of the person
// ended and every token of theirs revoked: a reset means someone else may have known
// the old password.
func (s *Server) handleResetConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page := func(status int, f *Form, d resetConfirmData) {
		p := Page{Title: "Choose a new password", Form: f, Data: d}
		switch {
		case d.Gone:
			p.Title = "This link has expired or has already been used"
		case d.Failed:
			p.Title = "Your password was not changed"
		default:
			s.renderForm(w, r, status, "reset-confirm", p)
			return
		}
		s.render(w, r, status, "reset-confirm", p)
	}
	token, fresh, ok := s.readLinkForm(w, r)
	if !ok {
		return
	}
	var d resetData
	err := s.openLink(ctx, linkReset, token, &d)
	var u tenants.User
	if err == nil {
		u, err = s.cfg.Store.GetUser(ctx, d.TenantID, d.UserID)
	}
	if errors.Is(err, errLinkGone) || errors.Is(err, tenants.ErrNotFound) {
		page(http.StatusGone, nil, resetConfirmData{Gone: true})
		return
	}
	if err != nil {
		s.failed(w, r, "password reset", err)
		return
	}
	shown := resetConfirmData{Token: token, Email: u.Email}
	if r.Method != http.MethodPost {
		page(http.StatusOK, &Form{}, shown)
		return
	}
	f := &Form{Values: map[string]string{}}
	if !fresh {
		f.Fail("password", msgFormExpired)
		page(http.StatusForbidden, f, shown)
		return
	}
	password := r.PostForm.Get("password")
	if password == "" {
		f.Fail("password", "Enter a new password")
	} else {
		t, err := s.cfg.Store.GetTenant(ctx, u.TenantID)
		if err != nil {
			s.failed(w, r, "password reset", err)
			return
		}
		checkNewPassword(f, "password", password, u.Email, t.Name)
	}
	if !f.OK() {
		page(http.StatusOK, f, shown)
		return
	}
	if err := s.useLink(ctx, linkReset, token); errors.Is(err, errLinkGone) {
		page(http.StatusGone, nil, resetConfirmData{Gone: true})
		return
	} else if err != nil {
		s.failed(w, r, "password reset", err)
		return
	}
	if err := s.cfg.Store.SetPassword(ctx, u.TenantID, u.ID, password); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "password reset: set password", slog.String("tenant", u.TenantID),
			slog.String("user", u.ID), slog.String("detail", err.Error()))
		page(http.StatusInternalServerError, nil, resetConfirmData{Failed: true})
		return
	}
	p := tenants.Principal{TenantID: u.TenantID, UserID: u.ID}
	err = errors.Join(s.endSessions(ctx, u.TenantID, u.ID, ""), s.cfg.Tokens.RevokeUser(ctx, p))
	http.SetCookie(w, s.sessionCookie("", -1))
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "password reset: sign out everywhere", slog.String("tenant", u.TenantID),
			slog.String("user", u.ID), slog.String("detail", err.Error()))
		s.message(w, r, http.StatusInternalServerError, "Your password has been changed",
			"But easytocloud could not sign you out everywhere just now: sessions or Alexa links may still work. Sign in with your new password and reset it again to finish.")
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "password reset", slog.String("tenant", u.TenantID), slog.String("user", u.ID))
	s.message(w, r, http.StatusOK, "Your password has been changed",
		"Sign in with your new password. You have been signed out everywhere, and Alexa needs linking to your account again.")
}
