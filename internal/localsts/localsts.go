// Package localsts is the local stack's STS: the emulator's, with the trust
// policies the emulator ignores played from the emulator's own IAM, so that the role
// check (account.Access.VerifyRole) means on this machine what it means on AWS. It is
// only ever used for a loopback endpoint (IsLoopbackEndpoint).
package localsts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/account"
)

// STS is the STS of the local stack: the emulator's, with the part of IAM the
// emulator skips played from the emulator's own IAM. moto lets anyone assume any role
// with any ExternalId or none, so before passing an AssumeRole on, STS reads the
// role's trust policy from the emulator's IAM in the role's account and refuses, with
// AccessDenied as AWS would, a role that does not exist, a caller its trust policy
// does not name, and an ExternalId its conditions do not allow. It only ever refuses
// what the emulator would have allowed, never the reverse, so it cannot make a role
// pass VerifyRole that AWS would fail. It evaluates the trust policies
// terraform/tenant writes (Allow and Deny statements with AWS principals and the
// condition operators StringEquals, StringLike and Null on sts:ExternalId); any other
// condition fails closed.
type STS struct {
	emulator *sts.Client
	cfg      aws.Config // the emulator's endpoint and the operator's credentials

	callerOnce sync.Once
	caller     string // the operator's ARN, as GetCallerIdentity names it
	callerErr  error
}

var _ account.AssumeRoleAPI = (*STS)(nil)

// New returns the local stack's STS on the emulator cfg points at.
func New(cfg aws.Config) *STS {
	return &STS{emulator: sts.NewFromConfig(cfg), cfg: cfg}
}

// IsLoopbackEndpoint reports whether cfg sends AWS requests to this machine: the
// local emulator, never AWS (whose endpoints, VPC endpoints included, are remote).
func IsLoopbackEndpoint(cfg aws.Config) bool {
	if cfg.BaseEndpoint == nil {
		return false
	}
	u, err := url.Parse(*cfg.BaseEndpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// localSeedRole is the role STS assumes in a tenant's emulated account to read
// IAM there (the emulator lets it; it exists only in the emulator).
const localSeedRole = "easytocloud-local-iam"

// GetCallerIdentity passes the call to the emulator.
func (l *STS) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return l.emulator.GetCallerIdentity(ctx, in, opts...)
}

// AssumeRole passes the call to the emulator if the role's trust policy allows it.
func (l *STS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	caller, err := l.callerARN(ctx)
	if err != nil {
		return nil, err
	}
	role := aws.ToString(in.RoleArn)
	doc, err := l.trustPolicy(ctx, role)
	if err != nil {
		return nil, err
	}
	why := ""
	switch {
	case doc == "":
		why = "the emulator's IAM has no such role"
	case !trustAllows(doc, caller, in.ExternalId):
		why = "the local stack's STS played the role's trust policy"
	}
	if why != "" {
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: fmt.Sprintf(
			"User: %s is not authorized to perform: sts:AssumeRole on resource: %s (%s)", caller, role, why)}
	}
	return l.emulator.AssumeRole(ctx, in, opts...)
}

func (l *STS) callerARN(ctx context.Context) (string, error) {
	l.callerOnce.Do(func() {
		out, err := l.emulator.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			l.callerErr = fmt.Errorf("local STS: who am I: %w", err)
			return
		}
		l.caller = aws.ToString(out.Arn)
	})
	return l.caller, l.callerErr
}

// trustPolicy returns the trust policy document of roleARN as the emulator's IAM
// holds it, or "" when there is no such role.
func (l *STS) trustPolicy(ctx context.Context, roleARN string) (string, error) {
	account, _, name, ok := splitRoleARN(roleARN)
	if !ok {
		return "", nil
	}
	client, err := l.iamIn(ctx, account)
	if err != nil {
		return "", err
	}
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &missing):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("local STS: read the trust policy of %s: %w", roleARN, err)
	}
	if aws.ToString(out.Role.Arn) != roleARN { // the same name under another path
		return "", nil
	}
	doc := aws.ToString(out.Role.AssumeRolePolicyDocument)
	if decoded, err := url.QueryUnescape(doc); err == nil { // IAM returns it URL-encoded
		doc = decoded
	}
	return doc, nil
}

// iamIn returns an IAM client of the emulator acting in account.
func (l *STS) iamIn(ctx context.Context, account string) (*iam.Client, error) {
	out, err := l.emulator.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/" + localSeedRole), RoleSessionName: aws.String("easytocloud-local-sts"),
	})
	if err != nil {
		return nil, fmt.Errorf("local STS: act in account %s: %w", account, err)
	}
	c := out.Credentials
	cfg := l.cfg.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return iam.NewFromConfig(cfg), nil
}

// TenantTrustPolicy is the trust policy the terraform/tenant module gives a tenant's
// role: operator (the skill's role) may assume it, only with externalID.
func TenantTrustPolicy(operator, externalID string) string {
	doc, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": operator},
			"Action":    "sts:AssumeRole",
			"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": externalID}},
		}},
	})
	return string(doc)
}

