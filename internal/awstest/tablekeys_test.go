package awstest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
)

// TestTableKeysRecordsEveryKey: every kind of request the stores make, through
// table.Table against the emulator, is recorded with the partition key IAM's
// dynamodb:LeadingKeys holds for it, failed conditional writes included.
func TestTableKeysRecordsEveryKey(t *testing.T) {
	ctx := context.Background()
	rec := awstest.RecordTableKeys(dynamodb.NewFromConfig(awstest.Config(t)))
	tbl := table.New(rec, awstest.Table(t))
	item := table.Key("A#1", "#A")
	item[table.GSIPartitionKey], item[table.GSISortKey] = table.S("G#1"), table.S("x")
	if _, err := tbl.Put(ctx, &dynamodb.PutItemInput{Item: item}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := tbl.Get(ctx, table.Key("A#1", "#A"), &got); err != nil {
		t.Fatal(err)
	}
	_, err := tbl.Update(ctx, &dynamodb.UpdateItemInput{Key: table.Key("B#1", "#B"), UpdateExpression: aws.String("SET n = :one"),
		ConditionExpression: aws.String("attribute_exists(pk)"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": table.N(1)}})
	if !table.ConditionFailed(err) {
		t.Fatalf("conditional update of a missing item: %v", err)
	}
	if _, err := tbl.Delete(ctx, &dynamodb.DeleteItemInput{Key: table.Key("C#1", "#C")}); err != nil {
		t.Fatal(err)
	}
	err = tbl.Transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{Item: table.Key("D#1", "#D")}},
		{Update: &types.Update{Key: table.Key("E#1", "#E"), UpdateExpression: aws.String("SET n = :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": table.N(1)}}},
		{Delete: &types.Delete{Key: table.Key("F#1", "#F")}},
		{ConditionCheck: &types.ConditionCheck{Key: table.Key("A#1", "#A"), ConditionExpression: aws.String("attribute_exists(pk)")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.QueryAll(ctx, &dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S("A#1"), ":s": table.S("#")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.QueryAll(ctx, &dynamodb.QueryInput{IndexName: aws.String(table.GSIName),
		KeyConditionExpression:    aws.String("#k = :v"),
		ExpressionAttributeNames:  map[string]string{"#k": table.GSIPartitionKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": table.S("G#1")}}); err != nil {
		t.Fatal(err)
	}

	want := []awstest.KeyAccess{
		{Action: "dynamodb:PutItem", Key: "A#1"},
		{Action: "dynamodb:GetItem", Key: "A#1"},
		{Action: "dynamodb:UpdateItem", Key: "B#1"},
		{Action: "dynamodb:DeleteItem", Key: "C#1"},
		{Action: "dynamodb:PutItem", Key: "D#1"},
		{Action: "dynamodb:UpdateItem", Key: "E#1"},
		{Action: "dynamodb:DeleteItem", Key: "F#1"},
		{Action: "dynamodb:ConditionCheckItem", Key: "A#1"},
		{Action: "dynamodb:Query", Key: "A#1"},
		{Action: "dynamodb:Query", Index: table.GSIName, Key: "G#1"},
	}
	if diff := cmp.Diff(want, rec.Accesses()); diff != "" {
		t.Errorf("recorded accesses (-want +got):\n%s", diff)
	}
}

// errorsTB records the errors a check reports instead of failing the test.
type errorsTB struct {
	testing.TB
	errs []string
}

func (e *errorsTB) Errorf(format string, args ...any) {
	e.errs = append(e.errs, format)
}

// TestCheckTableKeys: an access no grant allows, a grant nothing used and a grant
// listed as unused that was used each fail the check; what matches passes.
func TestCheckTableKeys(t *testing.T) {
	ctx := context.Background()
	rec := awstest.RecordTableKeys(dynamodb.NewFromConfig(awstest.Config(t)))
	tbl := table.New(rec, awstest.Table(t))
	for _, pk := range []string{"A#1", "B#1"} {
		var got map[string]any
		_ = tbl.Get(ctx, table.Key(pk, "#"), &got)
	}
	_, _ = tbl.QueryAll(ctx, &dynamodb.QueryInput{IndexName: aws.String(table.GSIName), KeyConditionExpression: aws.String("gsi1pk = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": table.S("A#1")}})
	getA := awstest.KeyGrant{Action: "dynamodb:GetItem", Prefix: "A#"}
	getB := awstest.KeyGrant{Action: "dynamodb:GetItem", Prefix: "B#"}
	queryA := awstest.KeyGrant{Action: "dynamodb:Query", Index: table.GSIName, Prefix: "A#"}
	putA := awstest.KeyGrant{Action: "dynamodb:PutItem", Prefix: "A#"}
	cases := []struct {
		name           string
		grants, unused []awstest.KeyGrant
		errs           int
	}{
		{"OK", []awstest.KeyGrant{getA, getB, queryA}, nil, 0},
		{"NotYetUsed", []awstest.KeyGrant{getA, getB, queryA, putA}, []awstest.KeyGrant{putA}, 0},
		{"Undeclared", []awstest.KeyGrant{getA, queryA}, nil, 1},
		{"QueryOnTheTable", []awstest.KeyGrant{getA, getB, {Action: "dynamodb:Query", Prefix: "A#"}}, nil, 2},
		{"Unused", []awstest.KeyGrant{getA, getB, queryA, putA}, nil, 1},
		{"UsedThoughListed", []awstest.KeyGrant{getA, getB, queryA}, []awstest.KeyGrant{getB}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := &errorsTB{TB: t}
			awstest.CheckTableKeys(tb, rec, c.grants, c.unused)
			if len(tb.errs) != c.errs {
				t.Errorf("%d errors (%s), want %d", len(tb.errs), strings.Join(tb.errs, "; "), c.errs)
			}
		})
	}
}
