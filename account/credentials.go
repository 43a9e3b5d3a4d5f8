package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/singleflight"

	"github.com/easytocloud/easytocloud/tenants"
)

// AssumeRoleAPI is the part of the STS client Access uses: AssumeRole for a tenant's
// credentials, and GetCallerIdentity (called with those credentials) for VerifyRole.
type AssumeRoleAPI interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

const (
	// staleBefore: credentials are not handed out this close to their expiry.
	staleBefore = 2 * time.Minute
	// refreshBefore: from this close to expiry on, a request that is served cached
	// credentials starts a refresh in the background, so that no request waits.
	refreshBefore = 10 * time.Minute
	// retryAfter: after a failed background refresh, wait this long before the next.
	retryAfter = 30 * time.Second
	// assumeTimeout bounds one AssumeRole shared by several callers.
	assumeTimeout = 30 * time.Second
)

// Access turns a tenant into AWS credentials for its account: sts:AssumeRole on the
// tenant's role with its ExternalId and a session name naming the user, so that
// CloudTrail in the tenant's account says who acted. Credentials are cached per
// tenant and user until two minutes before they expire and refreshed in the
// background ahead of that; concurrent callers share one AssumeRole. Its methods are
// safe for concurrent use.
type Access struct {
	// Now returns the current time; tests replace it. Default time.Now.
	Now func() time.Time

	sts   AssumeRoleAPI
	group singleflight.Group

	mu    sync.Mutex
	cache map[string]*accessEntry

	background sync.WaitGroup // refreshes in flight, for tests
}

type accessEntry struct {
	creds      aws.Credentials
	refreshing bool
	retryAt    time.Time // no background refresh before this
}

// NewAccess returns an Access that assumes roles with stsClient (whose own
// credentials are easytocloud's). It does no I/O.
func NewAccess(stsClient AssumeRoleAPI) *Access {
	return &Access{Now: time.Now, sts: stsClient, cache: map[string]*accessEntry{}}
}

func (a *Access) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

// Credentials returns credentials for t's account acting for user userID, from the
// cache when they are good for at least two more minutes. It returns an error
// wrapping tenants.ErrAccessDenied when the role cannot be assumed (the error's text is fit
// to tell the tenant), tenants.ErrInvalid when t has no role ARN or ExternalId or userID is
// empty, or the AWS error.
func (a *Access) Credentials(ctx context.Context, t tenants.Tenant, userID string) (aws.Credentials, error) {
	if t.RoleARN == "" || t.ExternalID == "" || userID == "" {
		return aws.Credentials{}, fmt.Errorf("credentials for tenant %s: %w", t.ID,
			tenants.Invalidf("tenant needs a role ARN and an ExternalId, and the user an ID"))
	}
	k := cacheKey(t, userID)
	if creds, ok := a.cached(k, t, userID); ok {
		return creds, nil
	}
	ch := a.group.DoChan(k, func() (any, error) {
		// Not the first caller's context: its cancellation must not fail the others.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), assumeTimeout)
		defer cancel()
		return a.assumeAndCache(ctx, k, t, userID)
	})
	select {
	case <-ctx.Done():
		return aws.Credentials{}, fmt.Errorf("credentials for tenant %s: %w", t.ID, ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return aws.Credentials{}, fmt.Errorf("credentials for tenant %s: %w", t.ID, r.Err)
		}
		return r.Val.(aws.Credentials), nil
	}
}

// cacheKey names the cache entry. The role and ExternalId are part of it, so that a
// tenant whose role changed is never served credentials of the old one.
func cacheKey(t tenants.Tenant, userID string) string {
	return t.ID + "\x00" + userID + "\x00" + t.RoleARN + "\x00" + t.ExternalID
}

