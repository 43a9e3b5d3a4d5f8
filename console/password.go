package console

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"github.com/easytocloud/easytocloud/tenants"
)

// minStrength is the lowest zxcvbn score a new password may have (0 to 4; 3 is
// "safely unguessable: moderate protection from offline slow-hash scenario").
const minStrength = 3

// maxStrengthCheck bounds the part of a password the estimator reads: its cost grows
// quickly with length, and a password this long is not weak for being longer.
const maxStrengthCheck = 100

// checkNewPassword records on f, for field, what is wrong with a new password: too
// short (tenants.MinPasswordLen characters), too long, or rated weak by the zxcvbn
// strength estimator, which also counts the person's own words (their e-mail
// address, their organisation's name) as easy to guess. It reports whether the
// password may be used. The message never repeats the password.
func checkNewPassword(f *Form, field, password string, personal ...string) bool {
	if err := tenants.ValidatePassword(password); err != nil {
		switch {
		case utf8.RuneCountInString(password) < tenants.MinPasswordLen:
			f.Fail(field, fmt.Sprintf("Enter a password of at least %d characters", tenants.MinPasswordLen))
		default:
			f.Fail(field, "Enter a shorter password (at most 1024 bytes)")
		}
		return false
	}
	check := password
	if utf8.RuneCountInString(check) > maxStrengthCheck {
		check = string([]rune(check)[:maxStrengthCheck])
	}
	var inputs []string
	for _, p := range personal {
		inputs = append(inputs, p)
		inputs = append(inputs, strings.FieldsFunc(p, func(r rune) bool { return r == '@' || r == '.' || r == ' ' || r == '-' || r == '_' })...)
	}
	if zxcvbn.PasswordStrength(check, inputs).Score < minStrength {
		f.Fail(field, "Choose a password that is harder to guess: add words that are not a phrase, or more characters; avoid your name, your e-mail address and common passwords")
		return false
	}
	return true
}
