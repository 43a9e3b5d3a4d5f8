package mfa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signingName is the SigV4 service name of API Gateway's IAM authorization.
const signingName = "execute-api"

// maxAnswerBytes bounds how much of an answer the Client reads.
const maxAnswerBytes = 64 << 10

// Client calls the HTTP API that NewHandler serves (behind API Gateway with IAM
// authorization), signing every request with SigV4 for execute-api. Its methods return
// the same errors as the Service's, so a caller may use either.
type Client struct {
	// Now is the signing clock (time.Now when nil).
	Now func() time.Time

	base   string
	http   *http.Client
	creds  aws.CredentialsProvider
	region string
	signer *v4.Signer
}

// NewClient returns a Client of the API at baseURL (such as
// https://abc123.execute-api.eu-west-1.amazonaws.com, without /mfa/v1), signing with
// creds for region. httpClient nil means an http.Client with a 10-second timeout.
func NewClient(baseURL string, httpClient *http.Client, creds aws.CredentialsProvider, region string) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{
		base: strings.TrimRight(baseURL, "/"), http: httpClient, creds: creds, region: region,
		signer: v4.NewSigner(),
	}
}

// Challenge asks the service to start a second factor at an origin; see
// Service.Challenge. The zero Origin is refused (ErrNoOrigin) without a request.
func (c *Client) Challenge(ctx context.Context, tenantID, userID string, from Origin) (Challenge, error) {
	var out Challenge
	if from.IsZero() {
		return out, ErrNoOrigin
	}
	err := c.do(ctx, http.MethodPost, "/mfa/v1/challenges", challengeRequest{Tenant: tenantID, User: userID, Origin: from.String()}, &out)
	return out, err
}

// Verify checks a code given at an origin; see Service.Verify. A malformed code or
// the zero Origin is refused without a request.
func (c *Client) Verify(ctx context.Context, tenantID, userID string, from Origin, code string) (Elevation, error) {
	var out Elevation
	if _, err := NormalizeCode(code); err != nil {
		return out, err
	}
	if from.IsZero() {
		return out, ErrNoOrigin
	}
	err := c.do(ctx, http.MethodPost, "/mfa/v1/verifications", verifyRequest{Tenant: tenantID, User: userID, Origin: from.String(), Code: code}, &out)
	return out, err
}

// Elevation returns the user's elevation at an origin, or ErrNotElevated; see
// Service.Elevation. The zero Origin is refused without a request.
func (c *Client) Elevation(ctx context.Context, tenantID, userID string, from Origin) (Elevation, error) {
	var out Elevation
	path, err := elevationPath(tenantID, userID)
	if err != nil {
		return out, err
	}
	if from.IsZero() {
		return out, ErrNoOrigin
	}
	err = c.do(ctx, http.MethodGet, path+"?origin="+from.String(), nil, &out)
	return out, err
}

// Lock ends the user's elevations from every origin at once.
func (c *Client) Lock(ctx context.Context, tenantID, userID string) error {
	path, err := elevationPath(tenantID, userID)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

// elevationPath checks the IDs here, since an ID with a '/' would name another route.
func elevationPath(tenantID, userID string) (string, error) {
	if !validID(tenantID) || !validID(userID) {
		return "", ErrInvalidID
	}
	return "/mfa/v1/elevations/" + url.PathEscape(tenantID) + "/" + url.PathEscape(userID), nil
}

// do sends a signed request with in as its JSON body (none when nil) and decodes a
// success into out (ignored when nil) or an error answer into the Service's error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("mfa: encode request: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("mfa: %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if err := c.sign(ctx, req, body); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("mfa: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("mfa: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("mfa: %s %s: decode answer: %w", method, path, err)
		}
		return nil
	}
	var eb errorBody
	_ = json.Unmarshal(data, &eb) // not JSON (a gateway's own error): the status speaks
	if eb.RetryAfter == 0 {
		eb.RetryAfter, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
	}
	return fromWire(resp.StatusCode, eb)
}

// sign adds the SigV4 headers for execute-api in c.region.
func (c *Client) sign(ctx context.Context, req *http.Request, body []byte) error {
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("mfa: credentials: %w", err)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, c.region, now()); err != nil {
		return fmt.Errorf("mfa: sign request: %w", err)
	}
	return nil
}