// cached returns the cached credentials for k if they are fresh enough, starting a
// background refresh when they will soon not be.
func (a *Access) cached(k string, t tenants.Tenant, userID string) (aws.Credentials, bool) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.cache[k]
	if e == nil || !now.Before(e.creds.Expires.Add(-staleBefore)) {
		return aws.Credentials{}, false
	}
	if !now.Before(e.creds.Expires.Add(-refreshBefore)) && !e.refreshing && !now.Before(e.retryAt) {
		e.refreshing = true
		a.background.Add(1)
		go a.refresh(k, e, t, userID)
	}
	return e.creds, true
}

func (a *Access) refresh(k string, e *accessEntry, t tenants.Tenant, userID string) {
	defer a.background.Done()
	ctx, cancel := context.WithTimeout(context.Background(), assumeTimeout)
	defer cancel()
	_, err, _ := a.group.Do(k, func() (any, error) { return a.assume(ctx, k, t, userID) })
	a.mu.Lock()
	defer a.mu.Unlock()
	e.refreshing = false
	if err != nil {
		e.retryAt = a.now().Add(retryAfter)
	}
}

// assumeAndCache is the shared call of Credentials: it checks the cache once more
// (a caller that missed the cache may arrive just after the previous call stored
// it) and assumes the role only when still needed.
func (a *Access) assumeAndCache(ctx context.Context, k string, t tenants.Tenant, userID string) (aws.Credentials, error) {
	now := a.now()
	a.mu.Lock()
	e := a.cache[k]
	a.mu.Unlock()
	if e != nil && now.Before(e.creds.Expires.Add(-staleBefore)) {
		return e.creds, nil
	}
	return a.assume(ctx, k, t, userID)
}

// assume calls AssumeRole for t and userID and caches the result under k.
func (a *Access) assume(ctx context.Context, k string, t tenants.Tenant, userID string) (aws.Credentials, error) {
	creds, err := a.assumeRole(ctx, t, sessionName(userID))
	if err != nil {
		return aws.Credentials{}, err
	}
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, e := range a.cache {
		if !now.Before(e.creds.Expires) {
			delete(a.cache, key)
		}
	}
	a.cache[k] = &accessEntry{creds: creds}
	return creds, nil
}

// assumeRole assumes t's role with t's ExternalId. A refusal wraps
// tenants.ErrAccessDenied and the AWS error.
func (a *Access) assumeRole(ctx context.Context, t tenants.Tenant, session string) (aws.Credentials, error) {
	out, err := a.sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(t.RoleARN), RoleSessionName: aws.String(session), ExternalId: aws.String(t.ExternalID),
	})
	if err != nil {
		if isAccessDenied(err) {
			return aws.Credentials{}, fmt.Errorf("assume role %s: %w (%w)", t.RoleARN, tenants.ErrAccessDenied, err)
		}
		return aws.Credentials{}, fmt.Errorf("assume role %s: %w", t.RoleARN, err)
	}
	c := out.Credentials
	if c == nil || c.Expiration == nil {
		return aws.Credentials{}, fmt.Errorf("assume role %s: STS returned no credentials", t.RoleARN)
	}
	return aws.Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Source:          "easytocloud tenant " + t.ID,
		CanExpire:       true,
		Expires:         *c.Expiration,
		AccountID:       t.AccountID(),
	}, nil
}

func isAccessDenied(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "AccessDenied", "AccessDeniedException":
		return true
	}
	return false
}

