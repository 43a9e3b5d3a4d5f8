package oauth_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
)

// hungDB never answers a GetItem: it returns only when the request's context ends,
// as a call to an unreachable DynamoDB would.
type hungDB struct{ table.DB }

func (hungDB) GetItem(ctx context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestRequestTimeout: with the table hung, the token endpoint still answers (a
// server_error, not a hang past Alexa's limit), because every request runs under
// the server's RequestTimeout.
func TestRequestTimeout(t *testing.T) {
	e := newEnv(t, func(c *oauth.Config) {
		c.Table = table.New(hungDB{dynamodb.NewFromConfig(awstest.Config(t))}, c.Table.Name())
		c.RequestTimeout = 300 * time.Millisecond
	})
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"anything"}}
	r := e.tokenPost(t, form, e.client.ID, e.secret)
	if got := errorCode(t, r); r.status != 500 || got != "server_error" {
		t.Fatalf("token endpoint with a hung table answered %d %s, want 500 server_error", r.status, got)
	}
}
