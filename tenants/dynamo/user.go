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

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// userItem is a tenants.User as stored: pk TENANT#<tenant>, sk USER#<id>.
type userItem struct {
	PK           string    `dynamodbav:"pk"`
	SK           string    `dynamodbav:"sk"`
	ID           string    `dynamodbav:"id"`
	TenantID     string    `dynamodbav:"tenant_id"`
	Email        string    `dynamodbav:"email"`
	PasswordHash string    `dynamodbav:"password_hash"`
	Phone        string    `dynamodbav:"phone,omitempty"`
	Role         string    `dynamodbav:"role,omitempty"`
	Version      int64     `dynamodbav:"version"`
	CreatedAt    time.Time `dynamodbav:"created_at"`
	UpdatedAt    time.Time `dynamodbav:"updated_at"`
	WriteID      string    `dynamodbav:"write_id"`
}

// emailItem reserves an email address for one user: pk EMAIL#<lower-case email>,
// sk #EMAIL. It is written and deleted in the same transactions as the user.
type emailItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	TenantID string `dynamodbav:"tenant_id"`
	UserID   string `dynamodbav:"user_id"`
}

func toUserItem(u tenants.User) userItem {
	return userItem{
		PK: tenantPK(u.TenantID), SK: userSK(u.ID), ID: u.ID, TenantID: u.TenantID, Email: u.Email,
		PasswordHash: string(u.PasswordHash), Phone: u.Phone, Role: string(u.Role), Version: u.Version,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

func (it userItem) user() tenants.User {
	return tenants.User{
		ID: it.ID, TenantID: it.TenantID, Email: it.Email, PasswordHash: tenants.Redacted(it.PasswordHash),
		Phone: it.Phone, Role: tenants.Role(it.Role), Version: it.Version, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt,
	}
}

func (s *Store) putEmail(u tenants.User) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		Item:                table.Marshal(emailItem{PK: emailPK(u.Email), SK: emailSK, TenantID: u.TenantID, UserID: u.ID}),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}
}

func (s *Store) deleteEmail(u tenants.User) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		Key:                       table.Key(emailPK(u.Email), emailSK),
		ConditionExpression:       aws.String("user_id = :uid"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":uid": table.S(u.ID)},
	}}
}

func versionIs(v int64) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{":v": table.N(v)}
}

// CreateUser validates u (tenant ID, email, role, optional E.164 phone; a tenant with
// an SMS policy needs a phone) and password, generates its ID, hashes the password
// with argon2id, and stores the user with Version 1 together with an item reserving
// its email address, in one transaction that also checks the tenant exists. u.ID must
// be empty and u.PasswordHash is ignored. It returns the stored user, or an error
// wrapping tenants.ErrInvalid (nothing is written), tenants.ErrNotFound (no such
// tenant), tenants.ErrEmailTaken or the AWS error.
func (s *Store) CreateUser(ctx context.Context, u tenants.User, password string) (tenants.User, error) {
	if err := tenants.ValidatePassword(password); err != nil {
		return tenants.User{}, fmt.Errorf("create user %s: %w", u.Email, err)
	}
	return s.createUser(ctx, u, tenants.HashPassword(password, s.passwordParams()), nil)
}

// CreateUserHashed is CreateUser for a password hashed before (tenants.HashPassword,
// when the person typed it in an earlier step), with also: writes of the caller's own
// (such as consuming the invitation the user accepts) in the same transaction, so
// that either all of them land or none does. It returns an error wrapping
// tenants.ErrInvalid for a hash that is not an argon2id one, tenants.ErrConflict when
// an item of also fails its condition, or CreateUser's errors.
func (s *Store) CreateUserHashed(ctx context.Context, u tenants.User, passwordHash string, also ...types.TransactWriteItem) (tenants.User, error) {
	if !tenants.ValidPasswordHash(passwordHash) {
		return tenants.User{}, fmt.Errorf("create user %s: %w", u.Email, tenants.Invalidf("password hash: not an argon2id hash"))
	}
	return s.createUser(ctx, u, passwordHash, also)
}

