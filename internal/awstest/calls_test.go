package awstest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/easytocloud/easytocloud/internal/awstest"
)

// TestCallsRecordsIAMActions: JSON and query protocols, a transaction as its items'
// actions, execute-api as Invoke, each by the key that signed it; unsigned requests
// are not recorded.
func TestCallsRecordsIAMActions(t *testing.T) {
	ctx := context.Background()
	rec := awstest.RecordCalls(nil)
	cfg := awstest.Config(t)
	cfg.HTTPClient = rec.Client()
	table := awstest.Table(t)

	db := dynamodb.NewFromConfig(cfg)
	key := map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "A"}, "sk": &dbtypes.AttributeValueMemberS{Value: "B"}}
	if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key}); err != nil {
		t.Fatal(err)
	}
	other := map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "C"}, "sk": &dbtypes.AttributeValueMemberS{Value: "D"}}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []dbtypes.TransactWriteItem{
		{Put: &dbtypes.Put{TableName: aws.String(table), Item: key}},
		{Update: &dbtypes.Update{TableName: aws.String(table), Key: other, UpdateExpression: aws.String("SET n = :n"),
			ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":n": &dbtypes.AttributeValueMemberN{Value: "1"}}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	tenant := awstest.AccountConfig(t, awstest.NewAccountID(t))
	tenant.HTTPClient = rec.Client()
	if _, err := ec2.NewFromConfig(tenant).DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
		t.Fatal(err)
	}

	api := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer api.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+"/mfa/v1/elevations/t/u", nil)
	creds := aws.Credentials{AccessKeyID: "AKIAINVOKER", SecretAccessKey: "x"}
	empty := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "execute-api", "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*http.Request{req, httptestGet(t, api.URL)} {
		resp, err := rec.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	want := []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "sts:GetCallerIdentity"}
	if diff := cmp.Diff(want, rec.Actions(awstest.DefaultAccessKeyID)); diff != "" {
		t.Errorf("actions of the default key (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ec2:DescribeRegions", "execute-api:Invoke"}, rec.ActionsExcept(awstest.DefaultAccessKeyID)); diff != "" {
		t.Errorf("actions of other keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"execute-api:Invoke"}, rec.Actions("AKIAINVOKER")); diff != "" {
		t.Errorf("actions of the invoker (-want +got):\n%s", diff)
	}
	if n := len(rec.Keys()); n != 3 {
		t.Errorf("keys %v, want the default, the tenant role's and the invoker's", rec.Keys())
	}
	if diff := cmp.Diff(append(want, "ec2:DescribeRegions", "execute-api:Invoke"), rec.Actions(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("all actions (-want +got):\n%s", diff)
	}
}

// httptestGet is an unsigned request.
func httptestGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestWarmRegions: warming two accounts succeeds, and afterwards a region answers
// at once.
func TestWarmRegions(t *testing.T) {
	a, b := awstest.AccountConfig(t, awstest.NewAccountID(t)), awstest.AccountConfig(t, awstest.NewAccountID(t))
	awstest.WarmRegions(t, a, b)
	start := time.Now()
	if _, err := ec2.NewFromConfig(b, func(o *ec2.Options) { o.Region = "ap-southeast-2" }).DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("a warmed region answered in %v", time.Since(start))
}
