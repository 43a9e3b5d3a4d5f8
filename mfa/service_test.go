package mfa

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/tenants"
)

// The test table both targets pass: the Service in process and the Client through the
// HTTP API. Each case gets a fresh env (its own tenants, users, clock and logs).
var apiCases = []struct {
	name string
	run  func(t *testing.T, e *env, api API)
}{
	{"SMSCodeVerifiesOnce", func(t *testing.T, e *env, api API) {
		c := mustChallenge(t, api, e.sms)
		want := Challenge{Method: tenants.MFASMS, Sent: true, PhoneHint: e.sms.user.Phone[len(e.sms.user.Phone)-2:], ExpiresAt: t0.Add(5 * time.Minute)}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("challenge (-want +got):\n%s", diff)
		}
		code, n := e.lastCode(t, e.sms)
		if n != 1 {
			t.Errorf("%d SMS sent, want exactly 1", n)
		}
		if in := e.sns.Inputs(); len(in) != 1 || aws.ToString(in[0].MessageAttributes["AWS.SNS.SMS.SMSType"].StringValue) != "Transactional" {
			t.Errorf("published %d messages; want one, of SMSType Transactional", len(in))
		}
		wantElevated(t, api, e.sms, code, t0.Add(tenants.DefaultElevation))
		if el, err := api.Elevation(context.Background(), e.sms.tenant.ID, e.sms.user.ID, here); err != nil || !el.Until.Equal(t0.Add(tenants.DefaultElevation)) {
			t.Errorf("Elevation = %v, %v; want until %v", el.Until, err, t0.Add(tenants.DefaultElevation))
		}
		wantVerifyErr(t, api, e.sms, code, ErrNoChallenge)
	}},
	{"ExpiredCode", func(t *testing.T, e *env, api API) {
		mustChallenge(t, api, e.sms)
		code, _ := e.lastCode(t, e.sms)
		e.clock.Advance(5 * time.Minute)
		wantVerifyErr(t, api, e.sms, code, ErrNoChallenge)
	}},
	{"CodeValidToItsLastSecond", func(t *testing.T, e *env, api API) {
		mustChallenge(t, api, e.sms)
		code, _ := e.lastCode(t, e.sms)
		e.clock.Advance(5*time.Minute - time.Second)
		wantElevated(t, api, e.sms, code, e.clock.Now().Add(tenants.DefaultElevation))
	}},
	{"SixthTryFailsEvenWithTheRightCode", func(t *testing.T, e *env, api API) {
		mustChallenge(t, api, e.sms)
		code, _ := e.lastCode(t, e.sms)
		for i := range CodeTries {
			wantCodeError(t, api, e.sms, otherCode(code, i), CodeTries-1-i)
		}
		wantVerifyErr(t, api, e.sms, code, ErrNoChallenge)
	}},
	{"FourthSendWithin15MinutesIsRefused", func(t *testing.T, e *env, api API) {
		var first string
		for i := range MaxSends {
			mustChallenge(t, api, e.sms)
			if i == 0 {
				first, _ = e.lastCode(t, e.sms)
			}
			e.clock.Advance(time.Minute)
		}
		_, err := api.Challenge(context.Background(), e.sms.tenant.ID, e.sms.user.ID, here)
		wantRetry(t, err, ErrRateLimited, 12*time.Minute) // the first send leaves the window at t0+15m
		if _, n := e.lastCode(t, e.sms); n != MaxSends {
			t.Errorf("%d SMS sent, want %d", n, MaxSends)
		}
		e.clock.Advance(12 * time.Minute)
		mustChallenge(t, api, e.sms)
		latest, n := e.lastCode(t, e.sms)
		if n != MaxSends+1 {
			t.Errorf("%d SMS sent after the window moved on, want %d", n, MaxSends+1)
		}
		if first != latest { // a new challenge replaces the old one
			wantCodeError(t, api, e.sms, first, CodeTries-1)
		}
		wantElevated(t, api, e.sms, latest, e.clock.Now().Add(tenants.DefaultElevation))
	}},
	{"LeadingZeroDroppedBySlot", func(t *testing.T, e *env, api API) {
		e.svc.codes = func() (string, error) { return "014309", nil }
		mustChallenge(t, api, e.sms)
		if code, _ := e.lastCode(t, e.sms); code != "014309" {
			t.Fatalf("sent %s, want 014309", code)
		}
		wantElevated(t, api, e.sms, "14309", t0.Add(tenants.DefaultElevation))
	}},
	{"VerifyWithoutChallenge", func(t *testing.T, e *env, api API) {
		wantVerifyErr(t, api, e.sms, "123456", ErrNoChallenge)
	}},
	{"TokenHasNothingToSend", func(t *testing.T, e *env, api API) {
		c := mustChallenge(t, api, e.token)
		if diff := cmp.Diff(Challenge{Method: tenants.MFAToken}, c); diff != "" {
			t.Errorf("challenge (-want +got):\n%s", diff)
		}
		if got := awstest.SMSTo(t, e.token.user.Phone); len(got) != 0 {
			t.Errorf("a token challenge sent %d SMS", len(got))
		}
	}},
	{"TokenCheckedWithVerifierKeys", func(t *testing.T, e *env, api API) {
		wantElevated(t, api, e.token, "23456", t0.Add(7*time.Minute)) // through the emulator's STS
		want := []stsCall{{
			Creds:  aws.Credentials{AccessKeyID: e.token.tenant.MFA.VerifierKeyID, SecretAccessKey: e.tokenSecret, Source: "easytocloud MFA verifier"},
			Serial: e.token.tenant.MFA.Serial,
			Code:   "023456",
		}}
		if diff := cmp.Diff(want, e.sts.Calls()); diff != "" {
			t.Errorf("STS calls (-want +got):\n%s", diff)
		}
	}},
	{"TokenAccessDeniedCounts", func(t *testing.T, e *env, api API) {
		e.sts.SetFn(denyAll)
		wantCodeError(t, api, e.token, "123456", MaxFailures-1)
		wantCodeError(t, api, e.token, "123456", MaxFailures-2) // a reused code is refused alike
	}},
	{"TokenThrottlingDoesNotCount", func(t *testing.T, e *env, api API) {
		e.sts.SetFn(throttleAll)
		wantVerifyErr(t, api, e.token, "123456", ErrThrottled)
		wantVerifyErr(t, api, e.token, "123456", ErrThrottled)
		e.sts.SetFn(denyAll)
		wantCodeError(t, api, e.token, "123456", MaxFailures-1)
	}},
	{"LockoutAfterTenFailures", func(t *testing.T, e *env, api API) {
		e.sts.SetFn(denyAll)
		for i := 1; i < MaxFailures; i++ {
			wantCodeError(t, api, e.token, "123456", MaxFailures-i)
			e.clock.Advance(time.Second)
		}
		_, err := api.Verify(context.Background(), e.token.tenant.ID, e.token.user.ID, here, "123456")
		wantRetry(t, err, ErrLocked, Lockout)
		e.sts.SetFn(nil) // the right code: still locked, and not even checked
		e.clock.Advance(5 * time.Minute)
		_, err = api.Verify(context.Background(), e.token.tenant.ID, e.token.user.ID, here, "654321")
		wantRetry(t, err, ErrLocked, 10*time.Minute)
		if n := len(e.sts.Calls()); n != MaxFailures {
			t.Errorf("STS was asked %d times, want %d", n, MaxFailures)
		}
		e.clock.Advance(10 * time.Minute)
		wantElevated(t, api, e.token, "654321", e.clock.Now().Add(7*time.Minute))
	}},
	{"LockoutAgainWhileTenFailuresAreWithinTheHour", func(t *testing.T, e *env, api API) {
		for i := 1; i < MaxFailures; i++ {
			wantVerifyErr(t, api, e.sms, "123456", ErrNoChallenge) // a guess with no code sent counts
		}
		_, err := api.Verify(context.Background(), e.sms.tenant.ID, e.sms.user.ID, here, "123456")
		wantRetry(t, err, ErrLocked, Lockout)
		_, err = api.Challenge(context.Background(), e.sms.tenant.ID, e.sms.user.ID, here)
		wantRetry(t, err, ErrLocked, Lockout) // no SMS for a locked user
		e.clock.Advance(Lockout)
		_, err = api.Verify(context.Background(), e.sms.tenant.ID, e.sms.user.ID, here, "123456")
		wantRetry(t, err, ErrLocked, Lockout)
		e.clock.Advance(FailureWindow)
		wantVerifyErr(t, api, e.sms, "123456", ErrNoChallenge)
	}},
	{"ElevationLastsExactlyTheWindow", func(t *testing.T, e *env, api API) {
		wantElevated(t, api, e.token, "123456", t0.Add(7*time.Minute))
		e.clock.Advance(7*time.Minute - time.Second)
		if el, err := api.Elevation(context.Background(), e.token.tenant.ID, e.token.user.ID, here); err != nil || !el.Until.Equal(t0.Add(7*time.Minute)) {
			t.Errorf("a second before the end: Elevation = %v, %v", el.Until, err)
		}
		e.clock.Advance(time.Second)
		if _, err := api.Elevation(context.Background(), e.token.tenant.ID, e.token.user.ID, here); !errors.Is(err, ErrNotElevated) {
			t.Errorf("at the end: Elevation error = %v, want ErrNotElevated", err)
		}
	}},
	{"LockEndsTheElevation", func(t *testing.T, e *env, api API) {
		if _, err := api.Elevation(context.Background(), e.token.tenant.ID, e.token.user.ID, here); !errors.Is(err, ErrNotElevated) {
			t.Errorf("before any code: Elevation error = %v, want ErrNotElevated", err)
		}
		wantElevated(t, api, e.token, "123456", t0.Add(7*time.Minute))
		for range 2 { // Lock is idempotent
			if err := api.Lock(context.Background(), e.token.tenant.ID, e.token.user.ID); err != nil {
				t.Fatalf("Lock: %v", err)
			}
			if _, err := api.Elevation(context.Background(), e.token.tenant.ID, e.token.user.ID, here); !errors.Is(err, ErrNotElevated) {
				t.Errorf("after Lock: Elevation error = %v, want ErrNotElevated", err)
			}
		}
	}},
	{"MalformedCodeDoesNotCount", func(t *testing.T, e *env, api API) {
		for _, code := range []string{"", "12a456", "1234567", "-12345"} {
			wantVerifyErr(t, api, e.token, code, ErrMalformedCode)
		}
		e.sts.SetFn(denyAll)
		wantCodeError(t, api, e.token, "123456", MaxFailures-1)
	}},
	{"UnknownTenantOrUser", func(t *testing.T, e *env, api API) {
		ctx := context.Background()
		if _, err := api.Challenge(ctx, "t-nosuchtenant", e.sms.user.ID, here); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("Challenge of an unknown tenant: %v, want ErrNotFound", err)
		}
		if _, err := api.Verify(ctx, e.sms.tenant.ID, e.token.user.ID, here, "123456"); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("Verify of another tenant's user: %v, want ErrNotFound", err)
		}
	}},
	{"InvalidID", func(t *testing.T, e *env, api API) {
		ctx := context.Background()
		if _, err := api.Verify(ctx, "t#1", e.sms.user.ID, here, "123456"); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Verify: %v, want ErrInvalidID", err)
		}
		if _, err := api.Elevation(ctx, e.sms.tenant.ID, "u/../x", here); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Elevation: %v, want ErrInvalidID", err)
		}
		if err := api.Lock(ctx, "", e.sms.user.ID); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Lock: %v, want ErrInvalidID", err)
		}
	}},
	{"NoPhone", func(t *testing.T, e *env, api API) {
		a := e.noPhoneAccount(t)
		if _, err := api.Challenge(context.Background(), a.tenant.ID, a.user.ID, here); !errors.Is(err, ErrNoPhone) {
			t.Errorf("Challenge without a phone: %v, want ErrNoPhone", err)
		}
	}},
}

