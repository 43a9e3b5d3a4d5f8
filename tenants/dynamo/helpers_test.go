package dynamo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// testParams keep argon2id cheap under the race detector; the production default is
// measured by BenchmarkPasswordHash.
var testParams = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// fixedNow is the clock of stores in tests.
var fixedNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

type env struct {
	db    *dynamodb.Client
	kms   *kms.Client
	table string
	key   string
	store *dynamo.Store
}

// newEnv returns a Store on a fresh table and KMS key in the emulator.
func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := awstest.Config(t)
	e := &env{db: dynamodb.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg), table: awstest.Table(t), key: awstest.SecretsKey(t)}
	e.store = dynamo.NewStore(table.New(e.db, e.table), e.kms, e.key)
	e.store.Now = func() time.Time { return fixedNow }
	e.store.Password = testParams
	return e
}

// fmtAll prints v every way a log line or an answer might: %v, %+v, %#v, %s and JSON.
func fmtAll(t *testing.T, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	return fmt.Sprintf("%v\n%+v\n%#v\n%s\n%s", v, v, v, v, j)
}

const (
	testRoleARN   = "arn:aws:iam::222222222222:role/easytocloud"
	testKeyID     = "AKIAIOSFODNN7EXAMPLE"
	testSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testSerial    = "GAHT12345678"
	testPassword  = "correct horse battery staple"
	testPhone     = "+31612345678"
	otherPassword = "another long password"
)

func smsTenant() tenants.Tenant {
	return tenants.Tenant{Name: "Acme", RoleARN: testRoleARN, MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}
}

func tokenTenant() tenants.Tenant {
	return tenants.Tenant{
		Name: "Globex", RoleARN: testRoleARN, Regions: []string{"eu-west-1", "us-east-1"},
		ControlTag: &tenants.Tag{Key: "easytocloud", Value: "voice"},
		MFA:        tenants.MFAPolicy{Kind: tenants.MFAToken, Elevation: 15 * time.Minute, Serial: testSerial, VerifierKeyID: testKeyID},
	}
}

// inNewAccount returns tn with its role (and an MFA device ARN) in a fresh account:
// each AWS account belongs to one tenant, so tenants that share a table need their own.
func inNewAccount(t *testing.T, tn tenants.Tenant) tenants.Tenant {
	t.Helper()
	acct := awstest.NewAccountID(t)
	tn.RoleARN = strings.Replace(tn.RoleARN, "::222222222222:", "::"+acct+":", 1)
	tn.MFA.Serial = strings.Replace(tn.MFA.Serial, "::222222222222:", "::"+acct+":", 1)
	return tn
}

func mustCreateTenant(t *testing.T, s *dynamo.Store, tn tenants.Tenant, secret string) tenants.Tenant {
	t.Helper()
	got, err := s.CreateTenant(ctx(t), tn, secret)
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return got
}

func mustCreateUser(t *testing.T, s *dynamo.Store, tenantID, email, phone string) tenants.User {
	t.Helper()
	u, err := s.CreateUser(ctx(t), tenants.User{TenantID: tenantID, Email: email, Phone: phone}, testPassword)
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func ctx(t *testing.T) context.Context { return awstest.Context(t) }