func (s *Store) createUser(ctx context.Context, u tenants.User, hash string, also []types.TransactWriteItem) (tenants.User, error) {
	if u.ID != "" {
		return tenants.User{}, fmt.Errorf("create user: %w", tenants.Invalidf("ID: leave it empty; easytocloud generates it"))
	}
	u.Email = strings.TrimSpace(u.Email)
	if err := tenants.ValidateUser(u); err != nil {
		return tenants.User{}, fmt.Errorf("create user: %w", err)
	}
	t, err := s.getTenant(ctx, u.TenantID)
	if err != nil {
		return tenants.User{}, fmt.Errorf("create user %s: tenant %q: %w", u.Email, u.TenantID, err)
	}
	if t.MFA.Kind == tenants.MFASMS && u.Phone == "" {
		return tenants.User{}, fmt.Errorf("create user %s: %w", u.Email, tenants.Invalidf("phone: tenant %s sends codes by SMS; give the user a phone number such as +31612345678", t.ID))
	}
	u.ID = tenants.NewUserID()
	u.PasswordHash = tenants.Redacted(hash)
	now := s.now()
	u.Version, u.CreatedAt, u.UpdatedAt = 1, now, now
	it := toUserItem(u)
	it.WriteID = table.NewWriteID()
	items := append([]types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{
			Key:                 table.Key(tenantPK(u.TenantID), tenantSK),
			ConditionExpression: aws.String("attribute_exists(pk)"),
		}},
		{Put: &types.Put{
			Item:                table.Marshal(it),
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
		s.putEmail(u),
	}, also...)
	err = s.table.Transact(ctx, items)
	if table.CancelReasons(err) != nil && s.table.Landed(ctx, table.Key(it.PK, it.SK), it.WriteID) {
		return u, nil
	}
	if err != nil {
		byItem := []error{tenants.ErrNotFound, tenants.ErrConflict, tenants.ErrEmailTaken}
		for range also {
			byItem = append(byItem, tenants.ErrConflict)
		}
		return tenants.User{}, fmt.Errorf("create user %s: %w", u.Email, classify(err, byItem...))
	}
	return u, nil
}

// classify turns a cancelled transaction into the sentinel of the first item whose
// condition failed (byItem[i] for item i); other errors are returned as they are.
func classify(err error, byItem ...error) error {
	for i, code := range table.CancelReasons(err) {
		if code == "ConditionalCheckFailed" && i < len(byItem) {
			return byItem[i]
		}
	}
	return err
}

// GetUser returns user userID of tenant tenantID, or an error wrapping tenants.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, tenantID, userID string) (tenants.User, error) {
	u, err := s.getUser(ctx, tenantID, userID)
	if err != nil {
		return tenants.User{}, fmt.Errorf("get user %q of tenant %q: %w", userID, tenantID, err)
	}
	return u, nil
}

func (s *Store) getUser(ctx context.Context, tenantID, userID string) (tenants.User, error) {
	if !tenants.ValidID(tenantID) || !tenants.ValidID(userID) {
		return tenants.User{}, tenants.ErrNotFound
	}
	var it userItem
	if err := s.getItem(ctx, table.Key(tenantPK(tenantID), userSK(userID)), &it); err != nil {
		return tenants.User{}, err
	}
	return it.user(), nil
}

// UserByEmail returns the user with this email address (compared without regard to
// case), or an error wrapping tenants.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (tenants.User, error) {
	var e emailItem
	if err := s.getItem(ctx, table.Key(emailPK(email), emailSK), &e); err != nil {
		return tenants.User{}, fmt.Errorf("user by email %q: %w", email, err)
	}
	u, err := s.getUser(ctx, e.TenantID, e.UserID)
	if err != nil {
		return tenants.User{}, fmt.Errorf("user by email %q: %w", email, err)
	}
	return u, nil
}

