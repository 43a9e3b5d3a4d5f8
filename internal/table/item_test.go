package table_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
)

func TestMain(m *testing.M) { awstest.Main(m) }

type item struct {
	PK        string   `dynamodbav:"pk"`
	SK        string   `dynamodbav:"sk"`
	Count     int64    `dynamodbav:"count"`
	Scopes    []string `dynamodbav:"scopes"`
	ExpiresAt int64    `dynamodbav:"expires_at"`
}

// TestItemsRoundTrip: Marshal, a conditional Put read by ConditionFailed, Get into a
// struct, ErrNoItem for a missing item, and CancelReasons of a cancelled
// transaction, against the emulator.
func TestItemsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := dynamodb.NewFromConfig(awstest.Config(t))
	name := awstest.Table(t)
	tbl := table.New(db, name)
	want := item{PK: "A#1", SK: "#X", Count: 3, Scopes: []string{"a", "b"}, ExpiresAt: 1767323045}
	put := &dynamodb.PutItemInput{TableName: aws.String(name), Item: table.Marshal(want), ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if _, err := db.PutItem(ctx, put); err != nil || table.ConditionFailed(err) {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, put); !table.ConditionFailed(err) {
		t.Errorf("second conditional put: %v, want a failed condition", err)
	}
	var got item
	if err := tbl.Get(ctx, table.Key("A#1", "#X"), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item (-want +got):\n%s", diff)
	}
	if err := tbl.Get(ctx, table.Key("A#2", "#X"), &got); !errors.Is(err, table.ErrNoItem) {
		t.Errorf("missing item: %v, want ErrNoItem", err)
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(name), Item: table.Marshal(item{PK: "B", SK: "#X"})}},
		{Update: &types.Update{TableName: aws.String(name), Key: table.Key("A#1", "#X"), UpdateExpression: aws.String("SET #c = :n"),
			ConditionExpression: aws.String("#c = :old"), ExpressionAttributeNames: map[string]string{"#c": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": table.N(4), ":old": table.N(99)}}},
	}})
	if diff := cmp.Diff([]string{"None", "ConditionalCheckFailed"}, table.CancelReasons(err)); diff != "" {
		t.Errorf("cancel reasons of %v (-want +got):\n%s", err, diff)
	}
	if table.CancelReasons(errors.New("other")) != nil || table.ConditionFailed(errors.New("other")) {
		t.Error("another error read as a failed condition or a cancelled transaction")
	}
}

// unmarshallable fails to marshal, as a field of a type DynamoDB cannot hold would.
type unmarshallable struct{}

func (unmarshallable) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return nil, errors.New("cannot")
}

func TestMarshalPanicsOnProgrammingErrors(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a value DynamoDB cannot hold")
		}
	}()
	table.Marshal(struct{ U unmarshallable }{})
}
