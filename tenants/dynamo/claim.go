package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// claimItem holds a role ARN or an AWS account for one tenant: pk ROLECLAIM#<role ARN>
// or ACCOUNTCLAIM#<12-digit account>, sk #CLAIM. A tenant's two claims are written in
// the transaction that stores the tenant with that role, and deleted in the one that
// moves it to another role or deletes it, so that no two tenants ever name the same
// role or account: a rogue tenant cannot name a victim's role, whatever its trust
// policy says.
type claimItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	TenantID string `dynamodbav:"tenant_id"`
}

const (
	claimSK          = "#CLAIM"
	roleClaimPre     = "ROLECLAIM#"
	accountClaimPre  = "ACCOUNTCLAIM#"
	claimTenantValue = ":claim_tenant"
)

// claimPKs returns the partition keys of the claims of roleARN: its role and its
// account (none for a malformed ARN, which validation refuses first).
func claimPKs(roleARN string) []string {
	account, err := tenants.ValidateRoleARN(roleARN)
	if err != nil {
		return nil
	}
	return []string{roleClaimPre + roleARN, accountClaimPre + account}
}

func claimTenantIs(tenantID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{claimTenantValue: table.S(tenantID)}
}

// putClaims writes t's claims, each only if no other tenant holds it.
func putClaims(t tenants.Tenant) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	for _, pk := range claimPKs(t.RoleARN) {
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			Item:                      table.Marshal(claimItem{PK: pk, SK: claimSK, TenantID: t.ID}),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR tenant_id = " + claimTenantValue),
			ExpressionAttributeValues: claimTenantIs(t.ID),
		}})
	}
	return items
}

// deleteClaims deletes the claims pks, each only while tenantID holds it.
func deleteClaims(tenantID string, pks []string) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	for _, pk := range pks {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			Key:                       table.Key(pk, claimSK),
			ConditionExpression:       aws.String("tenant_id = " + claimTenantValue),
			ExpressionAttributeValues: claimTenantIs(tenantID),
		}})
	}
	return items
}

// heldClaims returns those of pks that tenantID holds. A tenant stored before claims
// existed may hold none, and another tenant may hold one of them; those are left alone.
func (s *Store) heldClaims(ctx context.Context, tenantID string, pks []string) ([]string, error) {
	var held []string
	for _, pk := range pks {
		var c claimItem
		err := s.getItem(ctx, table.Key(pk, claimSK), &c)
		switch {
		case errors.Is(err, tenants.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("read claim: %w", err)
		case c.TenantID == tenantID:
			held = append(held, pk)
		}
	}
	return held, nil
}

// released returns the claims of the old role that the new one does not keep.
func released(oldRoleARN, newRoleARN string) []string {
	keep := claimPKs(newRoleARN)
	var out []string
	for _, pk := range claimPKs(oldRoleARN) {
		if !slices.Contains(keep, pk) {
			out = append(out, pk)
		}
	}
	return out
}
