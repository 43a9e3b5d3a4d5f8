package perf

import (
	"bytes"
	"crypto"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/alexa/sigverify"
	"github.com/easytocloud/easytocloud/internal/localalexa"
)

// Constants of the skill every benchmark talks to.
const (
	skillID = "amzn1.ask.skill.perf-easytocloud"
	issuer  = "https://auth.perf.test"
	certURL = "https://s3.amazonaws.com/echo.api/echo-api-cert-perf.pem"
)

// testNow is the clock of requests, certificates and tokens: fixed, so that a long
// benchmark never crosses a validity window, and near the real time, so that the
// caches that use the real clock agree.
var testNow = time.Now().UTC().Truncate(time.Second)

// alexaPKI stands in for Amazon's request-signing PKI (internal/localalexa): a root
// (the only trust anchor), an intermediate shipped in the download, and the 2048-bit
// RSA signing key Alexa signs request bodies with.
type alexaPKI struct{ *localalexa.PKI }

// newPKI makes the PKI once per test binary (RSA key generation is slow under -race).
var newPKI = sync.OnceValues(func() (*localalexa.PKI, error) { return localalexa.NewPKI(testNow) })

func mustPKI(tb testing.TB) alexaPKI {
	tb.Helper()
	p, err := newPKI()
	if err != nil {
		tb.Fatalf("alexa PKI: %v", err)
	}
	return alexaPKI{p}
}

// verifier returns a request verifier trusting only the PKI, whose certificate
// download is served from memory and counted.
func (p alexaPKI) verifier(downloads *int) *sigverify.Verifier {
	return &sigverify.Verifier{
		Roots: p.Roots(),
		Now:   func() time.Time { return testNow },
		Client: doFunc(func(r *http.Request) (*http.Response, error) {
			*downloads++
			return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(p.Chain())), Request: r}, nil
		}),
	}
}

// sign returns the headers Alexa sends with body.
func (p alexaPKI) sign(body []byte) http.Header {
	sig, err := localalexa.SignBody(p.LeafKey, crypto.SHA256, body)
	if err != nil {
		panic(err) // only with a broken key
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set(localalexa.HeaderCertChainURL, certURL)
	h.Set(localalexa.HeaderSignature256, sig)
	return h
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// slotValue is what the user said for a slot and, when Alexa resolved it against the
// skill's own slot type, the value's ID.
type slotValue struct{ said, id string }

// alexaRequest is a request envelope as Alexa sends it: a launch when intent is "",
// else that intent with the given slots, for a user whose linked account's access
// token is token; requestID, when given, names the request.
func alexaRequest(token, intent string, slots map[string]slotValue, requestID ...string) []byte {
	app := map[string]any{"applicationId": skillID}
	user := map[string]any{"userId": "amzn1.ask.account.PERF", "accessToken": token}
	req := map[string]any{
		"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.perf", "locale": "en-GB",
		"timestamp": testNow.Format(time.RFC3339),
	}
	if len(requestID) > 0 {
		req["requestId"] = requestID[0]
	}
	if intent != "" {
		req["type"] = "IntentRequest"
		s := map[string]any{}
		for k, v := range slots {
			slot := map[string]any{"name": k, "value": v.said, "confirmationStatus": "NONE"}
			if v.id != "" {
				slot["resolutions"] = map[string]any{"resolutionsPerAuthority": []any{map[string]any{
					"authority": "amzn1.er-authority.echo-sdk." + skillID + "." + strings.ToUpper(k),
					"status":    map[string]any{"code": "ER_SUCCESS_MATCH"},
					"values":    []any{map[string]any{"value": map[string]any{"name": v.said, "id": v.id}}},
				}}}
			}
			s[k] = slot
		}
		req["intent"] = map[string]any{"name": intent, "confirmationStatus": "NONE", "slots": s}
	}
	env := map[string]any{
		"version": "1.0",
		"session": map[string]any{"new": intent == "", "sessionId": "amzn1.echo-api.session.perf", "application": app, "user": user},
		"context": map[string]any{"System": map[string]any{
			"application": app, "user": user,
			"device":      map[string]any{"deviceId": "amzn1.ask.device.PERF", "supportedInterfaces": map[string]any{}},
			"apiEndpoint": "https://api.eu.amazonalexa.com", "apiAccessToken": "alexa-api-token",
		}},
		"request": req,
	}
	b, err := json.Marshal(env)
	if err != nil {
		panic(err)
	}
	return b
}

// decodeRequest decodes an envelope as the Lambda runtime does.
func decodeRequest(tb testing.TB, body []byte) *alexa.RequestEnvelope {
	tb.Helper()
	var env alexa.RequestEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		tb.Fatal(err)
	}
	return &env
}

// spoken returns a response's speech as SSML ("" when silent).
func spoken(r *alexa.ResponseEnvelope) string {
	if r == nil || r.Response.OutputSpeech == nil {
		return ""
	}
	return r.Response.OutputSpeech.SSML
}
