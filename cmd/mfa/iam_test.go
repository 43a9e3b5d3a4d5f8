package main

import (
	"context"
	"log/slog"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestIAMActionsAreWhatTheCodeCalls runs every operation of the wired service (SMS and
// token, right and wrong codes, elevation, lock) against the emulator and compares the
// actions its requests name with app.MFA.IAMActions, which terraform grants.
func TestIAMActionsAreWhatTheCodeCalls(t *testing.T) {
	ctx := context.Background()
	base := awstest.Config(t)
	tableName, keyID := awstest.Table(t), awstest.SecretsKey(t)
	admin := dynamo.NewStore(table.New(dynamodb.NewFromConfig(base), tableName), kms.NewFromConfig(base), keyID)
	admin.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	account := awstest.NewAccountID(t)
	const verifierKey, verifierSecret = "AKIAIAMTESTVERIFIER1", "wJalrXUtnFEMIK7MDENGbPxRfiCYIAMTESTSECRET"

	smsTenant, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "sms", RoleARN: "arn:aws:iam::" + account + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		t.Fatal(err)
	}
	const phone = "+15550199001"
	smsUser, err := admin.CreateUser(ctx, tenants.User{TenantID: smsTenant.ID, Email: "sms@example.com", Phone: phone}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	tokAccount := awstest.NewAccountID(t) // one tenant per AWS account
	tokTenant, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "token", RoleARN: "arn:aws:iam::" + tokAccount + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFAToken, Serial: "arn:aws:iam::" + tokAccount + ":mfa/verifier", VerifierKeyID: verifierKey}}, verifierSecret)
	if err != nil {
		t.Fatal(err)
	}
	tokUser, err := admin.CreateUser(ctx, tenants.User{TenantID: tokTenant.ID, Email: "token@example.com"}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}

	rec := awstest.RecordCalls(nil)
	cfg := base.Copy()
	cfg.HTTPClient = rec.Client()
	svc := newService(app.Config{Table: tableName, SecretsKeyID: keyID}, cfg, slog.New(slog.DiscardHandler))
	origin := mfa.NewOrigin("amzn1.ask.account.IAMTEST", "amzn1.ask.device.IAMTEST", "")

	if _, err := svc.Challenge(ctx, smsTenant.ID, smsUser.ID, origin); err != nil {
		t.Fatalf("challenge: %v", err)
	}
	msgs := awstest.SMSTo(t, phone)
	if len(msgs) != 1 {
		t.Fatalf("%d messages to %s, want 1", len(msgs), phone)
	}
	code := regexp.MustCompile(`code is (\d{6})`).FindStringSubmatch(msgs[0].Text)[1]
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if _, err := svc.Verify(ctx, smsTenant.ID, smsUser.ID, origin, wrong); err == nil {
		t.Fatal("a wrong code verified")
	}
	if _, err := svc.Verify(ctx, smsTenant.ID, smsUser.ID, origin, code); err != nil {
		t.Fatalf("verify the sent code: %v", err)
	}
	if _, err := svc.Elevation(ctx, smsTenant.ID, smsUser.ID, origin); err != nil {
		t.Fatalf("elevation: %v", err)
	}
	if err := svc.Lock(ctx, smsTenant.ID, smsUser.ID); err != nil {
		t.Fatalf("lock: %v", err)
	}
	if _, err := svc.Challenge(ctx, tokTenant.ID, tokUser.ID, origin); err != nil {
		t.Fatalf("token challenge: %v", err)
	}
	if _, err := svc.Verify(ctx, tokTenant.ID, tokUser.ID, origin, "123456"); err != nil {
		t.Fatalf("token verify: %v", err)
	}

	// awstest.Config's key stands for the function's role.
	if diff := cmp.Diff(app.MFA.IAMActions, rec.Actions(awstest.DefaultAccessKeyID)); diff != "" {
		t.Errorf("app.MFA.IAMActions differ from the actions the code called with the role (-declared +called):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sts:GetSessionToken"}, rec.Actions(verifierKey)); diff != "" {
		t.Errorf("calls signed with the verifier's key (-want +got):\n%s", diff)
	}
	if keys := rec.Keys(); len(keys) != 2 {
		t.Errorf("requests were signed with the keys %v, want the role's and the verifier's", keys)
	}
}
