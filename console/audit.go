package console

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/webui"
)

// auditRetention is how long an organisation's audit lines are kept in the table (the
// log keeps them as long as the log group does).
const auditRetention = 400 * 24 * time.Hour

const auditPKPrefix = "AUDIT#"

// AuditLine is one admin action of an organisation.
type AuditLine struct {
	At time.Time
	// Actor is the e-mail address of who did it; Action what ("invite", "remove",
	// "role", "connect", "settings"); Detail the object in words.
	Actor, Action, Detail string
}

type auditItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Actor     string `dynamodbav:"actor"`
	ActorID   string `dynamodbav:"actor_id"`
	Action    string `dynamodbav:"action"`
	Detail    string `dynamodbav:"detail"`
	AtNS      int64  `dynamodbav:"at_ns"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// audit records an action of v's person: a JSON log line "audit" (tenant, user,
// action, detail and attrs) and an item under AUDIT#<tenant>. detail must hold
// nothing secret (an address, a role, an ARN).
func (s *Server) audit(ctx context.Context, v *visit, action, detail string, attrs ...slog.Attr) error {
	now := s.now()
	base := []slog.Attr{slog.String("tenant", v.Tenant.ID), slog.String("user", v.User.ID),
		slog.String("action", action), slog.String("detail", detail)}
	s.log.LogAttrs(ctx, slog.LevelInfo, "audit", append(base, attrs...)...)
	it := auditItem{
		PK: auditPKPrefix + v.Tenant.ID, SK: fmt.Sprintf("%020d#%s", now.UnixNano(), webui.RandomToken()[:8]),
		Actor: v.User.Email, ActorID: v.User.ID, Action: action, Detail: detail,
		AtNS: now.UnixNano(), ExpiresAt: now.Add(auditRetention).Unix(),
	}
	if _, err := s.cfg.Table.Put(ctx, &dynamodb.PutItemInput{Item: table.Marshal(it)}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// auditLines returns the organisation's newest audit lines, at most limit.
func (s *Server) auditLines(ctx context.Context, tenantID string, limit int) ([]AuditLine, error) {
	out, err := s.cfg.Table.Query(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(auditPKPrefix + tenantID)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("audit lines: %w", err)
	}
	var its []auditItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &its); err != nil {
		return nil, fmt.Errorf("audit lines: %w", err)
	}
	lines := make([]AuditLine, 0, len(its))
	now := s.now()
	for _, it := range its {
		if table.Expired(it.ExpiresAt, now) {
			continue
		}
		lines = append(lines, AuditLine{At: time.Unix(0, it.AtNS).UTC(), Actor: it.Actor, Action: it.Action, Detail: it.Detail})
	}
	return lines, nil
}
