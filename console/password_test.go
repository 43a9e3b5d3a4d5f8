package console

import (
	"strings"
	"testing"
)

// TestCheckNewPassword: short, common, personal and keyboard-walk passwords are
// refused with a message that never holds the password; strong ones pass.
func TestCheckNewPassword(t *testing.T) {
	cases := []struct {
		name, password string
		ok             bool
		want           string
	}{
		{"Short", "Tr0ub4dor&3", false, "at least 12 characters"},
		{"Common", "password1234", false, "harder to guess"},
		{"KeyboardWalk", "qwertyuiopasdf", false, "harder to guess"},
		{"Personal", "ada.lovelace@acme.example", false, "harder to guess"},
		{"Repeated", "aaaaaaaaaaaaaaaa", false, "harder to guess"},
		{"Passphrase", "correct horse battery staple", true, ""},
		{"Random", "vT7#qP2!mZx9Lw", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &Form{Values: map[string]string{}}
			ok := checkNewPassword(f, "password", c.password, "ada.lovelace@acme.example", "Acme")
			if ok != c.ok {
				t.Fatalf("checkNewPassword(%q) = %v, want %v (errors %v)", c.password, ok, c.ok, f.Errors)
			}
			if !c.ok {
				if len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Message, c.want) {
					t.Fatalf("errors = %v, want one saying %q", f.Errors, c.want)
				}
				if strings.Contains(f.Errors[0].Message, c.password) {
					t.Errorf("the message repeats the password")
				}
			}
		})
	}
}
