package tenants

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"regexp"
	"strings"
)

// Prefixes of generated IDs, so that an ID says what it names.
const (
	tenantIDPrefix = "t-"
	userIDPrefix   = "u-"
)

// ExternalIDPrefix begins every ExternalId easytocloud generates, which makes it
// recognisable in a trust policy.
const ExternalIDPrefix = "easytocloud-"

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns prefix followed by 16 lower-case base32 characters (80 random bits).
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics on a broken system)
	return prefix + lowerBase32.EncodeToString(b)
}

// NewTenantID returns a fresh tenant ID: "t-" and 80 random bits.
func NewTenantID() string { return newID(tenantIDPrefix) }

// NewUserID returns a fresh user ID: "u-" and 80 random bits.
func NewUserID() string { return newID(userIDPrefix) }

// NewExternalID returns a fresh ExternalId: ExternalIDPrefix and 43 characters of
// base64url (256 random bits). Every character is in the set AWS allows for an
// ExternalId ([\w+=,.@:/-]), and it never starts with "-", so it can be passed as a
// command-line argument.
func NewExternalID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return ExternalIDPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// idPattern is the shape of any ID this package accepts in a key. It excludes "#",
// the separator of the table's keys, so an ID can never address another item.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// ValidID reports whether id has the shape of an ID this package accepts in a key:
// 1 to 64 letters, digits, "_", "." or "-" (never "#", the keys' separator).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// NormalEmail is the form of an email address its uniqueness is judged by: trimmed
// and lower-case.
func NormalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
