package tenants

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id parameters for new password hashes. Hashes keep
// their own parameters (in the PHC string), so changing these affects only new hashes.
type PasswordParams struct {
	// Memory in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism (lanes).
	Threads uint8
}

// DefaultPasswordParams are the production parameters: 64 MiB, 2 passes, 2 lanes.
// That is above OWASP's argon2id minimum (19 MiB and 2 passes, or 46 MiB and 1 pass)
// and close to RFC 9106's second recommended option (64 MiB, 3 passes), at about
// 80 ms on one modern core: a sign-in happens once per account linking, and the oauth
// Lambda serves one request at a time, so 64 MiB per hash fits a 256 MB function.
// Two lanes, not four, because a Lambda below 1.8 GB has less than two vCPUs.
var DefaultPasswordParams = PasswordParams{Memory: 64 * 1024, Time: 2, Threads: 2}

const (
	passwordSaltLen = 16
	passwordKeyLen  = 32
	// Bounds on the parameters read back from a stored hash, so that a corrupt or
	// hostile record cannot make a sign-in allocate gigabytes.
	maxHashMemory  = 1 << 20 // 1 GiB
	maxHashTime    = 16
	maxHashThreads = 16
)

var errMalformedHash = errors.New("malformed argon2id hash")

// HashPassword returns the argon2id hash of password with parameters p, in PHC string format:
// $argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash> (unpadded standard base64).
func HashPassword(password string, p PasswordParams) string {
	salt := make([]byte, passwordSaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, passwordKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether password matches the PHC-format hash, comparing in
// constant time. A malformed hash (or one with absurd parameters) never matches.
func CheckPassword(hash, password string) bool {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

func parseHash(hash string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errMalformedHash
	}
	if p.Memory == 0 || p.Memory > maxHashMemory || p.Time == 0 || p.Time > maxHashTime ||
		p.Threads == 0 || p.Threads > maxHashThreads || p.Memory < 8*uint32(p.Threads) {
		return p, nil, nil, errMalformedHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errMalformedHash
	}
	return p, salt, key, nil
}

// ValidPasswordHash reports whether hash is an argon2id hash in the PHC string
// format HashPassword writes.
func ValidPasswordHash(hash string) bool {
	_, _, _, err := parseHash(hash)
	return err == nil
}
