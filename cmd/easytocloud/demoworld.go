package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/internal/emulator"
	"github.com/easytocloud/easytocloud/internal/localsts"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// The demo world: what make demo seeds in the emulator (issue 9).
const (
	demoTable         = "easytocloud-demo"
	demoSecretsAlias  = "alias/easytocloud-demo-secrets"
	demoClientName    = "easytocloud dialog (demo)"
	demoRedirectURI   = "http://127.0.0.1/callback" // any port (RFC 8252)
	demoPassword      = "correct horse battery staple"
	demoVerifierKeyID = "AKIAEASYTOCLOUDDEMO1"
	// demoMailFrom is the console's sender in the demo; its domain is a verified SES
	// identity in the emulator (which refuses unverified senders), as the operator's
	// domain is on AWS.
	demoMailFrom   = "easytocloud <console@" + demoMailDomain + ">"
	demoMailDomain = "easytocloud.localhost"
)

// demoTenant is one tenant of the demo world and its AWS account's contents.
type demoTenant struct {
	name, account string
	mfa           tenants.MFAKind
	email, phone  string
	instances     []demoInstance
	streams       []demoStream
	// warm: the demo's dialog talks as this tenant's user, so its account's regions
	// are built in the emulator ahead of the first question.
	warm bool
}

type demoInstance struct{ region, name, state string }

type demoStream struct {
	region, name string
	shards       int32
}

// demoTenants are acme (SMS codes) and globex (an MFA token): the conversation of
// docs/ARCHITECTURE.md is acme's. globex has one instance of its own, which acme never sees.
var demoTenants = []demoTenant{
	{
		name: "acme", account: "222222222222", mfa: tenants.MFASMS,
		email: "alice@acme.example", phone: "+15555550100",
		instances: []demoInstance{
			{"eu-west-1", "splunk", "stopped"},
			{"eu-west-1", "jenkins", "running"},
			{"us-east-1", "web-1", "running"},
		},
		streams: []demoStream{{"eu-west-1", "clickstream", 4}},
		warm:    true,
	},
	{
		name: "globex", account: "333333333333", mfa: tenants.MFAToken,
		email: "bob@globex.example", phone: "+15555550199",
		instances: []demoInstance{{"eu-west-1", "ledger", "stopped"}},
	},
}

// demoSpare is an account of the demo world that no tenant holds, with something to
// see: a newcomer signs up an organisation in the console, creates the role there
// with local-role create (the command the demo prints) and connects it.
var demoSpare = demoTenant{
	name: "spare", account: "444444444444",
	instances: []demoInstance{
		{"eu-west-1", "web-2", "running"},
		{"us-east-1", "batch", "stopped"},
	},
}

// demoSeed is what seeding made that the rest of the demo needs.
type demoSeed struct {
	SecretsKeyID           string
	ClientID, ClientSecret string
	Users                  map[string]tenants.User // by tenant name
}

// seedDemoWorld creates the table, the secrets key, the console's verified SES
// sender domain, the tenants with their users and AWS resources, the spare account's
// resources, and the dialog's OAuth client in the emulator cfg points at.
// It is idempotent: what exists is kept (instances are put back in their seeded
// state, the client gets a new secret, the users the demo password).
func seedDemoWorld(ctx context.Context, cfg aws.Config) (demoSeed, error) {
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	if err := table.Create(ctx, db, demoTable); err != nil {
		return demoSeed{}, fmt.Errorf("create table: %w", err)
	}
	keyID, err := demoSecretsKey(ctx, keys)
	if err != nil {
		return demoSeed{}, err
	}
	if err := emulator.VerifySender(ctx, cfg, demoMailDomain); err != nil {
		return demoSeed{}, err
	}
	seed := demoSeed{SecretsKeyID: keyID, Users: map[string]tenants.User{}}
	store := dynamo.NewStore(table.New(db, demoTable), keys, keyID)
	existing, err := store.ListTenants(ctx)
	if err != nil {
		return demoSeed{}, fmt.Errorf("list tenants: %w", err)
	}
	// The accounts' resources are independent of the table: seed them meanwhile.
	var wg sync.WaitGroup
	accounts := append(slices.Clone(demoTenants), demoSpare)
	accountErrs := make([]error, len(accounts))
	for i, dt := range accounts {
		wg.Go(func() { accountErrs[i] = seedDemoAccount(ctx, cfg, dt) })
	}
	var tableErr error
	for _, dt := range demoTenants {
		u, err := seedDemoTenant(ctx, cfg, store, existing, dt)
		if err != nil {
			tableErr = err
			break
		}
		seed.Users[dt.name] = u
	}
	if tableErr == nil {
		seed.ClientID, seed.ClientSecret, tableErr = seedDemoClient(ctx, oauth.NewClients(table.New(db, demoTable)))
	}
	wg.Wait()
	if err := errors.Join(append(accountErrs, tableErr)...); err != nil {
		return demoSeed{}, err
	}
	return seed, nil
}

