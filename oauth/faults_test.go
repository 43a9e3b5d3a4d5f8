package oauth_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
)

// TestTokenGrantsUnderFaults redeems codes and uses refresh tokens while the
// server's DynamoDB writes lose their answers (the write landed, the SDK retries it
// and its condition now fails), fail before landing, or time out. A code's one-time
// use is a conditional transaction: whatever the client is told, the table must
// agree with it — tokens issued means a refresh token that works, an error means no
// refresh token left behind from that code — and the user can always link again.
func TestTokenGrantsUnderFaults(t *testing.T) {
	ft := faults.New(nil)
	e := newEnv(t, func(c *oauth.Config) {
		cfg := ft.Config(awstest.Config(t))
		c.Table = table.New(dynamodb.NewFromConfig(cfg), c.Table.Name())
	})
	p := tenants.Principal{TenantID: e.tenant.ID, UserID: e.user.ID}
	live := func() int {
		out, err := e.db.Query(context.Background(), &dynamodb.QueryInput{
			TableName: aws.String(e.table), IndexName: aws.String(table.GSIName),
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": table.GSIPartitionKey},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "OAUTHUSER#" + p.TenantID + "#" + p.UserID}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return int(out.Count)
	}
	cfg := e.config(alexaRedirect())
	for _, k := range []faults.Kind{faults.LostResponse, faults.ServerError, faults.Timeout} {
		t.Run("Redeem/"+k.String(), func(t *testing.T) {
			v := oauth2.GenerateVerifier()
			code := e.authorize(t, cfg, v)
			before := live()
			ft.Add(faults.Rule{Service: "dynamodb", Action: "TransactWriteItems", Kind: k, Times: 1})
			tok, err := e.exchange(cfg, code, v)
			ft.Clear()
			after := live()
			t.Logf("exchange: err %v; refresh tokens %d → %d", oauthErrorCode(err), before, after)
			if err == nil {
				if after != before+1 {
					t.Errorf("tokens issued, but %d refresh tokens → %d", before, after)
				}
				if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
					t.Errorf("the issued refresh token does not work: %v", err)
				}
			} else if after != before {
				t.Errorf("the exchange failed, but %d refresh tokens → %d: one is left behind", before, after)
			}
			// The user can link again.
			if tok := e.link(t); tok.RefreshToken == "" {
				t.Error("linking again gave no refresh token")
			}
		})
	}
	tok := e.link(t)
	for _, k := range []faults.Kind{faults.LostResponse, faults.ServerError} {
		t.Run("Refresh/"+k.String(), func(t *testing.T) {
			ft.Add(faults.Rule{Service: "dynamodb", Action: "UpdateItem", Kind: k, Times: 1})
			_, err := e.refresh(cfg, tok.RefreshToken)
			ft.Clear()
			t.Logf("refresh: err %v", oauthErrorCode(err))
			// A fault while recording the use may fail this refresh, never the token.
			if _, err := e.refresh(cfg, tok.RefreshToken); err != nil {
				t.Errorf("the refresh token no longer works after a %s: %v", k, err)
			}
		})
	}
	t.Logf("faults injected: %v", ft.InjectedByService())
}
