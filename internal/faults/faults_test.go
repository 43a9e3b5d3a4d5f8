package faults_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestWireFormats: each service's injected errors decode, through the SDK, into the
// error codes AWS sends, and a lost response really ran the request.
func TestWireFormats(t *testing.T) {
	ft := faults.New(nil)
	cfg := ft.Config(awstest.Config(t))
	cfg.RetryMaxAttempts = 1
	ctx := context.Background()
	table := awstest.Table(t)
	calls := map[string]func() error{
		"sts": func() error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		},
		"ec2": func() error {
			_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		},
		"sns": func() error {
			_, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String("+15550100999"), Message: aws.String("x")})
			return err
		},
		"kms": func() error { _, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{}); return err },
		"dynamodb": func() error {
			_, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
			return err
		},
		"kinesis": func() error {
			_, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
			return err
		},
	}
	throttleCode := map[string]string{"sts": "Throttling", "ec2": "RequestLimitExceeded", "sns": "Throttling",
		"kms": "ThrottlingException", "dynamodb": "ThrottlingException", "kinesis": "LimitExceededException"}
	for svc, call := range calls {
		t.Run(svc, func(t *testing.T) {
			if err := call(); err != nil {
				t.Fatalf("without a fault: %v", err)
			}
			for _, k := range []faults.Kind{faults.Throttle, faults.ServerError, faults.Timeout, faults.LostResponse} {
				ft.Add(faults.Rule{Service: svc, Kind: k, Times: 1})
				before := ft.Calls(svc, "")
				err := call()
				var ae smithy.APIError
				var ne net.Error
				switch {
				case err == nil:
					t.Errorf("%v: no error", k)
				case k == faults.Throttle && (!errors.As(err, &ae) || ae.ErrorCode() != throttleCode[svc]):
					t.Errorf("%v: %v, want code %s", k, err, throttleCode[svc])
				case k == faults.Timeout && (!errors.As(err, &ne) || !ne.Timeout()):
					t.Errorf("%v: %v, want a network timeout", k, err)
				}
				if got := ft.Calls(svc, "") - before; got != 1 {
					t.Errorf("%v: %d attempts seen, want 1", k, got)
				}
			}
			if n := ft.Injected(svc, ""); n != 4 {
				t.Errorf("injected %d, want 4", n)
			}
			if err := call(); err != nil {
				t.Errorf("after the rules ran out: %v", err)
			}
		})
	}
	// A lost response ran: the SNS message was recorded although the caller got 500.
	if n := len(awstest.SMSTo(t, "+15550100999")); n != 3 { // plain, after the rules, and the lost one
		t.Errorf("%d messages published, want 3", n)
	}
	// Skip lets requests through before failing.
	ft.Add(faults.Rule{Service: "sts", Kind: faults.ServerError, Skip: 1, Times: 1})
	if err := calls["sts"](); err != nil {
		t.Errorf("the skipped request failed: %v", err)
	}
	if err := calls["sts"](); err == nil {
		t.Error("the request after the skipped one did not fail")
	}
	if got := ft.InjectedByService(); len(got) != 6 {
		t.Errorf("InjectedByService = %v", got)
	}
}
