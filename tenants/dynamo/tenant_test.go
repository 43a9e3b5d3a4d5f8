package dynamo_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/easytocloud/easytocloud/tenants"
)

// ignoreSealed compares tenants without their ciphertext (which KMS makes different
// every time).
var ignoreSealed = cmpopts.IgnoreFields(tenants.MFAPolicy{}, "VerifierSecret")

func TestTenantRoundTrip(t *testing.T) {
	e := newEnv(t)
	in := tokenTenant()
	created := mustCreateTenant(t, e.store, in, testSecret)

	want := in
	want.ID, want.ExternalID = created.ID, created.ExternalID
	want.Version, want.CreatedAt, want.UpdatedAt = 1, fixedNow, fixedNow
	if diff := cmp.Diff(want, created, ignoreSealed); diff != "" {
		t.Errorf("created tenant (-want +got):\n%s", diff)
	}
	if len(created.MFA.VerifierSecret) == 0 {
		t.Error("created token tenant has no sealed verifier secret")
	}
	got, err := e.store.GetTenant(ctx(t), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("read back (-created +read):\n%s", diff)
	}

	sms := mustCreateTenant(t, e.store, inNewAccount(t, smsTenant()), "")
	if sms.MFA.Elevation != tenants.DefaultElevation || sms.Regions != nil || sms.ControlTag != nil {
		t.Errorf("sms tenant defaults: elevation %s, regions %v, tag %v; want 10m, nil, nil", sms.MFA.Elevation, sms.Regions, sms.ControlTag)
	}
	list, err := e.store.ListTenants(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	wantList := []tenants.Tenant{got, sms}
	if wantList[0].ID > wantList[1].ID {
		wantList[0], wantList[1] = wantList[1], wantList[0]
	}
	if diff := cmp.Diff(wantList, list); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	// Update every operator field, switching from token to sms.
	later := fixedNow.Add(time.Hour)
	e.store.Now = func() time.Time { return later }
	upd := got
	upd.Name, upd.RoleARN, upd.Regions, upd.ControlTag = "Globex Corp", "arn:aws:iam::333333333333:role/path/to/et", nil, nil
	upd.MFA = tenants.MFAPolicy{Kind: tenants.MFASMS, Elevation: 5 * time.Minute}
	updated, err := e.store.ReplaceTenant(ctx(t), upd, "")
	if err != nil {
		t.Fatal(err)
	}
	wantUpd := upd
	wantUpd.Version, wantUpd.UpdatedAt = 2, later
	if diff := cmp.Diff(wantUpd, updated); diff != "" {
		t.Errorf("updated (-want +got):\n%s", diff)
	}
	if reread, _ := e.store.GetTenant(ctx(t), got.ID); !cmp.Equal(updated, reread) {
		t.Errorf("update not stored: %s", cmp.Diff(updated, reread))
	}

	if err := e.store.DeleteTenant(ctx(t), got.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.GetTenant(ctx(t), got.ID); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("get deleted tenant: %v, want ErrNotFound", err)
	}
	if err := e.store.DeleteTenant(ctx(t), got.ID, false); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("delete deleted tenant: %v, want ErrNotFound", err)
	}
}

