package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/go-oauth2/oauth2/v4"

	"github.com/easytocloud/easytocloud/internal/table"
)

// Client is a registered OAuth client, such as the Alexa skill. Its secret is never
// stored, only its SHA-256 (the secret is 256 random bits, so no salt or stretching
// is needed), and compared in constant time.
type Client struct {
	ID   string `dynamodbav:"client_id"`
	Name string `dynamodbav:"name"`
	// VendorID is the Alexa vendor whose three account-linking redirect URIs the
	// client was registered with ("" for other clients).
	VendorID string `dynamodbav:"vendor_id,omitempty"`
	// RedirectURIs are matched exactly; only a loopback http URI registered without a
	// port accepts any port (RFC 8252 section 7.3).
	RedirectURIs []string `dynamodbav:"redirect_uris"`
	// RequirePKCE refuses authorization requests without an S256 code_challenge.
	// Every client should: easytocloud oauth-client create sets it unless told
	// otherwise, and a stored client whose record lacks the field is read with it.
	RequirePKCE bool      `dynamodbav:"require_pkce"`
	Version     int64     `dynamodbav:"version"`
	CreatedAt   time.Time `dynamodbav:"created_at"`
	UpdatedAt   time.Time `dynamodbav:"updated_at"`

	secretHash string
}

// The item a Client is stored as.
type clientItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	Client
	SecretHash string `dynamodbav:"secret_hash"`
}

const (
	clientPKPrefix = "OAUTHCLIENT#"
	clientSK       = "#CLIENT"
	clientsGSIPK   = "OAUTHCLIENTS"
)

// Errors of the client registry.
var (
	// ErrClientNotFound means there is no client with that ID.
	ErrClientNotFound = errors.New("no such OAuth client")
	// ErrInvalidClient means a client's fields failed validation; the wrapping error
	// says which and why, in words fit for the operator.
	ErrInvalidClient = errors.New("invalid OAuth client")
)

// AlexaRedirectURIs returns the three account-linking redirect URIs of an Alexa
// vendor (pitangui for North America, layla for Europe, alexa.amazon.co.jp for the Far East).
func AlexaRedirectURIs(vendorID string) []string {
	return []string{
		"https://pitangui.amazon.com/api/skill/link/" + vendorID,
		"https://layla.amazon.com/api/skill/link/" + vendorID,
		"https://alexa.amazon.co.jp/api/skill/link/" + vendorID,
	}
}

var vendorIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

