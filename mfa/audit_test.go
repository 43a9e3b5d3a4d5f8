package mfa

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAuditLines runs a challenge, a failure, a success, a lockout and a lock and
// checks the audit lines they write: one each, JSON, with tenant, user, method,
// outcome and tries left, and the phone's last two digits only. (newEnv's cleanup
// checks every test's lines, these included, for codes, secrets and phone numbers.)
func TestAuditLines(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustChallenge(t, e.svc, e.sms)
	code, _ := e.lastCode(t, e.sms)
	wrong := otherCode(code, 0)
	e.remember(wrong)
	wantCodeError(t, e.svc, e.sms, wrong, CodeTries-1)
	wantElevated(t, e.svc, e.sms, code, t0.Add(10*time.Minute))
	if err := e.svc.Lock(ctx, e.sms.tenant.ID, e.sms.user.ID); err != nil {
		t.Fatal(err)
	}
	e.sts.SetFn(denyAll)
	for range MaxFailures {
		_, _ = e.svc.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, "123456")
	}
	_, _ = e.svc.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, "123456")
	e.sts.SetFn(throttleAll)
	e.clock.Advance(Lockout)
	_, _ = e.svc.Verify(ctx, e.token.tenant.ID, e.token.user.ID, here, "123456")

	type line struct {
		Audit, Tenant, User, Method, Outcome, PhoneLast2 string
		TriesLeft                                        any
	}
	var got []line
	for _, m := range e.auditLines(t) {
		s := func(k string) string { v, _ := m[k].(string); return v }
		got = append(got, line{s("audit"), s("tenant"), s("user"), s("method"), s("outcome"), s("phone_last2"), m["tries_left"]})
	}
	st, su, tt, tu := e.sms.tenant.ID, e.sms.user.ID, e.token.tenant.ID, e.token.user.ID
	last2 := e.sms.user.Phone[len(e.sms.user.Phone)-2:]
	want := []line{
		{"challenge", st, su, "sms", "sent", last2, 5.0},
		{"failure", st, su, "sms", "invalid_code", "", 4.0},
		{"success", st, su, "sms", "elevated", "", 10.0},
		{"lock", st, su, "", "ended", "", nil},
	}
	for i := 1; i < MaxFailures; i++ {
		want = append(want, line{"failure", tt, tu, "token", "invalid_code", "", float64(MaxFailures - i)})
	}
	want = append(want,
		line{"lockout", tt, tu, "token", "locked", "", 0.0},
		line{"failure", tt, tu, "token", "locked", "", 0.0}, // refused while locked
		// Not counted: 9 failures stay within the hour, so 1 try is left before the next lockout.
		line{"failure", tt, tu, "token", "throttled", "", 1.0},
	)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit lines (-want +got):\n%s", diff)
	}
}