func TestGetTenantNotFound(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"t-aaaaaaaaaaaaaaaa", "", "x#USER#y", strings.Repeat("a", 65)} {
		if _, err := e.store.GetTenant(ctx(t), id); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("GetTenant(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]{32,}$`)

func TestExternalIDGenerated(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for range 5 {
		tn := mustCreateTenant(t, e.store, inNewAccount(t, smsTenant()), "")
		if !externalIDPattern.MatchString(tn.ExternalID) {
			t.Errorf("ExternalId %q: want 32 or more of [\\w+=,.@:/-]", tn.ExternalID)
		}
		if strings.HasPrefix(tn.ExternalID, "-") || seen[tn.ExternalID] || seen[tn.ID] {
			t.Errorf("ExternalId %q or ID %q repeats or starts with -", tn.ExternalID, tn.ID)
		}
		seen[tn.ExternalID], seen[tn.ID] = true, true
	}
	chosen := smsTenant()
	chosen.ExternalID = "my-own-external-id-that-is-long-enough"
	if _, err := e.store.CreateTenant(ctx(t), chosen, ""); !errors.Is(err, tenants.ErrInvalid) {
		t.Errorf("create with a chosen ExternalId: %v, want ErrInvalid", err)
	}
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	tn.ExternalID = "my-own-external-id-that-is-long-enough"
	if _, err := e.store.ReplaceTenant(ctx(t), tn, ""); !errors.Is(err, tenants.ErrInvalid) {
		t.Errorf("update with another ExternalId: %v, want ErrInvalid", err)
	}
	tn.ExternalID = "" // empty keeps it
	got, err := e.store.ReplaceTenant(ctx(t), tn, "")
	if err != nil || got.ExternalID == "" {
		t.Errorf("update with empty ExternalId: %q, %v; want the stored one kept", got.ExternalID, err)
	}
}

func TestUpdateTenantConflict(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	first := tn
	first.Name = "first"
	if _, err := e.store.ReplaceTenant(ctx(t), first, ""); err != nil {
		t.Fatal(err)
	}
	second := tn
	second.Name = "second"
	if _, err := e.store.ReplaceTenant(ctx(t), second, ""); !errors.Is(err, tenants.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	if got, _ := e.store.GetTenant(ctx(t), tn.ID); got.Name != "first" || got.Version != 2 {
		t.Errorf("after stale update: name %q version %d, want first at 2", got.Name, got.Version)
	}
	missing := tn
	missing.ID = "t-aaaaaaaaaaaaaaaa"
	if _, err := e.store.ReplaceTenant(ctx(t), missing, ""); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("update of a missing tenant: %v, want ErrNotFound", err)
	}
}

func TestVerifierSecret(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, tokenTenant(), testSecret)
	other := mustCreateTenant(t, e.store, inNewAccount(t, tokenTenant()), testSecret)

	got, err := e.store.VerifierSecret(ctx(t), tn)
	if err != nil || got != testSecret {
		t.Fatalf("VerifierSecret = %q, %v; want the secret", got, err)
	}

	t.Run("OtherTenantsContext", func(t *testing.T) {
		// tn's ciphertext presented as other's: the context names other, so KMS refuses.
		swapped := other
		swapped.MFA.VerifierSecret = tn.MFA.VerifierSecret
		if got, err := e.store.VerifierSecret(ctx(t), swapped); err == nil {
			t.Fatalf("decrypted %q under another tenant's context", got)
		}
		_, err := e.kms.Decrypt(ctx(t), &kms.DecryptInput{CiphertextBlob: tn.MFA.VerifierSecret})
		if err == nil {
			t.Error("decrypted without an encryption context")
		}
		out, err := e.kms.Decrypt(ctx(t), &kms.DecryptInput{CiphertextBlob: tn.MFA.VerifierSecret, EncryptionContext: map[string]string{"tenant": tn.ID}})
		if err != nil || string(out.Plaintext) != testSecret {
			t.Errorf("decrypt under {tenant: %s} = %v; want the secret", tn.ID, err)
		}
	})

	t.Run("NoPlaintextStored", func(t *testing.T) {
		raw := rawItem(t, e, "TENANT#"+tn.ID, "#TENANT")
		if bytes.Contains(itemBytes(raw), []byte(testSecret)) {
			t.Fatalf("stored item holds the plaintext secret: %v", raw)
		}
		if _, ok := raw["verifier_secret"].(*types.AttributeValueMemberB); !ok {
			t.Errorf("verifier_secret is %T, want binary ciphertext", raw["verifier_secret"])
		}
	})

	t.Run("KeepAndReplace", func(t *testing.T) {
		upd := tn
		upd.Name = "renamed"
		kept, err := e.store.ReplaceTenant(ctx(t), upd, "")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.store.VerifierSecret(ctx(t), kept); err != nil || got != testSecret {
			t.Errorf("after update without secret: %q, %v; want it kept", got, err)
		}
		const next = "AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIII/+00"
		kept.MFA.VerifierSecret = nil // ignored either way
		replaced, err := e.store.ReplaceTenant(ctx(t), kept, next)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.store.VerifierSecret(ctx(t), replaced); err != nil || got != next {
			t.Errorf("after update with secret: %q, %v; want the new one", got, err)
		}
	})

	t.Run("SMSTenantHasNone", func(t *testing.T) {
		sms := mustCreateTenant(t, e.store, inNewAccount(t, smsTenant()), "")
		if _, err := e.store.VerifierSecret(ctx(t), sms); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("VerifierSecret of an sms tenant: %v, want ErrNotFound", err)
		}
	})

	t.Run("Redacted", func(t *testing.T) {
		for _, s := range []string{fmtAll(t, tn), fmtAll(t, tn.MFA)} {
			if strings.Contains(s, testSecret) || bytes.Contains([]byte(s), tn.MFA.VerifierSecret) {
				t.Errorf("printed tenant shows the secret: %s", s)
			}
		}
	})
}