// IAM is the part of the emulator's IAM client PutRole uses.
type IAM interface {
	CreateRole(ctx context.Context, in *iam.CreateRoleInput, opts ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	UpdateAssumeRolePolicy(ctx context.Context, in *iam.UpdateAssumeRolePolicyInput, opts ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error)
}

// PutRole creates roleARN in the emulator's IAM (client acts in its account)
// with the trust policy doc, or gives the existing role that trust policy.
func PutRole(ctx context.Context, client IAM, roleARN, doc string) error {
	_, rolePath, name, ok := splitRoleARN(roleARN)
	if !ok {
		return fmt.Errorf("role ARN %q: not arn:aws:iam::<account>:role/<name>", roleARN)
	}
	_, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String(rolePath), AssumeRolePolicyDocument: aws.String(doc)})
	var exists *iamtypes.EntityAlreadyExistsException
	if errors.As(err, &exists) {
		_, err = client.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(name), PolicyDocument: aws.String(doc)})
	}
	if err != nil {
		return fmt.Errorf("put role %s in the emulator: %w", roleARN, err)
	}
	return nil
}

// splitRoleARN returns the account, path and name of
// arn:aws:iam::<account>:role<path>name (the path is "/" or "/a/b/").
func splitRoleARN(arn string) (account, rolePath, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	rest, isRole := strings.CutPrefix(parts[len(parts)-1], "role/")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !isRole || rest == "" {
		return "", "", "", false
	}
	i := strings.LastIndex(rest, "/")
	return parts[4], "/" + rest[:i+1], rest[i+1:], true
}

// policyDocument is the part of an IAM policy document trustAllows reads.
type policyDocument struct {
	Statement oneOrMany[policyStatement]
}

type policyStatement struct {
	Effect    string
	Principal json.RawMessage
	Action    oneOrMany[string]
	Condition map[string]map[string]oneOrMany[string]
}

// oneOrMany is a JSON value that IAM lets be one element or a list of them.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	var many []T
	if err := json.Unmarshal(b, &many); err == nil {
		*o = many
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = []T{one}
	return nil
}

// trustAllows reports whether the trust policy doc lets caller assume the role with
// externalID (nil: none): some Allow statement applies and no Deny statement does.
// A document it cannot read allows nothing.
func trustAllows(doc, caller string, externalID *string) bool {
	var p policyDocument
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return false
	}
	allowed := false
	for _, st := range p.Statement {
		applies, known := st.applies(caller, externalID)
		switch st.Effect {
		case "Deny":
			if applies || !known { // a Deny it cannot evaluate refuses
				return false
			}
		case "Allow":
			allowed = allowed || (applies && known)
		}
	}
	return allowed
}

// applies reports whether the statement covers sts:AssumeRole by caller with
// externalID, and whether all of its conditions were understood.
func (st policyStatement) applies(caller string, externalID *string) (applies, known bool) {
	action := false
	for _, a := range st.Action {
		a = strings.ToLower(a)
		action = action || a == "*" || a == "sts:*" || a == "sts:assumerole"
	}
	if !action || !principalNames(st.Principal, caller) {
		return false, true
	}
	for op, keys := range st.Condition {
		for key, values := range keys {
			if !strings.EqualFold(key, "sts:ExternalId") {
				return false, false
			}
			holds, ok := conditionHolds(op, values, externalID)
			if !ok {
				return false, false
			}
			if !holds {
				return false, true
			}
		}
	}
	return true, true
}

// conditionHolds evaluates one condition operator on sts:ExternalId.
func conditionHolds(op string, values []string, externalID *string) (holds, known bool) {
	switch op {
	case "Null":
		for _, v := range values {
			if (v == "true") != (externalID == nil) {
				return false, true
			}
		}
		return true, true
	case "StringEquals", "StringLike":
		if externalID == nil {
			return false, true
		}
		for _, v := range values {
			if op == "StringEquals" && v == *externalID {
				return true, true
			}
			if op == "StringLike" && globMatch(v, *externalID) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// globMatch reports whether s matches pattern, in which "*" stands for any run of
// characters and "?" for any one, as IAM's StringLike has it.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}

// principalNames reports whether an AWS principal of the statement names caller: "*",
// the caller's ARN (as a user, or for an assumed-role session its role), its account
// ID or the account's root.
func principalNames(raw json.RawMessage, caller string) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var p struct{ AWS oneOrMany[string] }
	if json.Unmarshal(raw, &p) != nil {
		return false
	}
	parts := strings.SplitN(caller, ":", 6)
	if len(parts) != 6 {
		return false
	}
	acct, resource := parts[4], parts[5]
	names := []string{"*", caller, acct, "arn:aws:iam::" + acct + ":root", "arn:aws:iam::" + acct + ":" + resource}
	if role, ok := strings.CutPrefix(resource, "assumed-role/"); ok {
		names = append(names, "arn:aws:iam::"+acct+":role/"+strings.SplitN(role, "/", 2)[0])
	}
	for _, want := range p.AWS {
		for _, n := range names {
			if want == n {
				return true
			}
		}
	}
	return false
}
