package mfa

import (
	"errors"
	"regexp"
	"testing"
)

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"SixDigits", "514309", "514309", nil},
		{"LeadingZeroDropped", "14309", "014309", nil},
		{"AllZerosButOne", "7", "000007", nil},
		{"Spaces", " 514309 ", "514309", nil},
		{"Empty", "", "", ErrMalformedCode},
		{"TooLong", "5143090", "", ErrMalformedCode},
		{"Letters", "51430a", "", ErrMalformedCode},
		{"Sign", "-14309", "", ErrMalformedCode},
		{"InnerSpace", "514 309", "", ErrMalformedCode},
		{"NonASCIIDigits", "５１４３０９", "", ErrMalformedCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeCode(tc.in)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestNewCodeIsSixRandomDigits(t *testing.T) {
	six := regexp.MustCompile(`^[0-9]{6}$`)
	seen := map[string]bool{}
	firstDigits := map[byte]bool{}
	for range 2000 {
		c, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if !six.MatchString(c) {
			t.Fatalf("newCode() = %q, want six digits", c)
		}
		seen[c] = true
		firstDigits[c[0]] = true
	}
	// 2000 draws from a million: a handful of repeats at most, and every leading digit
	// (zero included) shows up.
	if len(seen) < 1990 || len(firstDigits) != 10 {
		t.Errorf("2000 codes: %d distinct, %d distinct leading digits", len(seen), len(firstDigits))
	}
}

func TestSMSText(t *testing.T) {
	const want = "Your easy to cloud code is 514309. Say: Alexa, tell easy to cloud to authenticate 514309. It expires in 5 minutes."
	if got := smsText("514309", 5); got != want {
		t.Errorf("smsText = %q, want %q", got, want)
	}
}

func TestCodeMACBindsTheUser(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	a := codeMAC(key, "t-1", "u-1", "514309")
	if string(a) == string(codeMAC(key, "t-1", "u-2", "514309")) {
		t.Error("the same code hashes alike for two users")
	}
	if string(a) == string(codeMAC([]byte("another key 0123456789abcdef0123"), "t-1", "u-1", "514309")) {
		t.Error("the hash does not depend on the key")
	}
}