func TestDeleteTenantWithUsers(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	keep := mustCreateTenant(t, e.store, inNewAccount(t, smsTenant()), "")
	kept := mustCreateUser(t, e.store, keep.ID, "kept@example.com", testPhone)
	var emails []string
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		mustCreateUser(t, e.store, tn.ID, email, testPhone)
		emails = append(emails, email)
	}
	err := e.store.DeleteTenant(ctx(t), tn.ID, false)
	if !errors.Is(err, tenants.ErrHasUsers) || !strings.Contains(err.Error(), "3 users") {
		t.Fatalf("delete with users: %v, want ErrHasUsers naming 3 users", err)
	}
	if _, err := e.store.GetTenant(ctx(t), tn.ID); err != nil {
		t.Fatalf("refused delete removed the tenant: %v", err)
	}
	if err := e.store.DeleteTenant(ctx(t), tn.ID, true); err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, e, "TENANT#"+tn.ID); n != 0 {
		t.Errorf("%d items left under the deleted tenant", n)
	}
	for _, email := range emails {
		if n := countItems(t, e, "EMAIL#"+email); n != 0 {
			t.Errorf("email reservation of %s left behind", email)
		}
		// The address is free again.
		mustCreateUser(t, e.store, keep.ID, email, testPhone)
	}
	if _, err := e.store.GetUser(ctx(t), kept.TenantID, kept.ID); err != nil {
		t.Errorf("force delete touched another tenant's user: %v", err)
	}
}

// rawItem reads an item as stored.
func rawItem(t *testing.T, e *env, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(ctx(t), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
	}})
	if err != nil || out.Item == nil {
		t.Fatalf("get item %s %s: %v (found %v)", pk, sk, err, out != nil && out.Item != nil)
	}
	return out.Item
}

// itemBytes concatenates every string and binary value of an item.
func itemBytes(item map[string]types.AttributeValue) []byte {
	var b []byte
	for _, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			b = append(b, v.Value...)
		case *types.AttributeValueMemberB:
			b = append(b, v.Value...)
		}
		b = append(b, 0)
	}
	return b
}

// scan returns every item of the table.
func scan(t *testing.T, e *env) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(e.db, &dynamodb.ScanInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		items = append(items, page.Items...)
	}
	return items
}

// countItems counts the items whose pk is pk.
func countItems(t *testing.T, e *env, pk string) int {
	t.Helper()
	n := 0
	for _, it := range scan(t, e) {
		if v, ok := it["pk"].(*types.AttributeValueMemberS); ok && v.Value == pk {
			n++
		}
	}
	return n
}

// putRaw stores item under pk (keeping its sk).
func putRaw(t *testing.T, e *env, pk string, item map[string]types.AttributeValue) {
	t.Helper()
	item["pk"] = &types.AttributeValueMemberS{Value: pk}
	if _, err := e.db.PutItem(ctx(t), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item}); err != nil {
		t.Fatalf("put item: %v", err)
	}
}
