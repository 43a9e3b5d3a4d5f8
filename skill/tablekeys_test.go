package skill_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/mfaapp"
	"github.com/easytocloud/easytocloud/internal/app/skillapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// notYetCalled are grants app.Skill.Table declares that these requests do not reach
// (none: the Lambda function keeps no replay guard, only Alexa may invoke it).
// CheckTableKeys fails once one is used; then it comes off this list.
var notYetCalled []awstest.KeyGrant

// TestSkillReachesOnlyItsOwnKeys runs the skill as its Lambda function is wired
// (skillapp with LambdaParts, on a table client that records every key, the second
// factor behind the real mfa API on a client of its own) through a launch, a read, a
// start behind an SMS code (recorded in the user's activity) and SkillDisabled. Every key a request reaches must be one
// of the prefixes app.Skill.Table declares for that action (which terraform/iam.tf
// grants, and no more); every declared grant must be used but those of notYetCalled.
func TestSkillReachesOnlyItsOwnKeys(t *testing.T) {
	ctx := context.Background()
	logs := leakcheck.New(t)
	cfg := awstest.Config(t)
	tableName, secretsKey, signingKey := awstest.Table(t), awstest.SecretsKey(t), awstest.SigningKey(t)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	// The operator's CLI: the tenant and its user (not the function's calls).
	admin := dynamo.NewStore(table.New(db, tableName), keys, secretsKey)
	admin.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	accountID := awstest.NewAccountID(t)
	acct := awstest.AccountConfig(t, accountID)
	awstest.SeedInstance(t, acct, "eu-west-1", "splunk", "stopped")
	tn, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "keys", RoleARN: "arn:aws:iam::" + accountID + ":role/easytocloud",
		Regions: []string{"eu-west-1"}, MFA: tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: 10 * time.Minute}}, "")
	if err != nil {
		t.Fatal(err)
	}
	const phone = "+15550199088"
	logs.Phone(phone)
	u, err := admin.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "skill-keys@example.com", Phone: phone}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	const skillID, issuer = "amzn1.ask.skill.keys-test", "https://auth.example"
	now := time.Now()
	token, err := accesstoken.Mint(ctx, accesstoken.NewKMSSigner(keys, signingKey), accesstoken.Claims{
		Issuer: issuer, Audience: skillID, Subject: u.ID, TenantID: tn.ID, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	logs.Secret("access token", token)
	// A refresh token of the user as oauth stores it, for SkillDisabled to revoke.
	refresh := map[string]dbtypes.AttributeValue{
		table.PartitionKey: table.S("OAUTHREFRESH#keys-test"), table.SortKey: table.S("#REFRESH"),
		table.GSIPartitionKey: table.S("OAUTHUSER#" + tn.ID + "#" + u.ID), table.GSISortKey: table.S("keys-test"),
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &tableName, Item: refresh}); err != nil {
		t.Fatal(err)
	}
	// The mfa function: its own table client, not recorded here (mfa's own test records it).
	mfaAWS := app.AWS{Config: cfg, DB: db, KMS: keys, SNS: sns.NewFromConfig(cfg)}
	api := httptest.NewServer(mfaapp.NewHandler(mfaapp.NewService(app.Config{Table: tableName, SecretsKeyID: secretsKey}, mfaAWS, logs.Logger())))
	t.Cleanup(api.Close)

	rec := awstest.RecordTableKeys(db)
	c := app.Config{Table: tableName, SkillID: skillID, Issuer: issuer, SigningKeyID: signingKey, MFAURL: api.URL}
	a := app.AWS{Config: cfg, DB: rec, KMS: keys, STS: sts.NewFromConfig(cfg)}
	parts := skillapp.LambdaParts(c, a, http.DefaultClient)
	parts.Progress = nil // the Alexa API is not the table
	h := skillapp.NewHandler(c, a, parts, logs.Logger())

	session := map[string]any{}
	say := func(typ, intent string, slots map[string]string, status string) string {
		t.Helper()
		user := alexa.User{UserID: "amzn1.ask.account.KEYS", AccessToken: token}
		env := &alexa.RequestEnvelope{Version: "1.0",
			Session: alexa.Session{SessionID: "s", Attributes: session, Application: alexa.Application{ApplicationID: skillID}, User: user},
			Context: alexa.Context{System: alexa.System{Application: alexa.Application{ApplicationID: skillID}, User: user,
				Device: alexa.Device{DeviceID: "amzn1.ask.device.KEYS"}}},
			Request: alexa.Request{Type: typ, RequestID: "r-" + intent, Locale: "en-US", Timestamp: time.Now().UTC().Format(time.RFC3339)},
		}
		if typ == alexa.IntentRequestType {
			env.Request.Intent = &alexa.RequestIntent{Name: intent, ConfirmationStatus: status, Slots: map[string]alexa.RequestSlot{}}
			for k, v := range slots {
				env.Request.Intent.Slots[k] = alexa.RequestSlot{Name: k, Value: v, ConfirmationStatus: alexa.ConfirmationNone}
			}
		}
		resp, err := h.Handle(ctx, env)
		if err != nil {
			t.Fatalf("%s %s: %v", typ, intent, err)
		}
		b, _ := json.Marshal(resp)
		var out alexa.ResponseEnvelope
		_ = json.Unmarshal(b, &out)
		session = out.SessionAttributes
		if out.Response.OutputSpeech == nil {
			return ""
		}
		return strings.ReplaceAll(out.Response.OutputSpeech.SSML, "&apos;", "'")
	}
	steps := []struct {
		typ, intent string
		slots       map[string]string
		status      string
		want        string
	}{
		{alexa.LaunchRequestType, "", nil, "", ""},
		{alexa.IntentRequestType, "ListInstancesIntent", nil, "", "splunk, stopped"},
		{alexa.IntentRequestType, "StartInstanceIntent", map[string]string{"instance": "splunk"}, "", "You need to authenticate."},
		{alexa.IntentRequestType, "AuthenticateIntent", map[string]string{"method": "text"}, "", "sent the code"},
		{alexa.IntentRequestType, "AuthenticateIntent", map[string]string{"code": "CODE"}, "", "Access granted."},
		{alexa.IntentRequestType, "StartInstanceIntent", map[string]string{"instance": "splunk"}, alexa.ConfirmationConfirmed, "I have started splunk."},
		{alexa.SkillDisabledType, "", nil, "", ""},
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
		if got := say(s.typ, s.intent, s.slots, s.status); !strings.Contains(got, s.want) {
			t.Errorf("%s %s %v: %q, want it to contain %q", s.typ, s.intent, s.slots, got, s.want)
		}
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &tableName,
		Key: map[string]dbtypes.AttributeValue{table.PartitionKey: refresh[table.PartitionKey], table.SortKey: refresh[table.SortKey]}})
	if err != nil || len(got.Item) != 0 {
		t.Errorf("after SkillDisabled the refresh token is still there (%v)", err)
	}

	// The start is in the user's activity (ACTIVITY#, the skill's one PutItem there).
	if acts, err := admin.Activity(ctx, tn.ID, u.ID, 10); err != nil || len(acts) != 1 || acts[0].Action != "start" || acts[0].Target != "splunk" || acts[0].Outcome != "done" {
		t.Errorf("the user's activity after the start: %+v, %v", acts, err)
	}

	used := awstest.CheckTableKeys(t, rec, tableGrants(app.Skill), notYetCalled)
	t.Logf("%d table requests reached %d declared grants of %d prefixes", len(rec.Accesses()), len(used), len(app.Skill.Table))
}

// tableGrants lists what fn.Table declares, one grant per action.
func tableGrants(fn app.Function) []awstest.KeyGrant {
	var out []awstest.KeyGrant
	for _, a := range fn.Table {
		for _, act := range a.Actions {
			out = append(out, awstest.KeyGrant{Action: act, Index: a.Index, Prefix: a.Prefix})
		}
	}
	return out
}
