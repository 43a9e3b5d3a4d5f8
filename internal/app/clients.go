package app

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// KMS is the KMS client of the secrets key (Encrypt, Decrypt) and of the signing key
// (Sign, GetPublicKey).
type KMS interface {
	dynamo.KMS
	accesstoken.SignAPI
}

// AWS holds the AWS clients the services call, all made from Config. A constructor
// uses only the clients its service needs; the others may be nil.
type AWS struct {
	// Config is what the clients were made from: the skill makes its clients in
	// tenants' accounts from it, the mfa client signs with its credentials and the
	// mfa service checks token codes with STS clients like it.
	Config aws.Config
	DB     table.DB
	KMS    KMS
	SNS    mfa.SNS
	// STS assumes tenants' roles (account.Access). It is the SDK's client, not the
	// account package's interface, so that importing app does not link the
	// account adapters (EC2, Kinesis) into the functions that never call them.
	STS *sts.Client
}

// NewAWS makes every client from cfg. It does no I/O.
func NewAWS(cfg aws.Config) AWS {
	return AWS{
		Config: cfg,
		DB:     dynamodb.NewFromConfig(cfg),
		KMS:    kms.NewFromConfig(cfg),
		SNS:    sns.NewFromConfig(cfg),
		STS:    sts.NewFromConfig(cfg),
	}
}

// NewStore returns the tenants and users of c.Table, sealing secrets with
// c.SecretsKeyID ("" for a reader that never seals nor opens one).
func NewStore(c Config, a AWS) *dynamo.Store {
	return dynamo.NewStore(NewTable(c, a), a.KMS, c.SecretsKeyID)
}

// NewTable returns the single table c.Table through a.DB.
func NewTable(c Config, a AWS) *table.Table { return table.New(a.DB, c.Table) }

// NewKeyring returns the MAC keys of c.Table, encrypted with c.SecretsKeyID.
func NewKeyring(c Config, a AWS) *dynamo.Keyring {
	return dynamo.NewKeyring(NewTable(c, a), a.KMS, c.SecretsKeyID)
}

// KMSSigner returns the signer of access tokens with the KMS key c.SigningKeyID.
func KMSSigner(c Config, a AWS) *accesstoken.KMSSigner {
	return accesstoken.NewKMSSigner(a.KMS, c.SigningKeyID)
}
