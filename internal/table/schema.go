package table

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The single table's schema. Every package that stores state uses these names,
// and the Terraform in terraform/dynamodb.tf must declare exactly the same (a test checks).
const (
	// PartitionKey is the table's hash key attribute (a string).
	PartitionKey = "pk"
	// SortKey is the table's range key attribute (a string).
	SortKey = "sk"
	// GSIName is the one global secondary index, used to look items up by a second key
	// (users by tenant, tokens by user).
	GSIName = "gsi1"
	// GSIPartitionKey is the hash key attribute of GSIName (a string).
	GSIPartitionKey = "gsi1pk"
	// GSISortKey is the range key attribute of GSIName (a string).
	GSISortKey = "gsi1sk"
	// TTLAttribute holds an item's expiry in epoch seconds. DynamoDB deletes expired
	// items up to days late, so every read of expiring state checks it too (Expired).
	TTLAttribute = "expires_at"
)

// Definition returns the CreateTable input for the table named name: on-demand
// billing, the key schema, and the GSI (projecting all attributes).
func Definition(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(PartitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(SortKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(GSIPartitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(GSISortKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(PartitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(SortKey), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(GSIName),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(GSIPartitionKey), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(GSISortKey), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
}

// Admin is the part of the DynamoDB client that Create uses.
type Admin interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// Create creates the table named name from Definition, waits until it is active and
// turns on TTL on TTLAttribute. It is idempotent: an existing table is left as it is
// (its TTL setting is still ensured). It returns an error wrapping the AWS error when
// the table cannot be created or does not become active within a minute.
func Create(ctx context.Context, db Admin, name string) error {
	_, err := db.CreateTable(ctx, Definition(name))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil && !isTTLAlreadyEnabled(err) {
		return fmt.Errorf("enable ttl on %s: %w", name, err)
	}
	return nil
}

// isTTLAlreadyEnabled reports whether err is DynamoDB's answer to enabling TTL
// that is already enabled (a ValidationException), which Create treats as done.
func isTTLAlreadyEnabled(err error) bool {
	var ve interface {
		ErrorCode() string
		ErrorMessage() string
	}
	return errors.As(err, &ve) && ve.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(ve.ErrorMessage()), "already enabled")
}