// Authenticate returns the user with this email address if password is theirs, or an
// error wrapping tenants.ErrInvalidCredentials. It takes as long when there is no such user
// (it checks the password against a dummy hash and makes as many reads), so that the
// time does not tell which addresses exist. Other errors wrap the AWS error.
func (s *Store) Authenticate(ctx context.Context, email, password string) (tenants.User, error) {
	var e emailItem
	err := s.getItem(ctx, table.Key(emailPK(email), emailSK), &e)
	if err != nil && !errors.Is(err, tenants.ErrNotFound) {
		return tenants.User{}, fmt.Errorf("authenticate: %w", err)
	}
	var u tenants.User
	if err == nil {
		u, err = s.getUser(ctx, e.TenantID, e.UserID)
	} else {
		// The same second read, of a key that never exists.
		var it userItem
		err = errors.Join(tenants.ErrNotFound, s.getItem(ctx, table.Key(tenantPK("-"), userSK("-")), &it))
	}
	switch {
	case err == nil && tenants.CheckPassword(string(u.PasswordHash), password):
		return u, nil
	case err == nil || errors.Is(err, tenants.ErrNotFound):
		if err != nil {
			tenants.CheckPassword(s.dummyPasswordHash(), password)
		}
		return tenants.User{}, fmt.Errorf("authenticate: %w", tenants.ErrInvalidCredentials)
	default:
		return tenants.User{}, fmt.Errorf("authenticate: %w", err)
	}
}

// ListUsers returns the users of tenant tenantID, ordered by ID, or an error
// wrapping tenants.ErrNotFound when there is no such tenant.
func (s *Store) ListUsers(ctx context.Context, tenantID string) ([]tenants.User, error) {
	if !tenants.ValidID(tenantID) {
		return nil, fmt.Errorf("list users of tenant %q: %w", tenantID, tenants.ErrNotFound)
	}
	// One query reads the tenant item (sk #TENANT sorts before USER#…) and its users.
	items, err := s.table.QueryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(tenantPK(tenantID))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("list users of tenant %s: %w", tenantID, err)
	}
	found := false
	users := []tenants.User{}
	for _, item := range items {
		sk, _ := item[table.SortKey].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == tenantSK:
			found = true
		case strings.HasPrefix(sk.Value, userSKPre):
			var it userItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("list users of tenant %s: decode: %w", tenantID, err)
			}
			users = append(users, it.user())
		}
	}
	if !found {
		return nil, fmt.Errorf("list users of tenant %s: %w", tenantID, tenants.ErrNotFound)
	}
	return users, nil
}

// listUserItems returns the users stored under tenant tenantID whether or not the
// tenant item exists.
func (s *Store) listUserItems(ctx context.Context, tenantID string) ([]tenants.User, error) {
	items, err := s.table.QueryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :user)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": table.S(tenantPK(tenantID)), ":user": table.S(userSKPre),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	var its []userItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	users := make([]tenants.User, len(its))
	for i, it := range its {
		users[i] = it.user()
	}
	return users, nil
}

// ReplaceUser stores u's email, phone and role over the user u.ID of tenant
// u.TenantID, if it is still at u.Version; a changed email address moves its
// reservation in the same transaction. Other fields of u are ignored (SetPassword
// changes the password). It
// returns the stored user with Version+1, or an error wrapping tenants.ErrInvalid (nothing is
// written), tenants.ErrNotFound, tenants.ErrConflict (read it again and retry, as
// UpdateUser does), tenants.ErrEmailTaken or the AWS error.
func (s *Store) ReplaceUser(ctx context.Context, u tenants.User) (tenants.User, error) {
	u.Email = strings.TrimSpace(u.Email)
	if err := tenants.ValidateUser(u); err != nil {
		return tenants.User{}, fmt.Errorf("update user %s: %w", u.ID, err)
	}
	cur, err := s.getUser(ctx, u.TenantID, u.ID)
	if err != nil {
		return tenants.User{}, fmt.Errorf("update user %q of tenant %q: %w", u.ID, u.TenantID, err)
	}
	if u.Version != cur.Version {
		return tenants.User{}, fmt.Errorf("update user %s at version %d (now %d): %w", u.ID, u.Version, cur.Version, tenants.ErrConflict)
	}
	if u.Phone == "" && cur.Phone != "" {
		t, err := s.getTenant(ctx, u.TenantID)
		if err != nil {
			return tenants.User{}, fmt.Errorf("update user %s: tenant %s: %w", u.ID, u.TenantID, err)
		}
		if t.MFA.Kind == tenants.MFASMS {
			return tenants.User{}, fmt.Errorf("update user %s: %w", u.ID, tenants.Invalidf("phone: tenant %s sends codes by SMS; the user needs a phone number", t.ID))
		}
	}
	next := cur
	next.Email, next.Phone, next.Role = u.Email, u.Phone, u.Role
	next.Version, next.UpdatedAt = cur.Version+1, s.now()
	it := toUserItem(next)
	it.WriteID = table.NewWriteID()
	items := []types.TransactWriteItem{{Put: &types.Put{
		Item:                      table.Marshal(it),
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: versionIs(cur.Version),
	}}}
	if emailPK(next.Email) != emailPK(cur.Email) {
		items = append(items, s.deleteEmail(cur), s.putEmail(next))
	}
	err = s.table.Transact(ctx, items)
	if table.CancelReasons(err) != nil && s.table.Landed(ctx, table.Key(it.PK, it.SK), it.WriteID) {
		return next, nil
	}
	if err != nil {
		return tenants.User{}, fmt.Errorf("update user %s: %w", u.ID, classify(err, tenants.ErrConflict, tenants.ErrConflict, tenants.ErrEmailTaken))
	}
	return next, nil
}

