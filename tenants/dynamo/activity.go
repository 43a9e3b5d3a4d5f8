package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// ActivityRetention is how long a user's activity is kept.
const ActivityRetention = 90 * 24 * time.Hour

// MaxActivity is the most entries Activity returns at once.
const MaxActivity = 1000

// activityItem is a tenants.Activity as stored: pk ACTIVITY#<tenant>#<user>, sk the
// time in zero-padded UnixNano and a random suffix, so that the partition reads in
// time order and two changes in the same nanosecond both stay.
type activityItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	AtNS       int64  `dynamodbav:"at_ns"`
	Action     string `dynamodbav:"action"`
	Target     string `dynamodbav:"target"`
	Region     string `dynamodbav:"region"`
	ResourceID string `dynamodbav:"resource_id,omitempty"`
	Device     string `dynamodbav:"device,omitempty"`
	Door       string `dynamodbav:"door,omitempty"`
	Outcome    string `dynamodbav:"outcome"`
	ExpiresAt  int64  `dynamodbav:"expires_at"`
}

func activityPK(tenantID, userID string) string { return "ACTIVITY#" + tenantID + "#" + userID }

// RecordActivity adds a change user userID of tenant tenantID made (a.At, or now when
// it is zero), kept for ActivityRetention. One PutItem; it does not check that the
// user exists. It returns an error wrapping tenants.ErrInvalid for malformed IDs or an
// activity without an action or outcome, or the AWS error.
func (s *Store) RecordActivity(ctx context.Context, tenantID, userID string, a tenants.Activity) error {
	if !tenants.ValidID(tenantID) || !tenants.ValidID(userID) || a.Action == "" || a.Outcome == "" {
		return fmt.Errorf("record activity of user %q of tenant %q: %w", userID, tenantID, tenants.Invalidf("tenant or user ID, action or outcome"))
	}
	at := a.At
	if at.IsZero() {
		at = s.now()
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix) // never fails (crypto/rand)
	_, err := s.table.Put(ctx, &dynamodb.PutItemInput{
		Item: table.Marshal(activityItem{
			PK: activityPK(tenantID, userID), SK: fmt.Sprintf("%019d#%s", at.UnixNano(), hex.EncodeToString(suffix)),
			AtNS: at.UnixNano(), Action: a.Action, Target: a.Target, Region: a.Region, ResourceID: a.ResourceID,
			Device: a.Device, Door: a.Door, Outcome: a.Outcome, ExpiresAt: at.Add(ActivityRetention).Unix(),
		}),
	})
	if err != nil {
		return fmt.Errorf("record activity of user %s of tenant %s: %w", userID, tenantID, err)
	}
	return nil
}

// Activity returns the latest changes of user userID of tenant tenantID, newest first:
// at most limit of them (MaxActivity when limit is not positive or larger), none for
// an unknown user. It returns the AWS error.
func (s *Store) Activity(ctx context.Context, tenantID, userID string, limit int) ([]tenants.Activity, error) {
	if !tenants.ValidID(tenantID) || !tenants.ValidID(userID) {
		return []tenants.Activity{}, nil
	}
	if limit <= 0 || limit > MaxActivity {
		limit = MaxActivity
	}
	out, err := s.table.Query(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(activityPK(tenantID, userID))},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("list activity of user %s of tenant %s: %w", userID, tenantID, err)
	}
	var its []activityItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &its); err != nil {
		return nil, fmt.Errorf("list activity of user %s of tenant %s: decode: %w", userID, tenantID, err)
	}
	now := s.now()
	list := make([]tenants.Activity, 0, len(its))
	for _, it := range its {
		if table.Expired(it.ExpiresAt, now) {
			continue
		}
		list = append(list, tenants.Activity{
			At: time.Unix(0, it.AtNS).UTC(), Action: it.Action, Target: it.Target, Region: it.Region,
			ResourceID: it.ResourceID, Device: it.Device, Door: it.Door, Outcome: it.Outcome,
		})
	}
	return list, nil
}
