package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// Messages of the sign-in and re-authentication pages. None says whether an account
// exists, nor which of the address and the password was wrong.
const (
	msgBadCredentials = "The email address or password is not right. Check them and try again."
	msgBadPassword    = "The password is not right. Check it and try again."
	msgSignInLimited  = "Too many sign-in attempts. For your security, signing in is paused for 15 minutes. Try again later."
)

// Limits of what a sign-in reads: longer values are no one's address or password, and
// are refused as wrong credentials without being checked.
const (
	maxEmailLen    = 254
	maxPasswordLen = 1024
)

// nextData is the page a sign-in or a re-authentication goes on to.
type nextData struct{ Next string }

// handleSignIn shows the sign-in page (GET) and signs in (POST): the attempt is
// counted against the address and the source before the password is checked (at a
// limit it is refused, unchecked, with 429), a right password gives it back, and the
// browser goes on to next, a console path (safeNext).
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.showSignIn(w, r, http.StatusOK, &Form{}, r.URL.Query().Get("next"))
		return
	}
	ok, fresh := s.readForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := newForm(r, "email")
	email, password, next := f.Get("email"), r.PostForm.Get("password"), r.PostForm.Get("next")
	if !fresh {
		f.Fail("email", msgFormExpired)
		s.showSignIn(w, r, http.StatusForbidden, f, next)
		return
	}
	if email == "" {
		f.Fail("email", "Enter your email address")
	}
	if password == "" {
		f.Fail("password", "Enter your password")
	}
	if !f.OK() {
		s.showSignIn(w, r, http.StatusOK, f, next)
		return
	}
	source := sourceAddress(r)
	slots, err := s.limitAll(ctx, signInAccount(email), limitPair{ruleSignInSource, source})
	if errors.Is(err, errLimited) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "sign-in refused: limited", slog.String("source", source))
		f.Fail("email", msgSignInLimited)
		s.showSignIn(w, r, http.StatusTooManyRequests, f, next)
		return
	}
	if err != nil {
		s.failed(w, r, "sign-in limit", err)
		return
	}
	// From here the attempt counts unless the password is right: an error while
	// checking it is no free guess.
	var u tenants.User
	if len(email) > maxEmailLen || len(password) > maxPasswordLen {
		err = tenants.ErrInvalidCredentials
	} else {
		u, err = s.cfg.Store.Authenticate(ctx, email, password)
	}
	if errors.Is(err, tenants.ErrInvalidCredentials) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "sign-in failed", slog.String("source", source))
		f.Fail("email", msgBadCredentials)
		s.showSignIn(w, r, http.StatusOK, f, next)
		return
	}
	if err != nil {
		s.failed(w, r, "sign-in", err)
		return
	}
	s.unlimit(ctx, slots...)
	if err := s.startSession(w, r, u); err != nil {
		s.failed(w, r, "sign-in", err)
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "signed in", slog.String("tenant", u.TenantID), slog.String("user", u.ID))
	http.Redirect(w, r, s.path(safeNext(next)), http.StatusSeeOther)
}

func (s *Server) showSignIn(w http.ResponseWriter, r *http.Request, status int, f *Form, next string) {
	s.renderForm(w, r, status, "signin", Page{Title: "Sign in", Form: f, Data: nextData{safeNext(next)}})
}

// handleSignOut ends the session, clears its cookie and says so.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.endSession(r.Context(), v.Session); err != nil {
		s.failed(w, r, "sign out", err)
		return
	}
	http.SetCookie(w, s.sessionCookie("", -1))
	s.message(w, signedOut(r), http.StatusOK, "You have signed out", "You are no longer signed in to the easytocloud console on this device.")
}

// endSession deletes one session (sign-out). Unlike deleteSession it reports a
// failure: a session that is still stored must not be shown as ended.
func (s *Server) endSession(ctx context.Context, sess Session) error {
	_, err := s.cfg.Table.Delete(ctx, &dynamodb.DeleteItemInput{Key: table.Key(sessionPK(sess.TenantID, sess.UserID), sess.hash)})
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// signedOut returns r without its visit, so that a page rendered for it shows no
// navigation of the session that just ended.
func signedOut(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), visitKey{}, (*visit)(nil)))
}

// handleReauth asks for the signed-in person's password again (GET) and records it
// (POST), then goes on to next (safeNext). Each try counts against the account's
// sign-in limit, as a sign-in does.
func (s *Server) handleReauth(w http.ResponseWriter, r *http.Request, v *visit) {
	page := func(status int, f *Form, next string) {
		s.render(w, r, status, "reauth", Page{Title: "Confirm your password", Form: f, Data: nextData{safeNext(next)}})
	}
	if r.Method != http.MethodPost {
		page(http.StatusOK, &Form{}, r.URL.Query().Get("next"))
		return
	}
	ctx := r.Context()
	f := &Form{Values: map[string]string{}}
	password, next := r.PostForm.Get("password"), r.PostForm.Get("next")
	if password == "" {
		f.Fail("password", "Enter your password")
		page(http.StatusOK, f, next)
		return
	}
	slots, err := s.limitAll(ctx, signInAccount(v.User.Email))
	if errors.Is(err, errLimited) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "re-authentication refused: limited", slog.String("tenant", v.User.TenantID), slog.String("user", v.User.ID))
		f.Fail("password", msgSignInLimited)
		page(http.StatusTooManyRequests, f, next)
		return
	}
	if err != nil {
		s.failed(w, r, "re-authentication limit", err)
		return
	}
	var u tenants.User
	if len(password) > maxPasswordLen {
		err = tenants.ErrInvalidCredentials
	} else {
		u, err = s.cfg.Store.Authenticate(ctx, v.User.Email, password)
	}
	if err == nil && (u.ID != v.User.ID || u.TenantID != v.User.TenantID) {
		err = tenants.ErrInvalidCredentials
	}
	if errors.Is(err, tenants.ErrInvalidCredentials) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "re-authentication failed", slog.String("tenant", v.User.TenantID), slog.String("user", v.User.ID))
		f.Fail("password", msgBadPassword)
		page(http.StatusOK, f, next)
		return
	}
	if err != nil {
		s.failed(w, r, "re-authentication", err)
		return
	}
	s.unlimit(ctx, slots...)
	if err := s.confirmPassword(ctx, v.Session); err != nil {
		s.failed(w, r, "re-authentication", err)
		return
	}
	http.Redirect(w, r, s.path(safeNext(next)), http.StatusSeeOther)
}

// overviewData is what the overview says of the organisation and the person.
type overviewData struct {
	Connected bool
	AccountID string
	// MFA is the second-factor policy in words; Elevation how long it lets people
	// change things.
	MFA, Elevation string
	Admin          bool
}

// handleOverview shows the organisation, whether its AWS account is connected (with
// the way to connect it, for an admin), its second-factor policy and the person's
// role.
func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request, v *visit) {
	t := v.Tenant
	d := overviewData{Connected: t.Connected(), AccountID: t.AccountID(), Admin: v.User.IsAdmin()}
	switch t.MFA.Kind {
	case tenants.MFAToken:
		d.MFA = "A code from your organisation's MFA device (a hardware or virtual token)"
	default:
		d.MFA = "A code sent by text message to each person's phone"
	}
	mins := int(t.MFA.ElevationWindow().Minutes())
	d.Elevation = fmt.Sprintf("After a right code, Alexa may change things for %d minutes.", mins)
	if mins == 1 {
		d.Elevation = "After a right code, Alexa may change things for 1 minute."
	}
	s.render(w, r, http.StatusOK, "overview", Page{Title: t.Name, Data: d})
}
