package dynamo_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// twiceDB sends every write to the emulator twice and returns the second answer, as
// the SDK does when it retries a write whose first response was lost.
type twiceDB struct{ table.DB }

func (d twiceDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	_, _ = d.DB.PutItem(ctx, in, opts...)
	return d.DB.PutItem(ctx, in, opts...)
}

func (d twiceDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	_, _ = d.DB.TransactWriteItems(ctx, in, opts...)
	return d.DB.TransactWriteItems(ctx, in, opts...)
}

// TestRetriedWritesSucceed: a write that landed and was retried is reported as done,
// not as a conflict, a taken address or a missing record.
func TestRetriedWritesSucceed(t *testing.T) {
	e := newEnv(t)
	s := dynamo.NewStore(table.New(twiceDB{e.db}, e.table), e.kms, e.key)
	s.Password = testParams

	tn, err := s.CreateTenant(ctx(t), smsTenant(), "")
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	tn.Name = "renamed"
	if tn, err = s.ReplaceTenant(ctx(t), tn, ""); err != nil || tn.Version != 2 {
		t.Fatalf("update tenant: version %d, %v; want 2", tn.Version, err)
	}
	u, err := s.CreateUser(ctx(t), tenants.User{TenantID: tn.ID, Email: "retry@example.com", Phone: testPhone}, testPassword)
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	u.Email = "retried@example.com"
	if u, err = s.ReplaceUser(ctx(t), u); err != nil || u.Version != 2 {
		t.Fatalf("update user: version %d, %v; want 2", u.Version, err)
	}
	if err := s.DeleteUser(ctx(t), tn.ID, u.ID); err != nil {
		t.Fatalf("delete user: %v", err)
	}
	mustCreateUser(t, s, tn.ID, "last@example.com", testPhone)
	if err := s.DeleteTenant(ctx(t), tn.ID, true); err != nil {
		t.Fatalf("delete tenant: %v", err)
	}
	if n := len(scan(t, e)); n != 0 {
		t.Errorf("%d items left", n)
	}
}
