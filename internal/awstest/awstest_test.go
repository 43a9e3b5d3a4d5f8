package awstest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
)

func TestMain(m *testing.M) { awstest.Main(m) }

func TestAccountsAreIsolated(t *testing.T) {
	tenantA := awstest.AccountConfig(t, "222222222222")
	tenantB := awstest.AccountConfig(t, "333333333333")

	ident, err := sts.NewFromConfig(tenantA).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("get caller identity: %v", err)
	}
	if got := aws.ToString(ident.Account); got != "222222222222" {
		t.Fatalf("assumed role acts in account %s, want 222222222222", got)
	}

	id := awstest.SeedInstance(t, tenantA, "eu-west-1", "splunk", "stopped")
	awstest.SeedInstance(t, tenantA, "us-east-1", "web-1", "running")

	if diff := cmp.Diff([]string{"splunk"}, awstest.InstanceNames(t, tenantA, "eu-west-1")); diff != "" {
		t.Errorf("tenant A eu-west-1 instances (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"web-1"}, awstest.InstanceNames(t, tenantA, "us-east-1")); diff != "" {
		t.Errorf("tenant A us-east-1 instances (-want +got):\n%s", diff)
	}
	if got := awstest.InstanceState(t, tenantA, "eu-west-1", id); got != "stopped" {
		t.Errorf("splunk state = %s, want stopped", got)
	}
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		if got := awstest.InstanceNames(t, tenantB, region); len(got) != 0 {
			t.Errorf("account 333333333333 sees %v in %s", got, region)
		}
		if got := awstest.InstanceNames(t, awstest.Config(t), region); len(got) != 0 {
			t.Errorf("default account sees %v in %s", got, region)
		}
	}
}

func TestSeedStreamIsRegional(t *testing.T) {
	cfg := awstest.AccountConfig(t, awstest.NewAccountID(t))
	awstest.SeedStream(t, cfg, "eu-west-1", "clickstream", 4)

	shards := func(region string) map[string]int {
		client := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.Region = region })
		out, err := client.ListStreams(context.Background(), &kinesis.ListStreamsInput{})
		if err != nil {
			t.Fatalf("list streams in %s: %v", region, err)
		}
		got := map[string]int{}
		for _, name := range out.StreamNames {
			s, err := client.ListShards(context.Background(), &kinesis.ListShardsInput{StreamName: aws.String(name)})
			if err != nil {
				t.Fatalf("list shards of %s: %v", name, err)
			}
			got[name] = len(s.Shards)
		}
		return got
	}
	if diff := cmp.Diff(map[string]int{"clickstream": 4}, shards("eu-west-1")); diff != "" {
		t.Errorf("eu-west-1 streams (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{}, shards("us-east-1")); diff != "" {
		t.Errorf("us-east-1 streams (-want +got):\n%s", diff)
	}
}

func TestSMSIsReadBack(t *testing.T) {
	const phone = "+15555550100"
	const text = "Your easy to cloud code is 514309. Say: Alexa, tell easy to cloud to authenticate 514309. It expires in 5 minutes."
	_, err := sns.NewFromConfig(awstest.Config(t)).Publish(context.Background(), &sns.PublishInput{
		PhoneNumber: aws.String(phone),
		Message:     aws.String(text),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
		},
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	got := awstest.SMSTo(t, phone)
	if len(got) != 1 {
		t.Fatalf("got %d messages to %s, want 1: %+v", len(got), phone, got)
	}
	if got[0].Text != text {
		t.Errorf("text = %q, want %q", got[0].Text, text)
	}
}

func TestTableNamesAreUnique(t *testing.T) {
	a, b := awstest.TableName(t), awstest.TableName(t)
	if a == b {
		t.Fatalf("TableName returned %q twice", a)
	}
	if !strings.Contains(a, "TestTableNamesAreUnique") {
		t.Errorf("table name %q does not name the test", a)
	}
	if x, y := awstest.NewAccountID(t), awstest.NewAccountID(t); x == y || len(x) != 12 {
		t.Errorf("NewAccountID gave %q and %q; want two distinct 12-digit IDs", x, y)
	}
}

func TestTableAndKeys(t *testing.T) {
	cfg := awstest.Config(t)
	name := awstest.Table(t)
	out, err := dynamodb.NewFromConfig(cfg).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("describe table: %v", err)
	}
	if got := aws.ToString(out.Table.KeySchema[0].AttributeName); got != table.PartitionKey {
		t.Errorf("hash key = %s, want %s", got, table.PartitionKey)
	}

	client := kms.NewFromConfig(cfg)
	secrets := awstest.SecretsKey(t)
	enc, err := client.Encrypt(context.Background(), &kms.EncryptInput{KeyId: aws.String(secrets), Plaintext: []byte("s3cret")})
	if err != nil {
		t.Fatalf("encrypt with the secrets key: %v", err)
	}
	dec, err := client.Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "s3cret" {
		t.Fatalf("decrypt = %q, %v; want s3cret", dec.Plaintext, err)
	}

	signing := awstest.SigningKey(t)
	// RAW: KMS hashes the message itself. (moto ignores MessageType DIGEST and hashes
	// again, so signers must send the raw signing input, at most 4096 bytes.)
	msg := []byte("header.payload")
	digest := sha256.Sum256(msg)
	sig, err := client.Sign(context.Background(), &kms.SignInput{
		KeyId: aws.String(signing), Message: msg, MessageType: kmstypes.MessageTypeRaw,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		t.Fatalf("sign with the signing key: %v", err)
	}
	pub, err := client.GetPublicKey(context.Background(), &kms.GetPublicKeyInput{KeyId: aws.String(signing)})
	if err != nil {
		t.Fatalf("get public key: %v", err)
	}
	key, err := x509.ParsePKIXPublicKey(pub.PublicKey)
	if err != nil {
		t.Fatalf("parse public key: %v", err)
	}
	ec, ok := key.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		t.Fatalf("public key is %T, want a P-256 ECDSA key", key)
	}
	if !ecdsa.VerifyASN1(ec, digest[:], sig.Signature) {
		t.Error("the KMS signature does not verify with the key's public key")
	}
}
