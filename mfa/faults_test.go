package mfa

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestVerifyUnderFaults checks the right SMS code while the Service's DynamoDB
// writes (try count, code use, failure window, elevation) lose their answers or fail.
// Whatever Verify answers, the table agrees: a success means an elevation, an error
// means none; and the user is never locked out by faults alone.
func TestVerifyUnderFaults(t *testing.T) {
	e := newEnv(t)
	ft := faults.New(nil)
	cfg := ft.Config(awstest.Config(t))
	tableName, keyID := sharedTable(t)
	db := dynamodb.NewFromConfig(cfg)
	svc := NewService(e.store, dynamo.NewKeyring(table.New(db, tableName), kms.NewFromConfig(cfg), keyID), table.New(db, tableName), e.sns, e.sts.factory)
	svc.Now = e.clock.Now
	svc.Log = e.svc.Log
	ctx := context.Background()
	a := e.sms
	for _, tc := range []struct {
		name string
		rule faults.Rule
	}{
		{"TryCountLost", faults.Rule{Service: "dynamodb", Action: "UpdateItem", Kind: faults.LostResponse, Times: 1}},
		{"CodeUseLost", faults.Rule{Service: "dynamodb", Action: "DeleteItem", Kind: faults.LostResponse, Times: 1}},
		{"FailureWindowLost", faults.Rule{Service: "dynamodb", Action: "PutItem", Kind: faults.LostResponse, Times: 1}},
		{"ElevationLost", faults.Rule{Service: "dynamodb", Action: "PutItem", Kind: faults.LostResponse, Skip: 1, Times: 1}},
		{"Elevation5xx", faults.Rule{Service: "dynamodb", Action: "PutItem", Kind: faults.ServerError, Skip: 1, Times: 3}},
		{"CodeUse5xx", faults.Rule{Service: "dynamodb", Action: "DeleteItem", Kind: faults.ServerError, Times: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.svc.Lock(ctx, a.tenant.ID, a.user.ID); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(SendWindow) // a fresh send allowance each case
			mustChallenge(t, e.svc, a)
			code, _ := e.lastCode(t, a)
			ft.Add(tc.rule)
			_, err := svc.Verify(ctx, a.tenant.ID, a.user.ID, here, code)
			ft.Clear()
			_, elevErr := e.svc.Elevation(ctx, a.tenant.ID, a.user.ID, here)
			elevated := elevErr == nil
			t.Logf("Verify: %v; elevated %v", err, elevated)
			if (err == nil) != elevated {
				t.Errorf("Verify answered %v, but elevated is %v", err, elevated)
			}
			if errors.Is(err, ErrLocked) {
				t.Errorf("a fault locked the user out: %v", err)
			}
		})
	}
	if n := ft.Injected("dynamodb", ""); n == 0 {
		t.Error("no fault was injected")
	}
	t.Logf("faults injected: %v", ft.InjectedByService())
}

// TestFailedSendsDoNotCount: challenges whose SMS does not go out, because SNS fails
// (5xx through the SDK's retries, throttling) or because storing the code fails
// first, do not use up the user's MaxSends: afterwards MaxSends codes still go out
// within the window, and only the next one is refused.
func TestFailedSendsDoNotCount(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule faults.Rule
	}{
		{"SNS5xx", faults.Rule{Service: "sns", Action: "Publish", Kind: faults.ServerError}},
		{"SNSThrottles", faults.Rule{Service: "sns", Action: "Publish", Kind: faults.Throttle}},
		{"SNSTimesOut", faults.Rule{Service: "sns", Action: "Publish", Kind: faults.Timeout}},
		// The send window's write passes; the challenge's fails (every SDK attempt).
		{"CodeNotStored", faults.Rule{Service: "dynamodb", Action: "PutItem", Kind: faults.ServerError, Skip: 1, Times: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ft := faults.New(nil)
			cfg := ft.Config(awstest.Config(t))
			tableName, keyID := sharedTable(t)
			db := dynamodb.NewFromConfig(cfg)
			svc := NewService(e.store, dynamo.NewKeyring(table.New(db, tableName), kms.NewFromConfig(cfg), keyID), table.New(db, tableName), sns.NewFromConfig(cfg), e.sts.factory)
			svc.Now, svc.Log = e.clock.Now, e.svc.Log
			ctx := context.Background()
			a := e.sms

			failed := 0
			for range MaxSends + 1 {
				ft.Add(tc.rule)
				_, err := svc.Challenge(ctx, a.tenant.ID, a.user.ID, here)
				ft.Clear()
				if err == nil || errors.Is(err, ErrRateLimited) {
					t.Fatalf("challenge %d with %v: %v, want a failure to send", failed+1, tc.rule.Kind, err)
				}
				failed++
				e.clock.Advance(time.Second)
			}
			if n := len(awstest.SMSTo(t, a.user.Phone)); n != 0 {
				t.Fatalf("%d SMS went out through the faults", n)
			}
			for i := range MaxSends {
				mustChallenge(t, svc, a)
				if _, n := e.lastCode(t, a); n != i+1 {
					t.Errorf("%d SMS after %d good challenges", n, i+1)
				}
			}
			_, err := svc.Challenge(ctx, a.tenant.ID, a.user.ID, here)
			var re *RetryError
			if !errors.As(err, &re) || !errors.Is(err, ErrRateLimited) {
				t.Errorf("challenge %d: %v, want ErrRateLimited", MaxSends+1, err)
			}
			t.Logf("%d failed sends, then %d codes sent; faults injected: %v", failed, MaxSends, ft.InjectedByService())
		})
	}
}
