package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// tenantItem is a Tenant as stored: pk TENANT#<id>, sk #TENANT, listed through the
// GSI under TENANTS.
type tenantItem struct {
	PK               string    `dynamodbav:"pk"`
	SK               string    `dynamodbav:"sk"`
	GSIPK            string    `dynamodbav:"gsi1pk"`
	GSISK            string    `dynamodbav:"gsi1sk"`
	ID               string    `dynamodbav:"id"`
	Name             string    `dynamodbav:"name"`
	RoleARN          string    `dynamodbav:"role_arn"`
	ExternalID       string    `dynamodbav:"external_id"`
	Regions          []string  `dynamodbav:"regions,omitempty"`
	HasControlTag    bool      `dynamodbav:"has_control_tag,omitempty"`
	ControlTagKey    string    `dynamodbav:"control_tag_key,omitempty"`
	ControlTagValue  string    `dynamodbav:"control_tag_value,omitempty"`
	MFAKind          string    `dynamodbav:"mfa_kind"`
	ElevationSeconds int64     `dynamodbav:"elevation_seconds"`
	MFASerial        string    `dynamodbav:"mfa_serial,omitempty"`
	VerifierKeyID    string    `dynamodbav:"verifier_key_id,omitempty"`
	VerifierSecret   []byte    `dynamodbav:"verifier_secret,omitempty"`
	Suspended        bool      `dynamodbav:"suspended,omitempty"`
	Version          int64     `dynamodbav:"version"`
	CreatedAt        time.Time `dynamodbav:"created_at"`
	UpdatedAt        time.Time `dynamodbav:"updated_at"`
	WriteID          string    `dynamodbav:"write_id"`
}

