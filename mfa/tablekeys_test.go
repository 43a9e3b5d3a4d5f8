package mfa_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/mfaapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestMFAReachesOnlyItsOwnKeys runs the mfa API as its Lambda function is wired
// (mfaapp, on a table client that records every key), called as the skill calls it:
// an SMS challenge, a wrong and the right code, the elevation read and ended, and a
// token code. Every key a request reaches must be one of the prefixes app.MFA.Table
// declares for that action (which terraform/iam.tf grants, and no more), and every
// declared grant must be used.
func TestMFAReachesOnlyItsOwnKeys(t *testing.T) {
	ctx := context.Background()
	cfg := awstest.Config(t)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName, keyID := awstest.Table(t), awstest.SecretsKey(t)
	// The operator's CLI: tenants and users (not the function's calls).
	admin := dynamo.NewStore(table.New(db, tableName), keys, keyID)
	admin.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	account := awstest.NewAccountID(t)
	smsTenant, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "sms", RoleARN: "arn:aws:iam::" + account + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		t.Fatal(err)
	}
	const phone = "+15550199044"
	smsUser, err := admin.CreateUser(ctx, tenants.User{TenantID: smsTenant.ID, Email: "sms-keys@example.com", Phone: phone}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	tokAccount := awstest.NewAccountID(t) // one tenant per AWS account
	tokTenant, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "token", RoleARN: "arn:aws:iam::" + tokAccount + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFAToken, Serial: "arn:aws:iam::" + tokAccount + ":mfa/verifier", VerifierKeyID: "AKIAKEYSTESTVERIFIER"}},
		"wJalrXUtnFEMIK7MDENGbPxRfiCYKEYSTESTSECRET")
	if err != nil {
		t.Fatal(err)
	}
	tokUser, err := admin.CreateUser(ctx, tenants.User{TenantID: tokTenant.ID, Email: "token-keys@example.com"}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}

	rec := awstest.RecordTableKeys(db)
	a := app.AWS{Config: cfg, DB: rec, KMS: keys, SNS: sns.NewFromConfig(cfg)}
	api := httptest.NewServer(mfaapp.NewHandler(mfaapp.NewService(app.Config{Table: tableName, SecretsKeyID: keyID}, a, slog.New(slog.DiscardHandler))))
	t.Cleanup(api.Close)
	c := mfa.NewClient(api.URL, http.DefaultClient, cfg.Credentials, cfg.Region)
	origin := mfa.NewOrigin("amzn1.ask.account.TABLEKEYS", "amzn1.ask.device.TABLEKEYS", "")

	if _, err := c.Challenge(ctx, smsTenant.ID, smsUser.ID, origin); err != nil {
		t.Fatalf("challenge: %v", err)
	}
	msgs := awstest.SMSTo(t, phone)
	if len(msgs) != 1 {
		t.Fatalf("%d messages to %s, want 1", len(msgs), phone)
	}
	code := regexp.MustCompile(`\d{6}`).FindString(msgs[0].Text)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	var codeErr *mfa.CodeError
	if _, err := c.Verify(ctx, smsTenant.ID, smsUser.ID, origin, wrong); !errors.As(err, &codeErr) {
		t.Fatalf("a wrong code: %v, want a CodeError", err)
	}
	if _, err := c.Verify(ctx, smsTenant.ID, smsUser.ID, origin, code); err != nil {
		t.Fatalf("verify the sent code: %v", err)
	}
	if _, err := c.Elevation(ctx, smsTenant.ID, smsUser.ID, origin); err != nil {
		t.Fatalf("elevation: %v", err)
	}
	if err := c.Lock(ctx, smsTenant.ID, smsUser.ID); err != nil {
		t.Fatalf("lock: %v", err)
	}
	if _, err := c.Elevation(ctx, smsTenant.ID, smsUser.ID, origin); !errors.Is(err, mfa.ErrNotElevated) {
		t.Fatalf("elevation after lock: %v, want ErrNotElevated", err)
	}
	if _, err := c.Challenge(ctx, tokTenant.ID, tokUser.ID, origin); err != nil {
		t.Fatalf("token challenge: %v", err)
	}
	if _, err := c.Verify(ctx, tokTenant.ID, tokUser.ID, origin, "123456"); err != nil {
		t.Fatalf("token verify: %v", err)
	}

	used := awstest.CheckTableKeys(t, rec, tableGrants(app.MFA), nil)
	t.Logf("%d table requests reached %d declared grants of %d prefixes", len(rec.Accesses()), len(used), len(app.MFA.Table))
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