func TestAPI(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			for _, tc := range apiCases {
				t.Run(tc.name, func(t *testing.T) {
					e := newEnv(t)
					tc.run(t, e, tg.api(t, e))
				})
			}
		})
	}
}

// noPhoneAccount returns a user without a phone in a tenant that sends SMS codes: made
// as a token tenant's user, whose tenant then switches to SMS.
func (e *env) noPhoneAccount(tb testing.TB) account {
	tb.Helper()
	ctx := context.Background()
	acct := awstest.NewAccountID(tb) // one tenant per AWS account
	t, err := e.store.CreateTenant(ctx, tenants.Tenant{Name: "no phone", RoleARN: "arn:aws:iam::" + acct + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFAToken, Serial: "arn:aws:iam::" + acct + ":mfa/easytocloud-verifier", VerifierKeyID: e.token.tenant.MFA.VerifierKeyID}}, e.tokenSecret)
	if err != nil {
		tb.Fatalf("create tenant: %v", err)
	}
	u, err := e.store.CreateUser(ctx, tenants.User{TenantID: t.ID, Email: t.ID + "@example.com"}, testPassword)
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	t.MFA = tenants.MFAPolicy{Kind: tenants.MFASMS}
	if t, err = e.store.ReplaceTenant(ctx, t, ""); err != nil {
		tb.Fatalf("switch the tenant to SMS: %v", err)
	}
	return account{t, u}
}