// ValidateRedirectURI checks that uri may be registered: an absolute https URL, or
// http on a loopback address (127.0.0.0/8 or ::1), without user info or fragment,
// at most 1000 characters. The error wraps ErrInvalidClient.
func ValidateRedirectURI(uri string) error {
	u, err := url.Parse(uri)
	switch {
	case err != nil || uri == "" || len(uri) > 1000:
		return fmt.Errorf("%w: redirect URI %q is not a URL of at most 1000 characters", ErrInvalidClient, uri)
	case strings.ContainsFunc(uri, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return fmt.Errorf("%w: redirect URI %q contains spaces or control characters", ErrInvalidClient, uri)
	case u.User != nil || u.Fragment != "" || strings.Contains(uri, "#"):
		return fmt.Errorf("%w: redirect URI %q must have neither user info nor a fragment", ErrInvalidClient, uri)
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%w: redirect URI %q must be absolute, with a host", ErrInvalidClient, uri)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%w: redirect URI %q must use https (http only on a loopback address such as 127.0.0.1)", ErrInvalidClient, uri)
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// matchRedirectURI reports whether the requested redirect URI is one of the client's,
// by exact string comparison; a registered loopback http URI without a port also
// matches the same URI with any port.
func (c *Client) matchRedirectURI(requested string) bool {
	if requested == "" {
		return false
	}
	if slices.Contains(c.RedirectURIs, requested) {
		return true
	}
	u, err := url.Parse(requested)
	if err != nil || u.Scheme != "http" || u.Port() == "" || !isLoopback(u.Hostname()) {
		return false
	}
	// Drop the port and compare the rest exactly.
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	withoutPort := "http://" + host + strings.TrimPrefix(requested, "http://"+u.Host)
	for _, r := range c.RedirectURIs {
		if r == withoutPort {
			if ru, err := url.Parse(r); err == nil && ru.Port() == "" {
				return true
			}
		}
	}
	return false
}

// verifySecret compares secret with the stored hash in constant time. An empty secret
// or a client without a stored hash never matches.
func (c *Client) verifySecret(secret string) bool {
	if secret == "" || c.secretHash == "" {
		return false
	}
	want, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(c.secretHash, "sha256:"))
	if err != nil || !strings.HasPrefix(c.secretHash, "sha256:") {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// The go-oauth2 ClientInfo and ClientPasswordVerifier of a Client. GetSecret is
// empty: the library never gets to compare secrets itself.

// GetID returns the client ID.
func (c *Client) GetID() string { return c.ID }

// GetSecret returns "": the secret is not stored.
func (c *Client) GetSecret() string { return "" }

// GetDomain returns "": redirect URIs are matched by the server, exactly.
func (c *Client) GetDomain() string { return "" }

// IsPublic returns false: every client is confidential.
func (c *Client) IsPublic() bool { return false }

// GetUserID returns "": clients belong to no user.
func (c *Client) GetUserID() string { return "" }

// VerifyPassword checks the client secret in constant time; empty never matches.
func (c *Client) VerifyPassword(secret string) bool { return c.verifySecret(secret) }

var (
	_ oauth2.ClientInfo             = (*Client)(nil)
	_ oauth2.ClientPasswordVerifier = (*Client)(nil)
)

// Clients is the registry of OAuth clients in the table.
type Clients struct {
	// Now returns the current time; tests replace it. Default time.Now.
	Now func() time.Time

	table *table.Table
}

// NewClients returns the client registry on tbl. It does no I/O.
func NewClients(tbl *table.Table) *Clients {
	return &Clients{Now: time.Now, table: tbl}
}

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomClientID returns 120 random bits as 24 lower-case base32 characters: easy to
// paste into the Alexa developer console, and free of characters Basic auth escapes.
func randomClientID() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return lowerBase32.EncodeToString(b)
}

// Create registers a confidential client from c's Name, VendorID, RedirectURIs and
// RequirePKCE: with a VendorID its redirect URIs are the three Alexa URIs plus any
// given. It generates the ID and a 256-bit secret, stores the secret's hash and
// returns the client and the secret, which is never shown again. Errors wrap
// ErrInvalidClient or the AWS error.
func (s *Clients) Create(ctx context.Context, c Client) (Client, string, error) {
	if strings.TrimSpace(c.Name) == "" || len(c.Name) > 100 || strings.ContainsFunc(c.Name, unicode.IsControl) {
		return Client{}, "", fmt.Errorf("%w: give the client a name of at most 100 characters", ErrInvalidClient)
	}
	var uris []string
	if c.VendorID != "" {
		if !vendorIDPattern.MatchString(c.VendorID) {
			return Client{}, "", fmt.Errorf("%w: vendor ID %q: use the letters and digits of your Alexa vendor ID", ErrInvalidClient, c.VendorID)
		}
		uris = AlexaRedirectURIs(c.VendorID)
	}
	for _, u := range c.RedirectURIs {
		if err := ValidateRedirectURI(u); err != nil {
			return Client{}, "", err
		}
		if !slices.Contains(uris, u) {
			uris = append(uris, u)
		}
	}
	if len(uris) == 0 {
		return Client{}, "", fmt.Errorf("%w: give a vendor ID or at least one redirect URI", ErrInvalidClient)
	}
	now := s.Now().UTC()
	c.ID = randomClientID()
	c.RedirectURIs = uris
	c.Version, c.CreatedAt, c.UpdatedAt = 1, now, now
	secret := randomToken()
	c.secretHash = hashSecret(secret)
	_, err := s.table.Put(ctx, &dynamodb.PutItemInput{
		Item:                table.Marshal(toClientItem(c)),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return Client{}, "", fmt.Errorf("create OAuth client: %w", err)
	}
	return c, secret, nil
}

func toClientItem(c Client) clientItem {
	return clientItem{PK: clientPKPrefix + c.ID, SK: clientSK, GSI1PK: clientsGSIPK, GSI1SK: c.ID, Client: c, SecretHash: c.secretHash}
}

// newClientItem is what a stored client is decoded into: decoding leaves a field the
// item lacks as it was, so a record without require_pkce requires PKCE.
func newClientItem() clientItem { return clientItem{Client: Client{RequirePKCE: true}} }

func (it clientItem) client() Client {
	c := it.Client
	c.secretHash = it.SecretHash
	return c
}

var clientIDPattern = regexp.MustCompile(`^[a-z2-7]{1,64}$`)

// Get returns the client id, or an error wrapping ErrClientNotFound.
func (s *Clients) Get(ctx context.Context, id string) (Client, error) {
	if !clientIDPattern.MatchString(id) {
		return Client{}, fmt.Errorf("get OAuth client: %w", ErrClientNotFound)
	}
	it := newClientItem()
	if err := s.table.Get(ctx, table.Key(clientPKPrefix+id, clientSK), &it); err != nil {
		if errors.Is(err, errNoItem) {
			err = ErrClientNotFound
		}
		return Client{}, fmt.Errorf("get OAuth client %s: %w", id, err)
	}
	return it.client(), nil
}

// List returns every client, ordered by ID.
func (s *Clients) List(ctx context.Context) ([]Client, error) {
	items, err := s.table.QueryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(table.GSIName),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(clientsGSIPK)},
	})
	if err != nil {
		return nil, fmt.Errorf("list OAuth clients: %w", err)
	}
	out := make([]Client, 0, len(items))
	for _, item := range items {
		it := newClientItem()
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fmt.Errorf("list OAuth clients: decode: %w", err)
		}
		out = append(out, it.client())
	}
	slices.SortFunc(out, func(a, b Client) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// RotateSecret gives client id a new secret and returns it; the old one stops working
// at once. Errors wrap ErrClientNotFound or the AWS error.
func (s *Clients) RotateSecret(ctx context.Context, id string) (string, error) {
	if !clientIDPattern.MatchString(id) {
		return "", fmt.Errorf("rotate OAuth client secret: %w", ErrClientNotFound)
	}
	secret := randomToken()
	_, err := s.table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                 table.Key(clientPKPrefix+id, clientSK),
		UpdateExpression:    aws.String("SET secret_hash = :h, updated_at = :now ADD version :one"),
		ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":h": table.S(hashSecret(secret)), ":now": table.S(s.Now().UTC().Format(time.RFC3339Nano)), ":one": table.N(1),
		},
	})
	if err != nil {
		if table.ConditionFailed(err) {
			err = ErrClientNotFound
		}
		return "", fmt.Errorf("rotate OAuth client %s secret: %w", id, err)
	}
	return secret, nil
}

// Delete removes client id; its refresh tokens stop working because the client no
// longer authenticates. Errors wrap ErrClientNotFound or the AWS error.
func (s *Clients) Delete(ctx context.Context, id string) error {
	if !clientIDPattern.MatchString(id) {
		return fmt.Errorf("delete OAuth client: %w", ErrClientNotFound)
	}
	_, err := s.table.Delete(ctx, &dynamodb.DeleteItemInput{
		Key:                 table.Key(clientPKPrefix+id, clientSK),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if err != nil {
		if table.ConditionFailed(err) {
			err = ErrClientNotFound
		}
		return fmt.Errorf("delete OAuth client %s: %w", id, err)
	}
	return nil
}
