package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// recorder is an HTTP client that notes the IAM action of every AWS request, and the
// access key that signed it.
type recorder struct {
	next aws.HTTPClient
	mu   sync.Mutex
	seen map[string]map[string]bool // access key ID → "service:Action"
}

var credentialScope = regexp.MustCompile(`Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request`)

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	m := credentialScope.FindStringSubmatch(req.Header.Get("Authorization"))
	if m == nil {
		return r.next.Do(req)
	}
	key, service := m[1], m[2]
	op := ""
	if target := req.Header.Get("X-Amz-Target"); target != "" {
		_, op, _ = strings.Cut(target, ".") // JSON protocols: DynamoDB_20120810.GetItem
	} else if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body)) // query protocol: Action=Publish
		op = form.Get("Action")
	}
	prefix := map[string]string{"dynamodb": "dynamodb", "kms": "kms", "sns": "sns", "sts": "sts"}[service]
	r.mu.Lock()
	if r.seen[key] == nil {
		r.seen[key] = map[string]bool{}
	}
	r.seen[key][prefix+":"+op] = true
	r.mu.Unlock()
	return r.next.Do(req)
}

func (r *recorder) actions(key string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for a := range r.seen[key] {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// TestIAMActionsAreWhatTheCodeCalls runs every operation of the wired service (SMS and
// token, right and wrong codes, elevation, lock) against the emulator and compares the
// actions its requests name with iamActions, which terraform grants.
func TestIAMActionsAreWhatTheCodeCalls(t *testing.T) {
	ctx := context.Background()
	base := awstest.Config(t)
	table, keyID := awstest.Table(t), awstest.SecretsKey(t)
	admin := tenants.NewStore(dynamodb.NewFromConfig(base), kms.NewFromConfig(base), table, keyID)
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
	tokTenant, err := admin.CreateTenant(ctx, tenants.Tenant{Name: "token", RoleARN: "arn:aws:iam::" + account + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFAToken, Serial: "arn:aws:iam::" + account + ":mfa/verifier", VerifierKeyID: verifierKey}}, verifierSecret)
	if err != nil {
		t.Fatal(err)
	}
	tokUser, err := admin.CreateUser(ctx, tenants.User{TenantID: tokTenant.ID, Email: "token@example.com"}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}

	rec := &recorder{next: base.HTTPClient, seen: map[string]map[string]bool{}}
	cfg := base.Copy()
	cfg.HTTPClient = rec
	svc := newService(cfg, table, keyID)
	svc.Log = slog.New(slog.DiscardHandler)

	if _, err := svc.Challenge(ctx, smsTenant.ID, smsUser.ID); err != nil {
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
	if _, err := svc.Verify(ctx, smsTenant.ID, smsUser.ID, wrong); err == nil {
		t.Fatal("a wrong code verified")
	}
	if _, err := svc.Verify(ctx, smsTenant.ID, smsUser.ID, code); err != nil {
		t.Fatalf("verify the sent code: %v", err)
	}
	if _, err := svc.Elevation(ctx, smsTenant.ID, smsUser.ID); err != nil {
		t.Fatalf("elevation: %v", err)
	}
	if err := svc.Lock(ctx, smsTenant.ID, smsUser.ID); err != nil {
		t.Fatalf("lock: %v", err)
	}
	if _, err := svc.Challenge(ctx, tokTenant.ID, tokUser.ID); err != nil {
		t.Fatalf("token challenge: %v", err)
	}
	if _, err := svc.Verify(ctx, tokTenant.ID, tokUser.ID, "123456"); err != nil {
		t.Fatalf("token verify: %v", err)
	}

	roleKey := "testing" // awstest.Config's access key: the function's role here
	if diff := cmp.Diff(iamActions, rec.actions(roleKey)); diff != "" {
		t.Errorf("iamActions differ from the actions the code called with the role (-iam.go +called):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sts:GetSessionToken"}, rec.actions(verifierKey)); diff != "" {
		t.Errorf("calls signed with the verifier's key (-want +got):\n%s", diff)
	}
	if len(rec.seen) != 2 {
		t.Errorf("requests were signed with %d keys, want the role's and the verifier's", len(rec.seen))
	}
}
