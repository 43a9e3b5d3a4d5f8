package tenants

import (
	"regexp"
	"strings"
	"testing"
)

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestPasswordHash(t *testing.T) {
	p := PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	h := HashPassword("correct horse battery staple", p)
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not argon2id in PHC form", h)
	}
	if h2 := HashPassword("correct horse battery staple", p); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !CheckPassword(h, "correct horse battery staple") {
		t.Error("the password does not match its hash")
	}
	if CheckPassword(h, "correct horse battery staplE") {
		t.Error("another password matches")
	}
}

func TestPasswordHashMalformed(t *testing.T) {
	good := HashPassword("pw", PasswordParams{Memory: 1024, Time: 1, Threads: 1})
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, h := range map[string]string{
		"Empty":        "",
		"Argon2i":      with(1, "argon2i"),
		"Version":      with(2, "v=16"),
		"HugeMemory":   with(3, "m=4194304,t=1,p=1"),
		"ZeroTime":     with(3, "m=1024,t=0,p=1"),
		"ManyThreads":  with(3, "m=1024,t=1,p=200"),
		"Params":       with(3, "m=1024"),
		"SaltBase64":   with(4, "!!!"),
		"ShortKey":     with(5, "AAAA"),
		"ExtraField":   good + "$x",
		"Bcrypt":       "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"PlainText":    "pw",
		"MissingParts": "$argon2id$v=19",
	} {
		t.Run(name, func(t *testing.T) {
			if CheckPassword(h, "pw") {
				t.Errorf("malformed hash %q matched", h)
			}
		})
	}
}

// BenchmarkPasswordHash measures the production parameters (DefaultPasswordParams).
func BenchmarkPasswordHash(b *testing.B) {
	for b.Loop() {
		HashPassword("correct horse battery staple", DefaultPasswordParams)
	}
}
