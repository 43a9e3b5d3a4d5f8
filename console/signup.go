package console

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/tenants"
)

// signUpLinkTTL is how long a sign-up's verification link works.
const signUpLinkTTL = 24 * time.Hour

// maxOrgLen is the longest organisation name, in characters (a tenant's name).
const maxOrgLen = 128

// msgSignUpLimited answers a sign-up over ruleSignUpSource or ruleSignUpAddress. It
// is the same whether or not the address has an account.
const msgSignUpLimited = "Too many sign-ups came from your network or for this email address in the last hour. Try again in an hour."

// signUpData is a pending sign-up, as its link holds it.
type signUpData struct {
	Org   string `json:"org"`
	Email string `json:"email"`
	// Hash is the argon2id hash of the chosen password (the password itself is never
	// stored). It is empty for a sign-up of an address that has an account: that
	// link is never mailed.
	Hash string `json:"hash,omitempty"`
	// CodeHash is the keyed hash of the invitation code the sign-up gave, whose use
	// the verification takes.
	CodeHash string `json:"code_hash,omitempty"`
}

// signUpPage is what the sign-up page needs besides the form.
type signUpPage struct{ Code bool }

// handleSignUp shows the sign-up form (GET) and takes it (POST). A valid sign-up is
// counted against the source and the address, its password hashed and its data
// stored under a single-use link; then one e-mail goes to the address: the link, or,
// when the address has an account already, a note saying so with the ways to sign
// in and to reset the password. Both answers show the same page after the same
// calls (one read of the address, one hash, one link stored, one e-mail), so
// neither the page, nor its status, nor its time tells whether the address has an
// account.
//
// An invitation code (SignUpCode) is checked here, so that a wrong one is a field
// error, but used up only by the verification, in the transaction that creates the
// organisation: a sign-up never verified takes no use, and two sign-ups racing for
// a code's last use cannot both get an organisation.
func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request) {
	codeMode := s.cfg.SignUp == SignUpCode
	show := func(status int, f *Form) {
		s.renderForm(w, r, status, "signup", Page{Title: "Sign up your organisation", Form: f, Data: signUpPage{Code: codeMode}})
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
	f := newForm(r, "org", "email", "code")
	org, email, code, password := f.Get("org"), f.Get("email"), f.Get("code"), r.PostForm.Get("password")
	if !fresh {
		f.Fail("org", msgFormExpired)
		show(http.StatusForbidden, f)
		return
	}
	checkOrg(f, "org", org)
	checkEmail(f, "email", email)
	if password == "" {
		f.Fail("password", "Enter a password")
	} else {
		checkNewPassword(f, "password", password, email, org)
	}
	if codeMode && code == "" {
		f.Fail("code", "Enter your invitation code")
	}
	if !f.OK() {
		show(http.StatusOK, f)
		return
	}
	source := sourceAddress(r)
	slots, err := s.limitAll(ctx, limitPair{ruleSignUpSource, source}, limitPair{ruleSignUpAddress, tenants.NormalEmail(email)})
	if errors.Is(err, errLimited) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "sign-up refused: limited", slog.String("source", source))
		f.Fail("email", msgSignUpLimited)
		show(http.StatusTooManyRequests, f)
		return
	}
	if err != nil {
		s.failed(w, r, "sign-up limit", err)
		return
	}
	d := signUpData{Org: org, Email: email}
	if codeMode {
		// A wrong code stays counted: the limits bound the guesses.
		d.CodeHash, err = s.checkSignUpCode(ctx, code)
		if errors.Is(err, errSignUpCodeGone) {
			f.Fail("code", "That invitation code is not right, has expired or has been used up. Check it, or ask the easytocloud operator for a new one")
			show(http.StatusOK, f)
			return
		}
		if err != nil {
			s.unlimit(ctx, slots...)
			s.failed(w, r, "sign-up", err)
			return
		}
	}
	hash, err := s.cfg.Store.HashPassword(password)
	if err != nil {
		s.unlimit(ctx, slots...)
		s.failed(w, r, "sign-up", err)
		return
	}
	_, err = s.cfg.Store.UserByEmail(ctx, email)
	taken := err == nil
	if err != nil && !errors.Is(err, tenants.ErrNotFound) {
		s.unlimit(ctx, slots...)
		s.failed(w, r, "sign-up", err)
		return
	}
	if !taken {
		d.Hash = hash
	}
	token, err := s.newLink(ctx, linkSignUp, d, signUpLinkTTL)
	if err != nil {
		s.unlimit(ctx, slots...)
		s.failed(w, r, "sign-up", err)
		return
	}
	if taken {
		err = s.sendMail(ctx, email, "You already have an easytocloud account", accountExistsMail(s))
	} else {
		err = s.sendMail(ctx, email, "Confirm your email address for easytocloud", verifyMail(s, token))
	}
	if err != nil {
		s.unlimit(ctx, slots...)
		s.failed(w, r, "sign-up mail", err)
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "sign-up mailed", slog.Bool("address_taken", taken))
	s.render(w, r, http.StatusOK, "signup-sent", Page{Title: "Check your email", Data: email})
}

// verifyMail is the e-mail with a sign-up's verification link. It repeats nothing
// the person typed but the address it goes to: a sign-up form that mails text of
// the sender's choosing to any address would be a spammer's tool.
func verifyMail(s *Server, token string) string {
	return "Someone, perhaps you, asked to sign up an organisation on easytocloud with this email address. " +
		"To confirm the address and create the organisation, open this link:\n\n" +
		s.link("/signup/verify", url.Values{"token": {token}}) + "\n\n" +
		"The link works once, within 24 hours."
}

