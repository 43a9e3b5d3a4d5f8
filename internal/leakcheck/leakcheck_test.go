package leakcheck

import (
	"log/slog"
	"testing"
)

func TestLeaks(t *testing.T) {
	const (
		password = "correct horse battery staple"
		code     = "514309"
		phone    = "+31612345678"
		jwt      = "eyJhbGciOiJFUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"
	)
	key := []byte{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05}
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string // kind found, "" for none
	}{
		{"Clean", func(l *slog.Logger) { l.Info("signed in", "user", "usr-1", "at", "2026-03-01T12:05:14Z") }, ""},
		{"CodeInsideALongerNumber", func(l *slog.Logger) { l.Info("x", "request", "amzn1.request.1514309000") }, ""},
		{"PhoneHint", func(l *slog.Logger) { l.Info("sms sent", "phone_hint", "78") }, ""},
		{"Password", func(l *slog.Logger) { l.Info("login", "password", password) }, "password"},
		{"PasswordEscaped", func(l *slog.Logger) { l.Info("login", "password", `p"w<&>`) }, "password"},
		{"Code", func(l *slog.Logger) { l.Info("verify", "code", code) }, "otp"},
		{"CodeInText", func(l *slog.Logger) { l.Info("Your code is " + code + ".") }, "otp"},
		{"Phone", func(l *slog.Logger) { l.Info("sms", "to", phone) }, "phone number"},
		{"PhoneWithoutPlus", func(l *slog.Logger) { l.Info("sms", "to", phone[1:]) }, "phone number"},
		{"PhoneTail", func(l *slog.Logger) { l.Info("sms", "to", "…"+phone[len(phone)-7:]) }, "phone number"},
		{"UnregisteredPhone", func(l *slog.Logger) { l.Info("sms", "to", "+4915123456789") }, "full phone number"},
		{"UnregisteredJWT", func(l *slog.Logger) { l.Info("token", "t", jwt) }, "JWT-shaped string"},
		{"PlaintextBase64", func(l *slog.Logger) { l.Info("kms", "key", key) }, "kms plaintext"}, // slog writes []byte as base64
		{"PlaintextHex", func(l *slog.Logger) { l.Info("kms", "key", "deadbeef0102030405") }, "kms plaintext"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Log{}
			l.Secret("password", password, `p"w<&>`)
			l.Secret("otp", code)
			l.Phone(phone)
			l.Plaintext("kms plaintext", key)
			tt.log(l.Logger())
			leaks := l.Leaks()
			switch {
			case tt.want == "" && len(leaks) > 0:
				t.Errorf("found %+v in a clean log", leaks)
			case tt.want != "" && (len(leaks) != 1 || leaks[0].Kind != tt.want):
				t.Errorf("leaks = %+v, want one %q", leaks, tt.want)
			}
		})
	}
}
