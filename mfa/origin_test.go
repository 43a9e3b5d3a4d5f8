package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
)

// The origins of the binding tests: an Alexa account (alice) with a voice profile
// (pat) on one Echo (kitchen), and what differs from it by one ID.
const (
	alice, mallory = "amzn1.ask.account.ALICE", "amzn1.ask.account.MALLORY"
	kitchen, study = "amzn1.ask.device.KITCHEN", "amzn1.ask.device.STUDY"
	pat, sam       = "amzn1.ask.person.PAT", "amzn1.ask.person.SAM"
)

var (
	onA           = NewOrigin(alice, kitchen, pat)
	onB           = NewOrigin(alice, study, pat)
	otherAlexa    = NewOrigin(mallory, kitchen, pat)
	otherPerson   = NewOrigin(alice, kitchen, sam)
	noPersonOnA   = NewOrigin(alice, kitchen, "")
	elsewhereList = []struct {
		name string
		from Origin
	}{
		{"AnotherDevice", onB},
		{"AnotherAlexaAccount", otherAlexa},
		{"AnotherPerson", otherPerson},
		{"NoVoiceProfile", noPersonOnA},
	}
)

func TestOriginKeys(t *testing.T) {
	seen := map[Origin]string{}
	for name, o := range map[string]Origin{"A": onA, "B": onB, "OtherAlexa": otherAlexa, "OtherPerson": otherPerson, "NoPerson": noPersonOnA,
		// Length-prefixed: moving a character from one ID to the next is another origin.
		"Shifted": NewOrigin(alice+"a", "mzn1.ask.device.KITCHEN", pat)} {
		if o.IsZero() || len(o.String()) != 64 {
			t.Errorf("%s: key %q, want 64 hex digits", name, o)
		}
		if other, dup := seen[o]; dup {
			t.Errorf("%s and %s have the same key", name, other)
		}
		seen[o] = name
		if back, err := ParseOrigin(o.String()); err != nil || back != o {
			t.Errorf("%s: ParseOrigin(String()) = %v, %v", name, back, err)
		}
	}
	if NewOrigin(alice, kitchen, pat) != onA {
		t.Error("the same IDs give another origin")
	}
	for _, o := range []Origin{NewOrigin("", kitchen, pat), NewOrigin(alice, "", pat), {}} {
		if !o.IsZero() {
			t.Errorf("an origin without an Alexa account or a device is %q, want the zero Origin", o)
		}
	}
	for _, key := range []string{"", "abc", strings.ToUpper(onA.String()), onA.String()[:63] + "g", onA.String() + "0"} {
		if _, err := ParseOrigin(key); !errors.Is(err, ErrNoOrigin) {
			t.Errorf("ParseOrigin(%q) = %v, want ErrNoOrigin", key, err)
		}
	}
}

// TestElevationIsBoundToItsOrigin: a code verified on Echo A (Alexa account alice,
// voice profile pat) elevates there only: not on another Echo, not for another Alexa
// account linked to the same user, not for another person (or no recognised person)
// on the same Echo. Lock ends the elevations from every origin.
func TestElevationIsBoundToItsOrigin(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			e.remember(alice, mallory, kitchen, study, pat, sam) // no Alexa ID is logged or answered
			api := tg.api(t, e)
			a := e.token
			el, err := api.Verify(ctx, a.tenant.ID, a.user.ID, onA, "123456") // the emulator's STS accepts it
			if err != nil {
				t.Fatalf("Verify on A: %v", err)
			}
			want := Elevation{Until: t0.Add(7 * time.Minute), Granted: t0}
			if el != want {
				t.Errorf("Verify on A = %+v, want %+v", el, want)
			}
			e.clock.Advance(time.Minute)
			if got, err := api.Elevation(ctx, a.tenant.ID, a.user.ID, onA); err != nil || got != want {
				t.Errorf("Elevation on A = %+v, %v; want %+v", got, err, want)
			}
			elevated := 0
			for _, o := range elsewhereList {
				if _, err := api.Elevation(ctx, a.tenant.ID, a.user.ID, o.from); !errors.Is(err, ErrNotElevated) {
					t.Errorf("%s: Elevation = %v, want ErrNotElevated", o.name, err)
					elevated++
				}
			}
			t.Logf("elevated on A: %d of %d other origins elevated too", elevated, len(elsewhereList))
			if _, err := api.Elevation(ctx, a.tenant.ID, a.user.ID, Origin{}); !errors.Is(err, ErrNoOrigin) {
				t.Errorf("Elevation without an origin: %v, want ErrNoOrigin", err)
			}

			for _, l := range e.auditLines(t) {
				if l["audit"] == auditSuccess && l["origin"] != onA.String()[:16] {
					t.Errorf("audit line of the success names origin %v, want %s", l["origin"], onA.String()[:16])
				}
			}

			wantElevatedAt(t, api, a, onB, "234567")
			if err := api.Lock(ctx, a.tenant.ID, a.user.ID); err != nil {
				t.Fatalf("Lock: %v", err)
			}
			for _, o := range []Origin{onA, onB} {
				if _, err := api.Elevation(ctx, a.tenant.ID, a.user.ID, o); !errors.Is(err, ErrNotElevated) {
					t.Errorf("after Lock: Elevation on %s = %v, want ErrNotElevated", o.short(), err)
				}
			}
		})
	}
}