func mustChallenge(tb testing.TB, api API, a account) Challenge {
	tb.Helper()
	c, err := api.Challenge(context.Background(), a.tenant.ID, a.user.ID, here)
	if err != nil {
		tb.Fatalf("Challenge: %v", err)
	}
	return c
}

func wantElevated(tb testing.TB, api API, a account, code string, until time.Time) {
	tb.Helper()
	el, err := api.Verify(context.Background(), a.tenant.ID, a.user.ID, here, code)
	if err != nil {
		tb.Fatalf("Verify(%s) = %v, want success", code, err)
	}
	if !el.Until.Equal(until) {
		tb.Errorf("elevated until %v, want %v", el.Until, until)
	}
}

func wantVerifyErr(tb testing.TB, api API, a account, code string, want error) {
	tb.Helper()
	if _, err := api.Verify(context.Background(), a.tenant.ID, a.user.ID, here, code); !errors.Is(err, want) {
		tb.Errorf("Verify(%q) error = %v, want %v", code, err, want)
	}
}

func wantCodeError(tb testing.TB, api API, a account, code string, triesLeft int) {
	tb.Helper()
	_, err := api.Verify(context.Background(), a.tenant.ID, a.user.ID, here, code)
	var ce *CodeError
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidCode) || ce.TriesLeft != triesLeft {
		tb.Errorf("Verify(%q) error = %v, want a CodeError with %d tries left", code, err, triesLeft)
	}
}

func wantRetry(tb testing.TB, err, sentinel error, after time.Duration) {
	tb.Helper()
	var re *RetryError
	if !errors.As(err, &re) || !errors.Is(err, sentinel) || re.RetryAfter != after {
		tb.Errorf("error = %v, want %v with retry after %v", err, sentinel, after)
	}
}

// failingSNS refuses every message the way SNS does, naming the phone in its message.
type failingSNS struct{}

func (failingSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "InvalidParameter", Message: "Invalid parameter: PhoneNumber Reason: " + aws.ToString(in.PhoneNumber) + " is opted out"}
}

func TestChallengeWhenSNSRefuses(t *testing.T) {
	e := newEnv(t)
	e.svc.sms = failingSNS{}
	_, err := e.svc.Challenge(context.Background(), e.sms.tenant.ID, e.sms.user.ID, here)
	if err == nil || strings.Contains(err.Error(), e.sms.user.Phone) || !strings.Contains(err.Error(), "InvalidParameter") {
		t.Errorf("Challenge error = %v; want SNS's error code without the phone number", err)
	}
}
