package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"strings"
)

// CodeDigits is the length of every code: SMS codes are made with it and IAM MFA
// tokens show it.
const CodeDigits = 6

// NormalizeCode returns code as exactly CodeDigits digits. Alexa's number slot drops
// leading zeros ("authenticate 014309" arrives as "14309"), so a shorter string of
// digits is left-padded with zeros. Surrounding spaces are ignored. Anything else
// (no digits, other characters, more than CodeDigits digits) returns ErrMalformedCode.
func NormalizeCode(code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > CodeDigits {
		return "", ErrMalformedCode
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return "", ErrMalformedCode
		}
	}
	return strings.Repeat("0", CodeDigits-len(code)) + code, nil
}

// newCode returns a uniformly random code of CodeDigits digits from crypto/rand.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("random code: %w", err)
	}
	return fmt.Sprintf("%0*d", CodeDigits, n.Int64()), nil
}

// codeMAC is the keyed hash stored in place of an SMS code. It binds the code to the
// tenant and user, so a stored hash says nothing about anyone else's code.
func codeMAC(key []byte, tenantID, userID, code string) []byte {
	m := hmac.New(sha256.New, key)
	// IDs never contain NUL (validID), so the fields cannot run into each other.
	m.Write([]byte(tenantID + "\x00" + userID + "\x00" + code))
	return m.Sum(nil)
}

// smsText is the message a person receives: the code, what to say, and the expiry.
func smsText(code string, ttlMinutes int) string {
	return fmt.Sprintf("Your easy to cloud code is %s. Say: Alexa, tell easy to cloud to authenticate %s. It expires in %d minutes.",
		code, code, ttlMinutes)
}

// phoneHint returns the last two digits of phone, the most of it that may be shown or logged.
func phoneHint(phone string) string {
	if len(phone) < 2 {
		return ""
	}
	return phone[len(phone)-2:]
}