// demoSecretsKey returns the symmetric KMS key under demoSecretsAlias, creating both.
func demoSecretsKey(ctx context.Context, keys *kms.Client) (string, error) {
	out, err := keys.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(demoSecretsAlias)})
	if err == nil {
		return aws.ToString(out.KeyMetadata.KeyId), nil
	}
	var missing *kmstypes.NotFoundException
	if !errors.As(err, &missing) {
		return "", fmt.Errorf("describe secrets key: %w", err)
	}
	created, err := keys.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("easytocloud demo: MAC keys and sealed secrets")})
	if err != nil {
		return "", fmt.Errorf("create secrets key: %w", err)
	}
	id := aws.ToString(created.KeyMetadata.KeyId)
	if _, err := keys.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(demoSecretsAlias), TargetKeyId: aws.String(id)}); err != nil {
		return "", fmt.Errorf("alias secrets key: %w", err)
	}
	return id, nil
}

// seedDemoTenant creates the tenant (unless one of that name exists), its role and its
// user, and sets the user's password to the demo password.
func seedDemoTenant(ctx context.Context, cfg aws.Config, store *dynamo.Store, existing []tenants.Tenant, dt demoTenant) (tenants.User, error) {
	i := slices.IndexFunc(existing, func(t tenants.Tenant) bool { return t.Name == dt.name })
	var t tenants.Tenant
	if i >= 0 {
		t = existing[i]
	} else {
		t = tenants.Tenant{
			Name:    dt.name,
			RoleARN: "arn:aws:iam::" + dt.account + ":role/easytocloud",
			MFA:     tenants.MFAPolicy{Kind: dt.mfa, Elevation: tenants.DefaultElevation},
		}
		secret := ""
		if dt.mfa == tenants.MFAToken {
			// The emulator accepts any code for any device and keys; on AWS these are the
			// tenant's verifier IAM user and its MFA device.
			t.MFA.Serial = "arn:aws:iam::" + dt.account + ":mfa/easytocloud-demo-token"
			t.MFA.VerifierKeyID = demoVerifierKeyID
			secret = (rand.Text() + rand.Text())[:40] // as long as an AWS secret access key
		}
		var err error
		if t, err = store.CreateTenant(ctx, t, secret); err != nil {
			return tenants.User{}, fmt.Errorf("create tenant %s: %w", dt.name, err)
		}
	}
	if err := seedDemoRole(ctx, cfg, t); err != nil {
		return tenants.User{}, fmt.Errorf("tenant %s: %w", dt.name, err)
	}
	u, err := store.UserByEmail(ctx, dt.email)
	switch {
	case errors.Is(err, tenants.ErrNotFound):
		u, err = store.CreateUser(ctx, tenants.User{TenantID: t.ID, Email: dt.email, Phone: dt.phone}, demoPassword)
		if err != nil {
			return tenants.User{}, fmt.Errorf("create user %s: %w", dt.email, err)
		}
		return u, nil
	case err != nil:
		return tenants.User{}, fmt.Errorf("find user %s: %w", dt.email, err)
	}
	if err := store.SetPassword(ctx, u.TenantID, u.ID, demoPassword); err != nil {
		return tenants.User{}, fmt.Errorf("reset password of %s: %w", dt.email, err)
	}
	return u, nil
}

// seedDemoRole creates t's role in the emulator's IAM, or puts its trust policy back,
// with the trust policy the terraform/tenant module writes (only the operator, and
// only with t's ExternalId), and verifies it as easytocloud tenant verify-role does,
// through the local stack's STS, which plays that trust policy.
func seedDemoRole(ctx context.Context, cfg aws.Config, t tenants.Tenant) error {
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I: %w", err)
	}
	acct, err := demoAccountConfig(ctx, cfg, t.AccountID())
	if err != nil {
		return err
	}
	if err := localsts.PutRole(ctx, iam.NewFromConfig(acct), t.RoleARN, localsts.TenantTrustPolicy("arn:aws:iam::"+aws.ToString(id.Account)+":root", t.ExternalID)); err != nil {
		return err
	}
	if err := account.NewAccess(localsts.New(cfg)).VerifyRole(ctx, t); err != nil {
		return fmt.Errorf("the seeded role fails verification: %w", err)
	}
	return nil
}