// accountExistsMail is the e-mail a sign-up of an address with an account sends.
func accountExistsMail(s *Server) string {
	return "Someone, perhaps you, asked to sign up an organisation on easytocloud with this email address, " +
		"but the address already has an easytocloud account. An address can belong to one account only.\n\n" +
		"Sign in:\n" + s.link("/signin", nil) + "\n\n" +
		"Forgotten your password? Reset it:\n" + s.link("/reset", nil) + "\n\n" +
		"To sign up another organisation, use another email address."
}

// checkOrg records on f what is wrong with an organisation's name (newForm trimmed
// its spaces).
func checkOrg(f *Form, field, org string) {
	switch {
	case org == "":
		f.Fail(field, "Enter the name of your organisation")
	case utf8.RuneCountInString(org) > maxOrgLen:
		f.Fail(field, fmt.Sprintf("Enter a name of at most %d characters", maxOrgLen))
	case strings.ContainsFunc(org, unicode.IsControl) || !utf8.ValidString(org):
		f.Fail(field, "Enter a name without line breaks or other control characters")
	}
}

// checkEmail records on f what is wrong with an e-mail address (newForm trimmed its
// spaces), and reports whether it is a bare address the store takes.
func checkEmail(f *Form, field, email string) bool {
	switch {
	case email == "":
		f.Fail(field, "Enter your email address")
	// The store's own check of a user's address, on a user that passes the rest.
	case len(email) > maxEmailLen || tenants.ValidateUser(tenants.User{TenantID: "t-check", Email: email}) != nil:
		f.Fail(field, "Enter an email address in the correct format, like name@example.com")
	default:
		return true
	}
	return false
}

// verifyData is the verification page's state: the pending sign-up to confirm, or
// why there is none.
type verifyData struct {
	Token, Org, Email string
	// Gone: the link is unknown, expired or used. Taken: the address got an account
	// meanwhile. CodeGone: the invitation code was used up or expired meanwhile.
	Gone, Taken, CodeGone bool
}

// handleVerify shows the pending sign-up of a link with a button (GET: e-mail
// scanners fetch links, so a GET never uses one) and creates it (POST): the
// organisation, its first admin, the link's use and the invitation code's use in
// one transaction, so that either all land or nothing is written. Then the new admin
// is signed in and sent to connect the AWS account.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page := func(status int, f *Form, d verifyData) {
		p := Page{Title: "Confirm your email address", Form: f, Data: d}
		switch {
		case d.Gone:
			p.Title = "This link has expired or has already been used"
		case d.Taken:
			p.Title = "This email address already has an account"
		case d.CodeGone:
			p.Title = "The invitation code has been used up"
		default:
			s.renderForm(w, r, status, "verify", p)
			return
		}
		s.render(w, r, status, "verify", p)
	}
	token, fresh, ok := s.readLinkForm(w, r)
	if !ok {
		return
	}
	var d signUpData
	err := s.openLink(ctx, linkSignUp, token, &d)
	if errors.Is(err, errLinkGone) || (err == nil && d.Hash == "") {
		page(http.StatusGone, nil, verifyData{Gone: true})
		return
	}
	if err != nil {
		s.failed(w, r, "sign-up verification", err)
		return
	}
	shown := verifyData{Token: token, Org: d.Org, Email: d.Email}
	if r.Method != http.MethodPost {
		page(http.StatusOK, &Form{}, shown)
		return
	}
	if !fresh {
		f := &Form{}
		f.Fail("confirm", msgFormExpired)
		page(http.StatusForbidden, f, shown)
		return
	}
	use, err := s.useLinkItem(ctx, linkSignUp, token)
	if err != nil {
		s.failed(w, r, "sign-up verification", err)
		return
	}
	also := []types.TransactWriteItem{use}
	if d.CodeHash != "" {
		also = append(also, s.useSignUpCodeItem(d.CodeHash))
	}
	t, u, err := s.cfg.Store.CreateOrganisation(ctx,
		tenants.Tenant{Name: d.Org, MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}},
		tenants.User{Email: d.Email}, d.Hash, also...)
	if errors.Is(err, tenants.ErrEmailTaken) || errors.Is(err, tenants.ErrConflict) {
		// Nothing was written. Which condition failed, the link tells first: used
		// meanwhile (a second click), or still live while the address got an
		// account or the code's last use went to another sign-up.
		var again signUpData
		switch lerr := s.openLink(ctx, linkSignUp, token, &again); {
		case errors.Is(lerr, errLinkGone):
			page(http.StatusGone, nil, verifyData{Gone: true})
		case lerr == nil && errors.Is(err, tenants.ErrEmailTaken):
			page(http.StatusConflict, nil, verifyData{Email: d.Email, Taken: true})
		case lerr == nil && d.CodeHash != "":
			page(http.StatusConflict, nil, verifyData{CodeGone: true})
		default:
			s.failed(w, r, "sign-up verification", errors.Join(err, lerr))
		}
		return
	}
	if err != nil {
		s.failed(w, r, "sign-up verification", err)
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "signed up", slog.String("tenant", t.ID), slog.String("user", u.ID))
	if err := s.startSession(w, r, u); err != nil {
		// The organisation exists: signing in reaches it.
		s.log.LogAttrs(ctx, slog.LevelError, "sign-up session", slog.String("detail", err.Error()))
		http.Redirect(w, r, s.path("/signin")+"?next=%2Fconnect", http.StatusSeeOther)
		return
	}
	s.redirect(w, r, "/connect")
}
