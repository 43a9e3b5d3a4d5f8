package skill

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

// newLinkSMS is newLinkText as the user reads it.
var newLinkSMS = regexp.MustCompile(`^easytocloud: a new Alexa account was linked to your easytocloud account on \d{4}-\d\d-\d\d \d\d:\d\d UTC\. If this was not you, change your password\.$`)

// from makes env come from the Alexa account alexaUser.
func from(env *alexa.RequestEnvelope, alexaUser string) *alexa.RequestEnvelope {
	env.Context.System.User.UserID = alexaUser
	env.Session.User.UserID = alexaUser
	return env
}

// TestNewAlexaAccountTold: the user is texted once for each Alexa account that speaks
// for them for the first time (on SkillAccountLinked, or on its first request), and
// the table lists the accounts. Against the emulator's table and SNS.
func TestNewAlexaAccountTold(t *testing.T) {
	s := newStack(t)
	s.h.Links = s.store
	s.h.SNS = sns.NewFromConfig(awstest.Config(t))
	account := awstest.NewAccountID(t)
	phone := "+1555" + account[len(account)-7:]
	s.leak.Phone(phone)
	ctx := context.Background()
	tn, err := s.store.CreateTenant(ctx, tenants.Tenant{Name: "Links", RoleARN: "arn:aws:iam::" + account + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.store.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "links-" + account + "@example.com", Phone: phone}, stackPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	token, err := accesstoken.Mint(ctx, s.signer, accesstoken.Claims{Issuer: testIssuer, Audience: testSkillID, Subject: u.ID,
		TenantID: tn.ID, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s.leak.Secret("access token", token)
	const kitchen, office = "amzn1.ask.account.KITCHEN", "amzn1.ask.account.OFFICE"
	texts := func(want int, after string) {
		t.Helper()
		msgs := awstest.SMSTo(t, phone)
		if len(msgs) != want {
			t.Fatalf("after %s: %d SMS, want %d: %+v", after, len(msgs), want, msgs)
		}
		for _, m := range msgs {
			if !newLinkSMS.MatchString(m.Text) {
				t.Errorf("SMS %q is not the new-link notice", m.Text)
			}
		}
	}

	linked := from(mustDecode(t, "skill_account_linked.json"), kitchen)
	linked.Context.System.Application.ApplicationID = testSkillID
	linked.Context.System.User.AccessToken, linked.Request.Body.AccessToken = token, token
	if _, err := s.h.Handle(ctx, linked); err != nil {
		t.Fatal(err)
	}
	texts(1, "SkillAccountLinked")
	d := s.device(t, token)
	if r := d.send(from(d.envelope(alexa.Request{Type: alexa.LaunchRequestType}), kitchen)); !strings.Contains(speech(r), "Welcome") {
		t.Fatalf("launch: %q", speech(r))
	}
	texts(1, "a request from the same Alexa account")
	// Another function instance (its own caches) knows the account from the table.
	cold := &Handler{SkillID: s.h.SkillID, Tokens: s.h.Tokens, Directory: s.h.Directory, Access: s.h.Access, MFA: s.h.MFA,
		AWS: s.h.AWS, Log: s.h.Log, Links: s.h.Links, SNS: s.h.SNS}
	d2 := newDevice(t, cold, token)
	d2.send(from(d2.envelope(alexa.Request{Type: alexa.LaunchRequestType}), kitchen))
	texts(1, "a request from the same Alexa account to another instance")
	for range 2 {
		d := s.device(t, token)
		d.send(from(d.envelope(alexa.Request{Type: alexa.LaunchRequestType}), office))
	}
	texts(2, "two requests from a second Alexa account")

	links, err := s.store.AlexaLinks(ctx, tn.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range links {
		ids = append(ids, l.ID)
	}
	if diff := cmp.Diff([]string{tenants.AlexaLinkID(kitchen), tenants.AlexaLinkID(office)}, ids); diff != "" {
		t.Errorf("the user's Alexa accounts (-want +got):\n%s", diff)
	}
	if n := len(s.logs.lines(t, "new Alexa account for the user; told them by SMS")); n != 2 {
		t.Errorf("%d log lines say the user was told, want 2", n)
	}
}

// countingLinks is an AlexaLinks in memory that counts its writes.
type countingLinks struct {
	mu      sync.Mutex
	seen    map[string]bool
	touches int
	err     error
}

func (c *countingLinks) TouchAlexaLink(_ context.Context, tenantID, userID, alexaUserID, _ string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touches++
	if c.err != nil {
		return false, c.err
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	k := tenantID + "/" + userID + "/" + alexaUserID
	isNew := !c.seen[k]
	c.seen[k] = true
	return isNew, nil
}

// phoneDirectory gives alice a phone.
type phoneDirectory struct {
	*fakeDirectory
	phone string
}

func (d phoneDirectory) GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error) {
	u, err := d.fakeDirectory.GetUser(ctx, tenantID, userID)
	u.Phone = d.phone
	return u, err
}

// failingSNS refuses every message as SNS does, naming the phone in its message.
type failingSNS struct{ sent int }

func (f *failingSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.sent++
	return nil, &smithy.GenericAPIError{Code: "InvalidParameter", Message: "Invalid parameter: PhoneNumber Reason: " + *in.PhoneNumber}
}

// TestAlexaAccountRecordedHourly: a warm function records an Alexa account's use once
// per hour, not on every request, and each account separately.
func TestAlexaAccountRecordedHourly(t *testing.T) {
	h, _, _ := newFakeHandler(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	h.Now = func() time.Time { return now }
	links := &countingLinks{}
	h.Links = links
	launch := func(alexaUser string) {
		t.Helper()
		d := newDevice(t, h, "good")
		if r := d.send(from(d.envelope(alexa.Request{Type: alexa.LaunchRequestType}), alexaUser)); !strings.Contains(speech(r), "Welcome") {
			t.Fatalf("launch: %q", speech(r))
		}
	}
	for range 5 {
		launch("amzn1.ask.account.A")
		now = now.Add(10 * time.Minute)
	}
	if links.touches != 1 {
		t.Errorf("5 requests within the hour wrote the Alexa account's use %d times, want 1", links.touches)
	}
	now = now.Add(11 * time.Minute)
	launch("amzn1.ask.account.A")
	launch("amzn1.ask.account.B")
	if links.touches != 3 {
		t.Errorf("after the hour and from a second account: %d writes, want 3", links.touches)
	}
}

// TestNewAlexaAccountNoticeFailures: an SMS that SNS refuses, a failed record, or a
// user without a phone never fail the request; the log names no phone number.
func TestNewAlexaAccountNoticeFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		phone   string
		linkErr error
		sent    int
		log     string
	}{
		{"SNSRefuses", "+15550109999", nil, 1, "new Alexa account for the user; the SMS telling them failed"},
		{"RecordFails", "+15550109999", errors.New("table unavailable"), 0, "recording the Alexa account failed"},
		{"NoPhone", "", nil, 0, "new Alexa account for the user; no phone to tell them on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _, logs := newFakeHandler(t)
			h.Directory = phoneDirectory{h.Directory.(*fakeDirectory), tc.phone}
			h.Links = &countingLinks{err: tc.linkErr}
			texts := &failingSNS{}
			h.SNS = texts
			d := newDevice(t, h, "good")
			if r := d.send(from(d.envelope(alexa.Request{Type: alexa.LaunchRequestType}), "amzn1.ask.account.NEW")); !strings.Contains(speech(r), "Welcome") {
				t.Fatalf("launch: %q", speech(r))
			}
			if texts.sent != tc.sent {
				t.Errorf("%d SMS sent, want %d", texts.sent, tc.sent)
			}
			if len(logs.lines(t, tc.log)) != 1 {
				t.Errorf("no log line %q in:\n%s", tc.log, logs.String())
			}
			if tc.phone != "" && strings.Contains(logs.String(), tc.phone[1:]) {
				t.Errorf("the log names the phone number:\n%s", logs.String())
			}
			if tc.name == "SNSRefuses" && !strings.Contains(logs.String(), `"sns_error":"InvalidParameter"`) {
				t.Errorf("the log does not say why SNS refused:\n%s", logs.String())
			}
		})
	}
}