// SetPassword replaces the password of user userID of tenant tenantID with the
// argon2id hash of password, and increments the user's Version. It returns an error
// wrapping tenants.ErrInvalid (nothing is written), tenants.ErrNotFound or the AWS error.
func (s *Store) SetPassword(ctx context.Context, tenantID, userID, password string) error {
	if err := tenants.ValidatePassword(password); err != nil {
		return fmt.Errorf("set password of user %s: %w", userID, err)
	}
	if !tenants.ValidID(tenantID) || !tenants.ValidID(userID) {
		return fmt.Errorf("set password of user %q of tenant %q: %w", userID, tenantID, tenants.ErrNotFound)
	}
	_, err := s.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                 table.Key(tenantPK(tenantID), userSK(userID)),
		UpdateExpression:    aws.String("SET password_hash = :h, updated_at = :now ADD version :one"),
		ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":h":   table.S(tenants.HashPassword(password, s.passwordParams())),
			":now": table.S(s.now().Format(time.RFC3339Nano)),
			":one": &types.AttributeValueMemberN{Value: "1"},
		},
	})
	if err != nil {
		if table.ConditionFailed(err) {
			err = tenants.ErrNotFound
		}
		return fmt.Errorf("set password of user %s of tenant %s: %w", userID, tenantID, err)
	}
	return nil
}

// DeleteUser deletes user userID of tenant tenantID and frees its email address. It
// returns an error wrapping tenants.ErrNotFound or the AWS error.
func (s *Store) DeleteUser(ctx context.Context, tenantID, userID string) error {
	// A concurrent update may change the email between the read and the delete;
	// read again and retry then.
	for range 3 {
		u, err := s.getUser(ctx, tenantID, userID)
		if err != nil {
			return fmt.Errorf("delete user %q of tenant %q: %w", userID, tenantID, err)
		}
		err = s.deleteUsers(ctx, []tenants.User{u})
		if !errors.Is(err, tenants.ErrConflict) {
			if err != nil {
				return fmt.Errorf("delete user %s of tenant %s: %w", userID, tenantID, err)
			}
			return nil
		}
	}
	return fmt.Errorf("delete user %s of tenant %s: %w", userID, tenantID, tenants.ErrConflict)
}

// deleteUsers deletes each user, as read, with its email reservation.
func (s *Store) deleteUsers(ctx context.Context, users []tenants.User) error {
	for _, u := range users {
		err := s.table.Transact(ctx, []types.TransactWriteItem{
			{Delete: &types.Delete{
				Key:                       table.Key(tenantPK(u.TenantID), userSK(u.ID)),
				ConditionExpression:       aws.String("version = :v"),
				ExpressionAttributeValues: versionIs(u.Version),
			}},
			s.deleteEmail(u),
		})
		if err != nil {
			// Gone already (deleted by a retried attempt of this very call, or by
			// someone else) is what was asked for.
			var it userItem
			if table.CancelReasons(err) != nil && errors.Is(s.getItem(ctx, table.Key(tenantPK(u.TenantID), userSK(u.ID)), &it), tenants.ErrNotFound) {
				continue
			}
			return fmt.Errorf("delete user %s: %w", u.ID, classify(err, tenants.ErrConflict, tenants.ErrConflict))
		}
	}
	return nil
}
