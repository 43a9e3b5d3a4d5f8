package main

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/mfaapp"
	"github.com/easytocloud/easytocloud/internal/app/skillapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/oauth"
)

// TestPasswordChangeEndsAccessAtOnce: after `user set-password`, the access token the
// user linked with (issued by the authorization server, minutes of its hour left) is
// refused by the skill on the very next request, as an invalid token is (LinkAccount
// card), and the elevation the user had is gone. The skill is wired as the Lambda
// wires it (skillapp, oauth's revocation marks, the mfa service), on the CLI's table.
func TestPasswordChangeEndsAccessAtOnce(t *testing.T) {
	c := newAWSCLI(t)
	tid, _ := c.createTenant("", "--name", "Acme", "--role-arn", cliRoleARN, "--mfa", "sms")
	account := awstest.NewAccountID(t)
	phone := "+1555" + account[len(account)-7:]
	c.ok(cliPassword+"\n", "user", "add", "--tenant", tid, "--email", "ada@example.com", "--phone", phone, "--password-stdin")
	ada, err := c.store().UserByEmail(ctx(t), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	l := newLinkServer(t, c)
	l.leak.Phone(phone)
	access, err := linkAccount(ctx(t), l.config("ada@example.com", cliPassword), &http.Client{})
	if err != nil {
		t.Fatalf("link: %v", err)
	}
	l.leak.Secret("access token", access)

	const skillID = "amzn1.ask.skill.dialog"
	conf := app.Config{Table: c.vars[envTable], SecretsKeyID: c.vars[envSecretsKey], Issuer: l.issuer, SkillID: skillID}
	clients := app.NewAWS(awstest.Config(t))
	second := mfaapp.NewService(conf, clients, l.leak.Logger())
	h := skillapp.NewHandler(conf, clients, skillapp.Parts{Keys: l.signer, MFA: second,
		Revoker: oauth.NewTokens(app.NewTable(conf, clients), nil)}, l.leak.Logger())
	launch := func() *alexa.ResponseEnvelope {
		t.Helper()
		app := alexa.Application{ApplicationID: skillID}
		user := alexa.User{UserID: "amzn1.ask.account.ADA", AccessToken: access}
		resp, err := h.Handle(context.Background(), &alexa.RequestEnvelope{Version: "1.0",
			Session: alexa.Session{New: true, SessionID: "s", Application: app, User: user},
			Context: alexa.Context{System: alexa.System{Application: app, User: user}},
			Request: alexa.Request{Type: alexa.LaunchRequestType, RequestID: "r", Locale: "en-US", Timestamp: time.Now().UTC().Format(time.RFC3339)}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	linkCard := func(r *alexa.ResponseEnvelope) bool {
		return r.Response.Card != nil && r.Response.Card.Type == alexa.CardLinkAccount
	}
	if r := launch(); linkCard(r) {
		t.Fatalf("before the password change the linked token is refused: %+v", r.Response)
	}
	echo := mfa.NewOrigin("amzn1.ask.account.ADA", "amzn1.ask.device.KITCHEN", "")
	if _, err := second.Challenge(ctx(t), tid, ada.ID, echo); err != nil {
		t.Fatal(err)
	}
	msgs := awstest.SMSTo(t, phone)
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[len(msgs)-1].Text)
	l.leak.Secret("otp", code)
	if _, err := second.Verify(ctx(t), tid, ada.ID, echo, code); err != nil {
		t.Fatalf("elevate: %v", err)
	}

	c.ok("a brand new password\n", "user", "set-password", "ada@example.com", "--password-stdin")
	if r := launch(); !linkCard(r) {
		t.Errorf("after the password change the old access token still works: %+v", r.Response.OutputSpeech)
	}
	if el, err := second.Elevation(ctx(t), tid, ada.ID, echo); !errors.Is(err, mfa.ErrNotElevated) {
		t.Errorf("after the password change the elevation is %+v, %v; want ErrNotElevated", el, err)
	}
}