// seedDemoClient registers the dialog's OAuth client, or gives the existing one a
// new secret (a secret is shown only once, so the old one is lost).
func seedDemoClient(ctx context.Context, clients *oauth.Clients) (id, secret string, err error) {
	list, err := clients.List(ctx)
	if err != nil {
		return "", "", fmt.Errorf("list OAuth clients: %w", err)
	}
	for _, c := range list {
		if c.Name == demoClientName {
			secret, err := clients.RotateSecret(ctx, c.ID)
			if err != nil {
				return "", "", fmt.Errorf("rotate demo client secret: %w", err)
			}
			return c.ID, secret, nil
		}
	}
	c, secret, err := clients.Create(ctx, oauth.Client{Name: demoClientName, RedirectURIs: []string{demoRedirectURI}, RequirePKCE: true})
	if err != nil {
		return "", "", fmt.Errorf("create demo OAuth client: %w", err)
	}
	return c.ID, secret, nil
}

// demoAccountConfig returns cfg acting in account, through a role assumed there as
// easytocloud does (the emulator lets the demo's credentials assume any role).
func demoAccountConfig(ctx context.Context, cfg aws.Config, account string) (aws.Config, error) {
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::" + account + ":role/easytocloud-demo-seed"),
		RoleSessionName: aws.String("easytocloud-demo"),
	})
	if err != nil {
		return aws.Config{}, fmt.Errorf("assume a role in %s: %w", account, err)
	}
	c := out.Credentials
	acct := cfg.Copy()
	acct.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return acct, nil
}

// seedDemoAccount creates the tenant's instances and streams (those of the same name
// that exist are kept, instances put back in their seeded state). Meanwhile, for a
// warm tenant, it asks every region once, because the emulator builds a region on
// its first use (~5 s for 20) and the first "list instances" would otherwise be slow.
func seedDemoAccount(ctx context.Context, cfg aws.Config, dt demoTenant) (err error) {
	acct, err := demoAccountConfig(ctx, cfg, dt.account)
	if err != nil {
		return err
	}
	if dt.warm {
		warmed := make(chan error, 1)
		go func() { warmed <- emulator.WarmRegions(ctx, acct) }()
		defer func() { err = errors.Join(err, <-warmed) }()
	}
	for _, in := range dt.instances {
		if err := seedDemoInstance(ctx, ec2.NewFromConfig(acct, func(o *ec2.Options) { o.Region = in.region }), in); err != nil {
			return fmt.Errorf("%s: %w", dt.name, err)
		}
	}
	for _, s := range dt.streams {
		if err := seedDemoStream(ctx, kinesis.NewFromConfig(acct, func(o *kinesis.Options) { o.Region = s.region }), s); err != nil {
			return fmt.Errorf("%s: %w", dt.name, err)
		}
	}
	return nil
}

func seedDemoInstance(ctx context.Context, client *ec2.Client, in demoInstance) error {
	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:Name"), Values: []string{in.name}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}})
	if err != nil {
		return fmt.Errorf("find instance %s: %w", in.name, err)
	}
	var id, state string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			id, state = aws.ToString(i.InstanceId), string(i.State.Name)
		}
	}
	if id == "" {
		run, err := client.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(in.name)}}}},
		})
		if err != nil {
			return fmt.Errorf("run instance %s: %w", in.name, err)
		}
		id, state = aws.ToString(run.Instances[0].InstanceId), "running"
	}
	switch {
	case in.state == "stopped" && state != "stopped":
		_, err = client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	case in.state == "running" && state != "running":
		_, err = client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	}
	if err != nil {
		return fmt.Errorf("put instance %s back to %s: %w", in.name, in.state, err)
	}
	return nil
}

func seedDemoStream(ctx context.Context, client *kinesis.Client, s demoStream) error {
	_, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(s.name)})
	var missing *kinesistypes.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &missing):
		return fmt.Errorf("find stream %s: %w", s.name, err)
	}
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(s.name), ShardCount: aws.Int32(s.shards)}); err != nil {
		return fmt.Errorf("create stream %s: %w", s.name, err)
	}
	w := kinesis.NewStreamExistsWaiter(client, func(o *kinesis.StreamExistsWaiterOptions) { o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second })
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(s.name)}, time.Minute); err != nil {
		return fmt.Errorf("wait for stream %s: %w", s.name, err)
	}
	return nil
}
