package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestIAMActionsAreWhatTheCodeCalls runs every request the wired skill handles
// (reads, a start and a confirmed stop behind an SMS code, lock, SkillDisabled)
// against the emulator and a real mfa API, and compares the actions its requests
// name with app.Skill.IAMActions (the function's role) and account.TenantIAMActions (the
// tenant's role). The skill's and the mfa API's logs must hold none of the secrets
// the requests carried (internal/leakcheck).
func TestIAMActionsAreWhatTheCodeCalls(t *testing.T) {
	ctx := context.Background()
	logs := leakcheck.New(t)
	base := awstest.Config(t)
	tableName, secretsKey, signingKey := awstest.Table(t), awstest.SecretsKey(t), awstest.SigningKey(t)
	db, keys := dynamodb.NewFromConfig(base), kms.NewFromConfig(base)
	admin := dynamo.NewStore(table.New(db, tableName), keys, secretsKey)
	admin.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	awstest.SeedStream(t, acct, "eu-west-1", "clickstream", 2)
	awstest.WarmRegions(t, acct)
	tn, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "iam", RoleARN: "arn:aws:iam::" + accountID + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: 10 * time.Minute}}, "")
	if err != nil {
		t.Fatal(err)
	}
	const phone, password = "+15550199077", "correct horse battery"
	logs.Phone(phone)
	logs.Secret("password", password)
	u, err := admin.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "iam@example.com", Phone: phone}, password)
	if err != nil {
		t.Fatal(err)
	}
	const skillID, issuer = "amzn1.ask.skill.iam-test", "https://auth.example"
	now := time.Now()
	token, err := accesstoken.Mint(ctx, accesstoken.NewKMSSigner(keys, signingKey), accesstoken.Claims{
		Issuer: issuer, Audience: skillID, Subject: u.ID, TenantID: tn.ID, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	logs.Secret("access token", token)
	// A refresh token of the user, as oauth stores it (key layout of contracts.md),
	// for SkillDisabled to revoke.
	refresh := map[string]dbtypes.AttributeValue{
		table.PartitionKey:    &dbtypes.AttributeValueMemberS{Value: "OAUTHREFRESH#iam-test"},
		table.SortKey:         &dbtypes.AttributeValueMemberS{Value: "#REFRESH"},
		table.GSIPartitionKey: &dbtypes.AttributeValueMemberS{Value: "OAUTHUSER#" + tn.ID + "#" + u.ID},
		table.GSISortKey:      &dbtypes.AttributeValueMemberS{Value: "iam-test"},
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &tableName, Item: refresh}); err != nil {
		t.Fatal(err)
	}
	// The mfa API, served from the real handler and service (its own calls are not
	// the skill's and are not recorded).
	svc := mfa.NewService(admin, dynamo.NewKeyring(table.New(db, tableName), keys, secretsKey), table.New(db, tableName), sns.NewFromConfig(base), mfa.NewSTSFactory(base))
	svc.Log = logs.Logger()
	api := httptest.NewServer(mfa.NewHandler(svc))
	t.Cleanup(api.Close)

	rec := awstest.RecordCalls(nil)
	cfg := base.Copy()
	cfg.HTTPClient = rec.Client()
	c := app.Config{Table: tableName, SkillID: skillID, Issuer: issuer, SigningKeyID: signingKey, MFAURL: api.URL}
	h := newHandler(c, cfg, rec.Client(), logs.Logger())
	h.Progress = nil // the Alexa API is not AWS

	session := map[string]any{}
	say := func(intent string, slots map[string]string, status string) string {
		t.Helper()
		env := &alexa.RequestEnvelope{Version: "1.0",
			Session: alexa.Session{SessionID: "s", Attributes: session, Application: alexa.Application{ApplicationID: skillID},
				User: alexa.User{UserID: "amzn1.ask.account.IAM", AccessToken: token}},
			Context: alexa.Context{System: alexa.System{Application: alexa.Application{ApplicationID: skillID},
				User:   alexa.User{UserID: "amzn1.ask.account.IAM", AccessToken: token},
				Device: alexa.Device{DeviceID: "amzn1.ask.device.IAM"}}},
			Request: alexa.Request{Type: alexa.IntentRequestType, RequestID: "r", Locale: "en-US",
				Timestamp: time.Now().UTC().Format(time.RFC3339),
				Intent:    &alexa.RequestIntent{Name: intent, ConfirmationStatus: status, Slots: map[string]alexa.RequestSlot{}}},
		}
		for k, v := range slots {
			env.Request.Intent.Slots[k] = alexa.RequestSlot{Name: k, Value: v, ConfirmationStatus: alexa.ConfirmationNone}
		}
		if intent == "" {
			env.Request = alexa.Request{Type: alexa.SkillDisabledType, RequestID: "r", Timestamp: env.Request.Timestamp}
		}
		resp, err := h.Handle(ctx, env)
		if err != nil {
			t.Fatalf("%s: %v", intent, err)
		}
		b, _ := json.Marshal(resp)
		var out alexa.ResponseEnvelope
		_ = json.Unmarshal(b, &out)
		session = out.SessionAttributes
		if out.Response.OutputSpeech == nil {
			return ""
		}
		return out.Response.OutputSpeech.SSML
	}
	steps := []struct {
		intent string
		slots  map[string]string
		status string
		want   string
	}{
		{"ListInstancesIntent", nil, "", "splunk, stopped"},
		{"DescribeKinesisIntent", nil, "", "a two shard Kinesis stream"},
		{"StartInstanceIntent", map[string]string{"instance": "splunk"}, "", "You need to authenticate."},
		{"AuthenticateIntent", map[string]string{"method": "text"}, "", "sent the code"},
		{"AuthenticateIntent", map[string]string{"code": "CODE"}, "", "Access granted."},
		{"StartInstanceIntent", map[string]string{"instance": "splunk"}, alexa.ConfirmationConfirmed, "I have started splunk."},
		{"StopInstanceIntent", map[string]string{"instance": "splunk"}, alexa.ConfirmationConfirmed, "I have stopped splunk."},
		{"LockIntent", nil, "", "Done."},
		{"", nil, "", ""},
	}
	for _, s := range steps {
		if s.slots["code"] == "CODE" {
			msgs := awstest.SMSTo(t, phone)
			if len(msgs) == 0 {
				t.Fatal("no SMS was sent")
			}
			s.slots["code"] = regexp.MustCompile(`\d{6}`).FindString(msgs[len(msgs)-1].Text)
			logs.Secret("otp", s.slots["code"])
		}
		got := say(s.intent, s.slots, s.status)
		if !strings.Contains(strings.ReplaceAll(got, "&apos;", "'"), s.want) {
			t.Errorf("%s %v: %q, want it to contain %q", s.intent, s.slots, got, s.want)
		}
		logs.Scan(t, s.intent+"'s answer", got)
	}
	if n := strings.Count(logs.String(), "\n"); n < len(steps) {
		t.Errorf("%d log lines for %d requests: is the skill's log captured?", n, len(steps))
	}

	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &tableName, Key: map[string]dbtypes.AttributeValue{
		table.PartitionKey: refresh[table.PartitionKey], table.SortKey: refresh[table.SortKey]}})
	if err != nil || len(got.Item) != 0 {
		t.Errorf("after SkillDisabled the refresh token is still there (%v)", err)
	}

	// awstest.Config's key stands for the function's role; the tenant's role is
	// assumed with it.
	if diff := cmp.Diff(app.Skill.IAMActions, rec.Actions(awstest.DefaultAccessKeyID)); diff != "" {
		t.Errorf("app.Skill.IAMActions differ from the actions called with the function's role (-declared +called):\n%s", diff)
	}
	tenantWant := slices.Sorted(slices.Values(account.TenantIAMActions))
	if diff := cmp.Diff(tenantWant, rec.ActionsExcept(awstest.DefaultAccessKeyID)); diff != "" {
		t.Errorf("account.TenantIAMActions differ from the actions called with the tenant's role (-declared +called):\n%s", diff)
	}
}
