package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// alexaLinkItem is a tenants.AlexaLink as stored: pk ALEXALINK#<tenant>#<user>, sk the
// link's ID (the hex SHA-256 of the Alexa userId).
type alexaLinkItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	LinkedNS   int64  `dynamodbav:"linked_ns"`
	LastUsedNS int64  `dynamodbav:"last_used_ns"`
	GrantID    string `dynamodbav:"grant_id,omitempty"`
}

func alexaLinkPK(tenantID, userID string) string { return "ALEXALINK#" + tenantID + "#" + userID }

// TouchAlexaLink records that the Alexa account with userId alexaUserID spoke for user
// userID of tenant tenantID with an access token of grant grantID ("" for a token
// without one), and reports whether it never had before. One conditional write: it
// creates the record, or moves its last use when that is at least
// tenants.AlexaLinkUseInterval old or the grant is another than recorded, and
// otherwise changes nothing (false, nil). It does not check that the user exists. It
// returns an error wrapping tenants.ErrInvalid for malformed IDs, or the AWS error.
func (s *Store) TouchAlexaLink(ctx context.Context, tenantID, userID, alexaUserID, grantID string) (bool, error) {
	if !tenants.ValidID(tenantID) || !tenants.ValidID(userID) || alexaUserID == "" {
		return false, fmt.Errorf("record Alexa account of user %q of tenant %q: %w", userID, tenantID, tenants.Invalidf("tenant, user or Alexa user ID"))
	}
	now := s.now()
	set := "SET linked_ns = if_not_exists(linked_ns, :now), last_used_ns = :now"
	cond := "attribute_not_exists(pk) OR last_used_ns <= :cutoff"
	values := map[string]types.AttributeValue{
		":now": table.N(now.UnixNano()), ":cutoff": table.N(now.Add(-tenants.AlexaLinkUseInterval).UnixNano()),
	}
	if grantID != "" {
		set += ", grant_id = :gid"
		cond += " OR attribute_not_exists(grant_id) OR grant_id <> :gid"
		values[":gid"] = table.S(grantID)
	}
	out, err := s.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                       table.Key(alexaLinkPK(tenantID, userID), tenants.AlexaLinkID(alexaUserID)),
		UpdateExpression:          aws.String(set),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if table.ConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record Alexa account of user %s of tenant %s: %w", userID, tenantID, err)
	}
	return len(out.Attributes) == 0, nil
}

// DeleteAlexaLink forgets the Alexa account linkID (a tenants.AlexaLink's ID) of user
// userID of tenant tenantID, as the console does when the user unlinks it (after
// revoking its grant). It returns an error wrapping tenants.ErrNotFound when the user
// has no such link, or the AWS error.
func (s *Store) DeleteAlexaLink(ctx context.Context, tenantID, userID, linkID string) error {
	if !tenants.ValidID(tenantID) || !tenants.ValidID(userID) || linkID == "" {
		return fmt.Errorf("delete Alexa account %q of user %q of tenant %q: %w", linkID, userID, tenantID, tenants.ErrNotFound)
	}
	_, err := s.table.Delete(ctx, &dynamodb.DeleteItemInput{
		Key:                 table.Key(alexaLinkPK(tenantID, userID), linkID),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if table.ConditionFailed(err) {
		return fmt.Errorf("delete Alexa account %s of user %s of tenant %s: %w", linkID, userID, tenantID, tenants.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete Alexa account %s of user %s of tenant %s: %w", linkID, userID, tenantID, err)
	}
	return nil
}

// AlexaLinks returns the Alexa accounts that have spoken for user userID of tenant
// tenantID, oldest link first (none for an unknown user), or the AWS error.
func (s *Store) AlexaLinks(ctx context.Context, tenantID, userID string) ([]tenants.AlexaLink, error) {
	if !tenants.ValidID(tenantID) || !tenants.ValidID(userID) {
		return []tenants.AlexaLink{}, nil
	}
	items, err := s.table.QueryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(alexaLinkPK(tenantID, userID))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("list Alexa accounts of user %s of tenant %s: %w", userID, tenantID, err)
	}
	var its []alexaLinkItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, fmt.Errorf("list Alexa accounts of user %s of tenant %s: decode: %w", userID, tenantID, err)
	}
	links := make([]tenants.AlexaLink, len(its))
	for i, it := range its {
		links[i] = tenants.AlexaLink{ID: it.SK, LinkedAt: time.Unix(0, it.LinkedNS).UTC(), LastUsedAt: time.Unix(0, it.LastUsedNS).UTC(), GrantID: it.GrantID}
	}
	slices.SortStableFunc(links, func(a, b tenants.AlexaLink) int { return a.LinkedAt.Compare(b.LinkedAt) })
	return links, nil
}