func toTenantItem(t tenants.Tenant) tenantItem {
	it := tenantItem{
		PK: tenantPK(t.ID), SK: tenantSK, GSIPK: tenantsGSI, GSISK: t.ID,
		ID: t.ID, Name: t.Name, RoleARN: t.RoleARN, ExternalID: t.ExternalID, Regions: t.Regions,
		MFAKind: string(t.MFA.Kind), ElevationSeconds: int64(t.MFA.Elevation / time.Second),
		MFASerial: t.MFA.Serial, VerifierKeyID: t.MFA.VerifierKeyID, VerifierSecret: t.MFA.VerifierSecret,
		Suspended: t.Suspended, Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	if t.ControlTag != nil {
		it.HasControlTag, it.ControlTagKey, it.ControlTagValue = true, t.ControlTag.Key, t.ControlTag.Value
	}
	return it
}

func (it tenantItem) tenant() tenants.Tenant {
	t := tenants.Tenant{
		ID: it.ID, Name: it.Name, RoleARN: it.RoleARN, ExternalID: it.ExternalID, Regions: it.Regions,
		MFA: tenants.MFAPolicy{
			Kind: tenants.MFAKind(it.MFAKind), Elevation: time.Duration(it.ElevationSeconds) * time.Second,
			Serial: it.MFASerial, VerifierKeyID: it.VerifierKeyID, VerifierSecret: it.VerifierSecret,
		},
		Suspended: it.Suspended, Version: it.Version, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt,
	}
	if it.HasControlTag {
		t.ControlTag = &tenants.Tag{Key: it.ControlTagKey, Value: it.ControlTagValue}
	}
	return t
}

// CreateTenant validates t, generates its ID and ExternalID, encrypts verifierSecret
// (required for tenants.MFAToken, empty for tenants.MFASMS) under the new tenant's encryption
// context, and stores it with Version 1, in one transaction with the claims of its
// role ARN and its AWS account (pk ROLECLAIM#<role ARN> and ACCOUNTCLAIM#<account>,
// sk #CLAIM): one tenant per role and per account. t.ID and t.ExternalID must be
// empty (both are generated, never chosen) and t.MFA.VerifierSecret is ignored. It
// returns the stored tenant, or an error wrapping tenants.ErrInvalid,
// tenants.ErrAccountTaken (another tenant holds the role or its account; the error
// never says which) or the AWS error; on an error nothing is written.
func (s *Store) CreateTenant(ctx context.Context, t tenants.Tenant, verifierSecret string) (tenants.Tenant, error) {
	if t.ID != "" {
		return tenants.Tenant{}, fmt.Errorf("create tenant: %w", tenants.Invalidf("ID: leave it empty; easytocloud generates it"))
	}
	if t.ExternalID != "" {
		return tenants.Tenant{}, fmt.Errorf("create tenant: %w", tenants.Invalidf("ExternalId: leave it empty; easytocloud generates it"))
	}
	t = tenants.Normalize(t)
	t.MFA.VerifierSecret = nil
	if err := tenants.CheckTenant(t, verifierSecret, false); err != nil {
		return tenants.Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	t.ID, t.ExternalID = tenants.NewTenantID(), tenants.NewExternalID()
	if verifierSecret != "" {
		sealed, err := s.seal(ctx, t.ID, verifierSecret)
		if err != nil {
			return tenants.Tenant{}, fmt.Errorf("create tenant: %w", err)
		}
		t.MFA.VerifierSecret = sealed
	}
	now := s.now()
	t.Version, t.CreatedAt, t.UpdatedAt = 1, now, now
	it := toTenantItem(t)
	it.WriteID = table.NewWriteID()
	err := s.table.Transact(ctx, append([]types.TransactWriteItem{{Put: &types.Put{
		Item:                table.Marshal(it),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}}, putClaims(t)...))
	if table.CancelReasons(err) != nil && s.table.Landed(ctx, table.Key(it.PK, it.SK), it.WriteID) {
		return t, nil
	}
	if err != nil {
		// A taken ID means 80 random bits collided: practically never.
		return tenants.Tenant{}, fmt.Errorf("create tenant with role %s: %w", t.RoleARN, classify(err, tenants.ErrConflict, tenants.ErrAccountTaken, tenants.ErrAccountTaken))
	}
	return t, nil
}

// CreateOrganisation stores a tenant that signed up and its first admin in one
// transaction, with also: the caller's own writes (consuming the verified sign-up).
// t is checked and completed as CreateTenant does (it may have no role yet: a tenant
// signed up in the console connects its AWS account later); admin gets RoleAdmin and
// the new tenant's ID, and passwordHash as CreateUserHashed takes it. It returns both
// as stored, or an error wrapping tenants.ErrInvalid, tenants.ErrEmailTaken,
// tenants.ErrAccountTaken, tenants.ErrConflict (an item of also failed its condition)
// or the AWS error; on an error nothing is written.
func (s *Store) CreateOrganisation(ctx context.Context, t tenants.Tenant, admin tenants.User, passwordHash string, also ...types.TransactWriteItem) (tenants.Tenant, tenants.User, error) {
	if t.ID != "" || t.ExternalID != "" || admin.ID != "" {
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("create organisation: %w", tenants.Invalidf("IDs: leave them empty; easytocloud generates them"))
	}
	if t.MFA.Kind == tenants.MFAToken {
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("create organisation: %w", tenants.Invalidf("mfa token: connect the AWS account first"))
	}
	t = tenants.Normalize(t)
	t.MFA.VerifierSecret = nil
	if err := tenants.CheckTenant(t, "", false); err != nil {
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("create organisation: %w", err)
	}
	if !tenants.ValidPasswordHash(passwordHash) {
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("create organisation: %w", tenants.Invalidf("password hash: not an argon2id hash"))
	}
	t.ID, t.ExternalID = tenants.NewTenantID(), tenants.NewExternalID()
	admin.TenantID, admin.Role = t.ID, tenants.RoleAdmin
	admin.Email = strings.TrimSpace(admin.Email)
	if err := tenants.ValidateUser(admin); err != nil {
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("create organisation: %w", err)
	}
	now := s.now()
	t.Version, t.CreatedAt, t.UpdatedAt = 1, now, now
	admin.ID, admin.PasswordHash = tenants.NewUserID(), tenants.Redacted(passwordHash)
	admin.Version, admin.CreatedAt, admin.UpdatedAt = 1, now, now
	it := toTenantItem(t)
	it.WriteID = table.NewWriteID()
	items := []types.TransactWriteItem{
		{Put: &types.Put{Item: table.Marshal(it), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: &types.Put{Item: table.Marshal(toUserItem(admin)), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		s.putEmail(admin),
	}
	claims := putClaims(t)
	items = append(append(items, claims...), also...)
	err := s.table.Transact(ctx, items)
	if table.CancelReasons(err) != nil && s.table.Landed(ctx, table.Key(it.PK, it.SK), it.WriteID) {
		return t, admin, nil
	}
	if err != nil {
		byItem := []error{tenants.ErrConflict, tenants.ErrConflict, tenants.ErrEmailTaken}
		for range claims {
			byItem = append(byItem, tenants.ErrAccountTaken)
		}
		for range also {
			byItem = append(byItem, tenants.ErrConflict)
		}
		return tenants.Tenant{}, tenants.User{}, fmt.Errorf("create organisation %q: %w", t.Name, classify(err, byItem...))
	}
	return t, admin, nil
}

// GetTenant returns the tenant with ID id, or an error wrapping tenants.ErrNotFound.
func (s *Store) GetTenant(ctx context.Context, id string) (tenants.Tenant, error) {
	t, err := s.getTenant(ctx, id)
	if err != nil {
		return tenants.Tenant{}, fmt.Errorf("get tenant %q: %w", id, err)
	}
	return t, nil
}

// getTenant is GetTenant with errors that do not name the tenant.
func (s *Store) getTenant(ctx context.Context, id string) (tenants.Tenant, error) {
	if !tenants.ValidID(id) {
		return tenants.Tenant{}, tenants.ErrNotFound
	}
	var it tenantItem
	if err := s.getItem(ctx, table.Key(tenantPK(id), tenantSK), &it); err != nil {
		return tenants.Tenant{}, err
	}
	return it.tenant(), nil
}

// ListTenants returns every tenant, ordered by ID. It reads the GSI, which is
// eventually consistent: a tenant created a moment ago may be missing.
func (s *Store) ListTenants(ctx context.Context) ([]tenants.Tenant, error) {
	items, err := s.table.QueryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(table.GSIName),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": table.GSIPartitionKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(tenantsGSI)},
	})
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	var its []tenantItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, fmt.Errorf("list tenants: decode: %w", err)
	}
	out := make([]tenants.Tenant, len(its))
	for i, it := range its {
		out[i] = it.tenant()
	}
	return out, nil
}

// ReplaceTenant stores the operator's fields of t (name, role ARN, regions, control
// tag, MFA policy) over the tenant t.ID, if it is still at t.Version, together with
// the claims of its role ARN and account (see CreateTenant): written every time, so
// that a tenant stored before claims existed gets them on its next update (such as
// tenant update ID --role-arn <its role>), and moved when the role changes (the old
// role's and account's claims are released, when this tenant held them). verifierSecret
// replaces the stored secret; "" keeps it (a token policy needs one, given now or
// before). The ID, ExternalID and creation time never change, and t.MFA.VerifierSecret
// is ignored. It returns the stored tenant with Version+1, or an error wrapping
// tenants.ErrNotFound, tenants.ErrConflict (someone else updated it first: read it
// again and retry, as UpdateTenant does), tenants.ErrInvalid (nothing is written),
// tenants.ErrAccountTaken (another tenant holds the role or its account) or the AWS
// error.
func (s *Store) ReplaceTenant(ctx context.Context, t tenants.Tenant, verifierSecret string) (tenants.Tenant, error) {
	cur, err := s.getTenant(ctx, t.ID)
	if err != nil {
		return tenants.Tenant{}, fmt.Errorf("update tenant %q: %w", t.ID, err)
	}
	if t.Version != cur.Version {
		return tenants.Tenant{}, fmt.Errorf("update tenant %s at version %d (now %d): %w", t.ID, t.Version, cur.Version, tenants.ErrConflict)
	}
	if t.ExternalID != "" && t.ExternalID != cur.ExternalID {
		return tenants.Tenant{}, fmt.Errorf("update tenant %s: %w", t.ID, tenants.Invalidf("ExternalId: it cannot be changed"))
	}
	t = tenants.Normalize(t)
	if err := tenants.CheckTenant(t, verifierSecret, len(cur.MFA.VerifierSecret) > 0); err != nil {
		return tenants.Tenant{}, fmt.Errorf("update tenant %s: %w", t.ID, err)
	}
	t.MFA.VerifierSecret = nil
	switch {
	case verifierSecret != "":
		if t.MFA.VerifierSecret, err = s.seal(ctx, t.ID, verifierSecret); err != nil {
			return tenants.Tenant{}, fmt.Errorf("update tenant %s: %w", t.ID, err)
		}
	case t.MFA.Kind == tenants.MFAToken:
		t.MFA.VerifierSecret = cur.MFA.VerifierSecret
	}
	t.ExternalID, t.CreatedAt = cur.ExternalID, cur.CreatedAt
	t.Version, t.UpdatedAt = cur.Version+1, s.now()
	release, err := s.heldClaims(ctx, t.ID, released(cur.RoleARN, t.RoleARN))
	if err != nil {
		return tenants.Tenant{}, fmt.Errorf("update tenant %s: %w", t.ID, err)
	}
	it := toTenantItem(t)
	it.WriteID = table.NewWriteID()
	items := append([]types.TransactWriteItem{{Put: &types.Put{
		Item:                      table.Marshal(it),
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: versionIs(cur.Version),
	}}}, putClaims(t)...)
	items = append(items, deleteClaims(t.ID, release)...)
	err = s.table.Transact(ctx, items)
	if table.CancelReasons(err) != nil && s.table.Landed(ctx, table.Key(it.PK, it.SK), it.WriteID) {
		return t, nil
	}
	if err != nil {
		// A released claim that is no longer ours means someone else moved the role
		// meanwhile: a conflict, as is a changed version.
		byItem := []error{tenants.ErrConflict, tenants.ErrAccountTaken, tenants.ErrAccountTaken, tenants.ErrConflict, tenants.ErrConflict}
		return tenants.Tenant{}, fmt.Errorf("update tenant %s (role %s): %w", t.ID, t.RoleARN, classify(err, byItem...))
	}
	return t, nil
}

// DeleteTenant deletes the tenant id and releases the claims of its role and account
// that it holds. A tenant that still has users is refused with tenants.ErrHasUsers
// unless force is set; then its users (and their email addresses) are deleted first.
// Users added while the tenant is being deleted are removed after it. It returns an
// error wrapping tenants.ErrNotFound, tenants.ErrHasUsers, tenants.ErrConflict (the
// tenant kept changing meanwhile) or the AWS error.
func (s *Store) DeleteTenant(ctx context.Context, id string, force bool) error {
	cur, err := s.getTenant(ctx, id)
	if err != nil {
		return fmt.Errorf("delete tenant %q: %w", id, err)
	}
	users, err := s.ListUsers(ctx, id)
	if err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	if len(users) > 0 && !force {
		return fmt.Errorf("delete tenant %s: it has %d users; delete them first or force: %w", id, len(users), tenants.ErrHasUsers)
	}
	if err := s.deleteUsers(ctx, users); err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	if err := s.deleteTenantItem(ctx, cur); err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	// CreateUser checks in its transaction that the tenant exists, so no user can be
	// added from here on; remove any that were added since ListUsers.
	late, err := s.listUserItems(ctx, id)
	if err == nil {
		err = s.deleteUsers(ctx, late)
	}
	if err != nil {
		return fmt.Errorf("delete tenant %s: remove users added meanwhile: %w", id, err)
	}
	return nil
}

// deleteTenantItem deletes the tenant item cur, at its version, with the claims it
// holds, in one transaction; when the tenant changed in between (its role may have
// moved its claims) it reads it again and retries, up to updateAttempts rounds.
func (s *Store) deleteTenantItem(ctx context.Context, cur tenants.Tenant) error {
	for round := 1; ; round++ {
		held, err := s.heldClaims(ctx, cur.ID, claimPKs(cur.RoleARN))
		if err != nil {
			return err
		}
		err = s.table.Transact(ctx, append([]types.TransactWriteItem{{Delete: &types.Delete{
			Key:                       table.Key(tenantPK(cur.ID), tenantSK),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: versionIs(cur.Version),
		}}}, deleteClaims(cur.ID, held)...))
		if table.CancelReasons(err) == nil {
			return err
		}
		// Cancelled. A tenant that is gone was deleted, with its claims: by someone
		// else, or by this very call when the SDK retried it after a lost response.
		next, err := s.getTenant(ctx, cur.ID)
		switch {
		case errors.Is(err, tenants.ErrNotFound):
			return nil
		case err != nil:
			return err
		case round == updateAttempts:
			return tenants.ErrConflict
		}
		cur = next
	}
}

// seal encrypts a tenant's verifier secret under the encryption context naming it.
func (s *Store) seal(ctx context.Context, tenantID, secret string) (tenants.Sealed, error) {
	out, err := s.kms.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String(s.keyID),
		Plaintext:         []byte(secret),
		EncryptionContext: tenantContext(tenantID),
	})
	if err != nil {
		return nil, fmt.Errorf("encrypt verifier secret: %w", err)
	}
	return out.CiphertextBlob, nil
}

func tenantContext(id string) map[string]string { return map[string]string{"tenant": id} }

// VerifierSecret decrypts t's verifier secret access key with KMS, under the
// encryption context {"tenant": t.ID}. Call it just before use and do not keep the
// result. It returns an error wrapping tenants.ErrNotFound when t has no secret, or the KMS
// error (a secret sealed for another tenant does not decrypt).
func (s *Store) VerifierSecret(ctx context.Context, t tenants.Tenant) (string, error) {
	if len(t.MFA.VerifierSecret) == 0 {
		return "", fmt.Errorf("verifier secret of tenant %s: %w", t.ID, tenants.ErrNotFound)
	}
	in := &kms.DecryptInput{CiphertextBlob: t.MFA.VerifierSecret, EncryptionContext: tenantContext(t.ID)}
	if s.keyID != "" {
		in.KeyId = aws.String(s.keyID)
	}
	out, err := s.kms.Decrypt(ctx, in)
	if err != nil {
		return "", fmt.Errorf("decrypt verifier secret of tenant %s: %w", t.ID, err)
	}
	return string(out.Plaintext), nil
}