// TestSMSCodeIsBoundToItsOrigin: an SMS code sent for Echo A is no code on Echo B or
// for another Alexa account: tried there, the right code answers ErrNoChallenge, counts
// as a failure of the user, and spends none of the code's tries; on A it still works,
// and elevates A only.
func TestSMSCodeIsBoundToItsOrigin(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			api := tg.api(t, e)
			a := e.sms
			if _, err := api.Challenge(ctx, a.tenant.ID, a.user.ID, onA); err != nil {
				t.Fatal(err)
			}
			code, _ := e.lastCode(t, a)
			for _, o := range []Origin{onB, otherAlexa} {
				if _, err := api.Verify(ctx, a.tenant.ID, a.user.ID, o, code); !errors.Is(err, ErrNoChallenge) {
					t.Errorf("the right code from another origin: %v, want ErrNoChallenge", err)
				}
			}
			// Two failures counted; the code's own tries untouched (one spent now).
			_, err := api.Verify(ctx, a.tenant.ID, a.user.ID, onA, otherCode(code, 0))
			var ce *CodeError
			if !errors.As(err, &ce) || ce.TriesLeft != min(MaxFailures-3, CodeTries-1) {
				t.Errorf("a wrong code on A after two tries elsewhere: %v, want %d tries left", err, min(MaxFailures-3, CodeTries-1))
			}
			wantElevatedAt(t, api, a, onA, code)
			if _, err := api.Elevation(ctx, a.tenant.ID, a.user.ID, onB); !errors.Is(err, ErrNotElevated) {
				t.Errorf("Elevation on B after the code on A: %v, want ErrNotElevated", err)
			}
		})
	}
}

func wantElevatedAt(tb testing.TB, api API, a account, from Origin, code string) {
	tb.Helper()
	if _, err := api.Verify(context.Background(), a.tenant.ID, a.user.ID, from, code); err != nil {
		tb.Fatalf("Verify(%s) at %s = %v, want success", code, from.short(), err)
	}
	if _, err := api.Elevation(context.Background(), a.tenant.ID, a.user.ID, from); err != nil {
		tb.Fatalf("Elevation at %s = %v after a success", from.short(), err)
	}
}

// TestHTTPRefusesRequestsWithoutOrigin: requests as an older client sends them, with
// no origin, are refused with 400 no_origin and change nothing: no code is sent, no
// attempt is counted, no elevation is granted or reported unbound.
func TestHTTPRefusesRequestsWithoutOrigin(t *testing.T) {
	e := newEnv(t)
	h := NewHandler(e.svc)
	wantElevatedAt(t, e.svc, e.token, onA, "123456")
	sms, tok := e.sms, e.token
	for _, tc := range []struct {
		name string
		req  *http.Request
	}{
		{"ChallengeWithoutOrigin", jsonPost("/mfa/v1/challenges", `{"tenant":"`+sms.tenant.ID+`","user":"`+sms.user.ID+`"}`)},
		{"VerifyWithoutOrigin", jsonPost("/mfa/v1/verifications", `{"tenant":"`+tok.tenant.ID+`","user":"`+tok.user.ID+`","code":"123456"}`)},
		{"VerifyWithABadOrigin", jsonPost("/mfa/v1/verifications", `{"tenant":"`+tok.tenant.ID+`","user":"`+tok.user.ID+`","origin":"`+alice+`","code":"123456"}`)},
		{"ElevationWithoutOrigin", httptest.NewRequest(http.MethodGet, "/mfa/v1/elevations/"+tok.tenant.ID+"/"+tok.user.ID, nil)},
		{"ElevationWithABadOrigin", httptest.NewRequest(http.MethodGet, "/mfa/v1/elevations/"+tok.tenant.ID+"/"+tok.user.ID+"?origin=x", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tc.req)
			var got errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusBadRequest || got.Error != "no_origin" {
				t.Errorf("answer %d %s, want 400 no_origin", rec.Code, rec.Body)
			}
		})
	}
	if n := len(awstest.SMSTo(t, sms.user.Phone)); n != 0 {
		t.Errorf("%d SMS sent for a request without an origin", n)
	}
	if n := len(e.sts.Calls()); n != 1 {
		t.Errorf("STS checked %d codes, want only the one of the elevation on A", n)
	}
	e.sts.SetFn(denyAll)
	wantCodeError(t, e.svc, tok, "123456", MaxFailures-1) // nothing was counted before
}

// TestLockEndsTheElevationOfEarlierVersions: Lock also ends the one elevation per user
// that an earlier version kept (sort key ELEVATION alone), which no origin reads.
func TestLockEndsTheElevationOfEarlierVersions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	who := subject{e.token.tenant.ID, e.token.user.ID}
	old := who.key(skElevation)
	old[table.TTLAttribute] = table.N(t0.Add(time.Hour).Unix())
	if _, err := e.svc.st.table.Put(ctx, &dynamodb.PutItemInput{Item: old}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Elevation(ctx, who.tenantID, who.userID, onA); !errors.Is(err, ErrNotElevated) {
		t.Errorf("the unbound elevation of an earlier version counts at A: %v", err)
	}
	wantElevatedAt(t, e.svc, e.token, onA, "123456")
	if err := e.svc.Lock(ctx, who.tenantID, who.userID); err != nil {
		t.Fatal(err)
	}
	var left struct{}
	if err := e.svc.st.table.Get(ctx, who.key(skElevation), &left); !errors.Is(err, table.ErrNoItem) {
		t.Errorf("the elevation of an earlier version after Lock: %v, want none", err)
	}
	if _, err := e.svc.Elevation(ctx, who.tenantID, who.userID, onA); !errors.Is(err, ErrNotElevated) {
		t.Errorf("after Lock: %v", err)
	}
}
