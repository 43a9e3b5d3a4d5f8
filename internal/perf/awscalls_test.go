package perf

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// emulatorSkill is the skill wired as cmd/skill wires it (dynamo.Store, KMS-keyed
// token verifier, account.Access through STS, oauth.Tokens for the revocation mark
// every request reads), against the emulator, every AWS call
// recorded; a tenant in its own account with one instance in Ireland, and a user
// with an access token signed by the KMS signing key.
type emulatorSkill struct {
	h     *skill.Handler
	rec   *recorder
	token string
}

func newEmulatorSkill(tb testing.TB) *emulatorSkill {
	tb.Helper()
	ctx := context.Background()
	setup := awstest.Config(tb)
	tableName, signingKey := awstest.Table(tb), awstest.SigningKey(tb)
	accountID := awstest.NewAccountID(tb)
	awstest.SeedInstance(tb, awstest.AccountConfig(tb, accountID), "eu-west-1", "splunk", "running")
	seed := dynamo.NewStore(table.New(dynamodb.NewFromConfig(setup), tableName), kms.NewFromConfig(setup), awstest.SecretsKey(tb))
	seed.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	tn, err := seed.CreateTenant(ctx, tenants.Tenant{
		Name: "Perf", RoleARN: "arn:aws:iam::" + accountID + ":role/easytocloud", Regions: []string{"eu-west-1"},
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS},
	}, "")
	if err != nil {
		tb.Fatal(err)
	}
	u, err := seed.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: "perf-" + accountID + "@example.com", Phone: "+31612345678"}, "correct horse battery staple")
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	token, err := accesstoken.Mint(ctx, accesstoken.NewKMSSigner(kms.NewFromConfig(setup), signingKey), accesstoken.Claims{
		Issuer: issuer, Audience: skillID, Subject: u.ID, TenantID: tn.ID, Scope: "easytocloud", ID: "perf",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		tb.Fatal(err)
	}

	rec := newRecorder()
	cfg := awstest.Config(tb)
	cfg.HTTPClient = &http.Client{Transport: rec, Timeout: time.Minute}
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	return &emulatorSkill{rec: rec, token: token, h: &skill.Handler{
		SkillID:   skillID,
		Tokens:    &accesstoken.Verifier{Issuer: issuer, Audience: skillID, Keys: accesstoken.KMSKeys(keys, signingKey)},
		Directory: dynamo.NewStore(table.New(db, tableName), keys, ""),
		Access:    account.NewAccess(sts.NewFromConfig(cfg)),
		Revoker:   oauth.NewTokens(table.New(db, tableName), nil),
		MFA:       noMFA{},
		AWS:       cfg,
		Log:       discardLogger(),
	}}
}

// BenchmarkAWSCalls counts the AWS calls of skill requests of a linked user who is
// not elevated: the first request of a fresh function (Cold: the public key and the
// tenant and user records), a launch once warm, a first list (AssumeRole) and then
// each warm list (the op). Targets: two table reads (the user and the revocation
// mark, in parallel) and no KMS call per warm request.
func BenchmarkAWSCalls(b *testing.B) {
	s := newEmulatorSkill(b)
	launch := alexaRequest(s.token, "", nil)
	list := alexaRequest(s.token, "ListInstancesIntent", nil)
	ask := func(body []byte, want string) map[string]int {
		b.Helper()
		if got := spoken(handle(b, s.h, body)); !strings.Contains(got, want) {
			b.Fatalf("speech = %q, want %q in it", got, want)
		}
		calls, _ := s.rec.snapshot()
		return calls
	}
	cold := ask(launch, "Welcome")
	warmLaunch := ask(launch, "Welcome")
	firstList := ask(list, "splunk")
	b.Logf("cold launch %v; warm launch %v; first list %v", cold, warmLaunch, firstList)
	warm := map[string]int{}
	for b.Loop() {
		for op, n := range ask(list, "splunk") {
			warm[op] += n
		}
	}
	b.Logf("%d warm lists: %v", b.N, warm)
	per := func(calls map[string]int, service string, n int) float64 {
		return float64(count(calls, service)) / float64(n)
	}
	b.ReportMetric(per(cold, "dynamodb", 1), "ddb-cold")
	b.ReportMetric(per(cold, "kms", 1), "kms-cold")
	b.ReportMetric(per(warmLaunch, "dynamodb", 1), "ddb-warm-launch")
	b.ReportMetric(per(warm, "dynamodb", b.N), "ddb-warm-list")
	b.ReportMetric(per(warmLaunch, "kms", 1)+per(warm, "kms", b.N), "kms-warm")
	b.ReportMetric(per(firstList, "sts", 1), "sts-first-list")
	b.ReportMetric(per(warm, "sts", b.N), "sts-warm-list")
}