var sessionNameUnsafe = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName names the user in the role session (and so in the tenant's CloudTrail):
// easytocloud-<user ID>, within the 64 characters and the set AWS allows.
func sessionName(userID string) string {
	s := "easytocloud-" + sessionNameUnsafe.ReplaceAllString(userID, "_")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// Config returns base with credentials for t's account acting for user userID,
// taken from the cache (see Credentials) when a request is signed.
func (a *Access) Config(base aws.Config, t tenants.Tenant, userID string) aws.Config {
	cfg := base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(credentialsFunc(func(ctx context.Context) (aws.Credentials, error) {
		return a.Credentials(ctx, t, userID)
	}), func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = staleBefore })
	return cfg
}

type credentialsFunc func(ctx context.Context) (aws.Credentials, error)

func (f credentialsFunc) Retrieve(ctx context.Context) (aws.Credentials, error) { return f(ctx) }

// ErrNotChecked means VerifyRole reached no verdict: STS answered a probe with
// neither credentials nor AccessDenied (throttling, a network error, a timeout, or
// an error that says nothing about the role's trust policy). Try again; the wrapped
// error says what happened, and Classify sorts it.
var ErrNotChecked = errors.New("the role could not be checked: AWS gave no answer about it; try again")

// Session names of VerifyRole's probes, as they appear in the tenant's CloudTrail.
const (
	verifySession      = "easytocloud-verify-role"
	verifyWrongSession = "easytocloud-verify-role-wrong-id"
)

// VerifyRole checks a tenant's role for onboarding with two AssumeRole probes and a
// GetCallerIdentity. Assuming it with a wrong ExternalId (a fresh random one) must be
// refused with AccessDenied: otherwise the trust policy lacks the sts:ExternalId
// condition and any easytocloud tenant naming the role could act in its account (the
// confused deputy). Assuming it with the tenant's ExternalId must succeed, with
// credentials that act in the account the role ARN names. The wrong ExternalId is
// what makes the first probe mean something: the skill's own IAM policy refuses any
// AssumeRole without an ExternalId, whatever the tenant's trust policy says.
//
// It returns nil when all holds, or an error wrapping tenants.ErrInvalid (malformed
// role ARN, no ExternalId), tenants.ErrExternalIDNotRequired (the wrong ExternalId
// was accepted), tenants.ErrRoleNotAssumable (the right one was refused, or the
// credentials act in another account), or ErrNotChecked (no verdict: retry) wrapping
// the AWS error, which Classify sorts.
func (a *Access) VerifyRole(ctx context.Context, t tenants.Tenant) error {
	account, err := tenants.ValidateRoleARN(t.RoleARN)
	if err != nil {
		return fmt.Errorf("verify role of tenant %s: %w", t.ID, err)
	}
	if t.ExternalID == "" {
		return fmt.Errorf("verify role of tenant %s: %w", t.ID, tenants.Invalidf("ExternalId: the tenant has none"))
	}
	wrong := t
	wrong.ExternalID = tenants.NewExternalID()
	_, err = a.assumeRole(ctx, wrong, verifyWrongSession)
	switch {
	case err == nil:
		return fmt.Errorf("verify role %s of tenant %s: %w", t.RoleARN, t.ID, tenants.ErrExternalIDNotRequired)
	case !errors.Is(err, tenants.ErrAccessDenied):
		return fmt.Errorf("verify role %s of tenant %s: assume it with a wrong ExternalId: %w: %w", t.RoleARN, t.ID, ErrNotChecked, err)
	}
	creds, err := a.assumeRole(ctx, t, verifySession)
	switch {
	case errors.Is(err, tenants.ErrAccessDenied):
		var ae smithy.APIError
		errors.As(err, &ae)
		return fmt.Errorf("verify role %s of tenant %s: %w (AWS: %w)", t.RoleARN, t.ID, tenants.ErrRoleNotAssumable, ae)
	case err != nil:
		return fmt.Errorf("verify role %s of tenant %s: assume it with its ExternalId: %w: %w", t.RoleARN, t.ID, ErrNotChecked, err)
	}
	id, err := a.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
	})
	if err != nil {
		return fmt.Errorf("verify role %s of tenant %s: get caller identity: %w: %w", t.RoleARN, t.ID, ErrNotChecked, err)
	}
	if got := aws.ToString(id.Account); got != account {
		return fmt.Errorf("verify role %s of tenant %s: its credentials act in account %s, not %s: %w", t.RoleARN, t.ID, got, account, tenants.ErrRoleNotAssumable)
	}
	return nil
}
