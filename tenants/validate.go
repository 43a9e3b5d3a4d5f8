package tenants

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MinPasswordLen is the shortest password accepted, in characters.
const MinPasswordLen = 12

// Limits of the fields people type.
const (
	maxNameLen        = 128
	maxPasswordLen    = 1024
	maxTagKeyLen      = 128
	maxTagValueLen    = 256
	maxEmailLen       = 254
	maxSerialLen      = 256
	minSerialLen      = 9
	maxRoleARNLen     = 2048
	maxVerifierKeyLen = 128
)

var (
	// arn:aws:iam::<account>:role/<optional path/><name>; IAM allows [\w+=,.@-] in
	// names and the same plus "/" in paths.
	roleARNPattern = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	// A virtual MFA device's ARN.
	mfaARNPattern = regexp.MustCompile(`^arn:aws:iam::(\d{12}):mfa/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,128}$`)
	// sts:GetSessionToken's SerialNumber: [\w+=/:,.@-], 9 to 256 characters.
	serialPattern = regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`)
	// An IAM user's long-term access key ID.
	verifierKeyIDPattern = regexp.MustCompile(`^AKIA[A-Z0-9]{12,124}$`)
	// A secret access key: AWS issues 40 characters of base64.
	verifierSecretPattern = regexp.MustCompile(`^[A-Za-z0-9/+=]{30,128}$`)
	// E.164: "+", a country code not starting with 0, at most 15 digits in all.
	e164Pattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// Invalidf returns an error wrapping ErrInvalid whose text, made from format and a as
// fmt.Sprintf does, names the field and says what to fix, in words fit to show the
// operator.
func Invalidf(format string, a ...any) error {
	return fmt.Errorf("%w %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// CheckTenant validates the fields an operator sets on a tenant and the verifier
// secret given with them (verifierSecret; "" when none is given). stored reports
// whether a verifier secret is already stored, and kept when verifierSecret is empty.
// It returns an error wrapping ErrInvalid that names the first field to fix.
func CheckTenant(t Tenant, verifierSecret string, stored bool) error {
	if verifierSecret != "" {
		if t.MFA.Kind != MFAToken {
			return Invalidf("verifier secret: only a token policy has one (mfa is %q)", t.MFA.Kind)
		}
		if err := validateVerifierSecret(verifierSecret); err != nil {
			return err
		}
	}
	return validateTenant(t, verifierSecret != "" || (stored && t.MFA.Kind == MFAToken))
}

// validateTenant checks the fields an operator sets on a tenant. haveSecret reports
// whether a verifier secret is given or already stored.
func validateTenant(t Tenant, haveSecret bool) error {
	if err := validateName(t.Name); err != nil {
		return err
	}
	var account string
	if t.Connected() {
		var err error
		if account, err = ValidateRoleARN(t.RoleARN); err != nil {
			return err
		}
	} else if t.MFA.Kind == MFAToken {
		return Invalidf("mfa token: connect the AWS account first (the MFA device is in it)")
	}
	seen := make(map[string]bool, len(t.Regions))
	for _, r := range t.Regions {
		if !KnownRegion(r) {
			return Invalidf("region %q: use region codes such as eu-west-1 or us-east-1", r)
		}
		if seen[r] {
			return Invalidf("regions: %s is listed twice", r)
		}
		seen[r] = true
	}
	if t.ControlTag != nil {
		if err := validateTag(*t.ControlTag); err != nil {
			return err
		}
	}
	return validatePolicy(t.MFA, account, haveSecret)
}

func validateName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return Invalidf("name: give the tenant a name")
	case utf8.RuneCountInString(name) > maxNameLen:
		return Invalidf("name: at most %d characters", maxNameLen)
	case strings.ContainsFunc(name, unicode.IsControl):
		return Invalidf("name: no control characters (such as newlines)")
	case name != strings.TrimSpace(name):
		return Invalidf("name %q: no leading or trailing spaces", name)
	}
	return nil
}

// ValidateRoleARN returns the account of a role ARN
// (arn:aws:iam::<12-digit account>:role/<name>), or an error wrapping ErrInvalid
// that says what to fix.
func ValidateRoleARN(arn string) (string, error) {
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil || len(arn) > maxRoleARNLen {
		return "", Invalidf("role ARN %q: use arn:aws:iam::<12-digit account>:role/<name>", arn)
	}
	return m[1], nil
}

func validateTag(t Tag) error {
	switch {
	case t.Key == "":
		return Invalidf("control tag: give it as key=value with a non-empty key")
	case utf8.RuneCountInString(t.Key) > maxTagKeyLen:
		return Invalidf("control tag key: at most %d characters", maxTagKeyLen)
	case utf8.RuneCountInString(t.Value) > maxTagValueLen:
		return Invalidf("control tag value: at most %d characters", maxTagValueLen)
	case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
		return Invalidf("control tag key %q: keys starting with aws: are reserved by AWS", t.Key)
	}
	return nil
}

func validatePolicy(p MFAPolicy, account string, haveSecret bool) error {
	if p.Elevation < MinElevation || p.Elevation > MaxElevation {
		return Invalidf("elevation %s: use 1 to 60 minutes (default 10m)", p.Elevation)
	}
	if p.Elevation%time.Second != 0 {
		return Invalidf("elevation %s: use whole seconds", p.Elevation)
	}
	switch p.Kind {
	case MFASMS:
		if p.Serial != "" || p.VerifierKeyID != "" || haveSecret {
			return Invalidf("mfa sms: leave the MFA serial and the verifier key empty (they are for token)")
		}
		return nil
	case MFAToken:
	default:
		return Invalidf("mfa %q: use %q or %q", p.Kind, MFASMS, MFAToken)
	}
	if err := validateSerial(p.Serial, account); err != nil {
		return err
	}
	if !verifierKeyIDPattern.MatchString(p.VerifierKeyID) || len(p.VerifierKeyID) > maxVerifierKeyLen {
		return Invalidf("verifier key ID %q: use the verifier IAM user's access key ID (AKIA…)", p.VerifierKeyID)
	}
	if !haveSecret {
		return Invalidf("verifier secret: give the verifier IAM user's secret access key")
	}
	return nil
}

func validateSerial(serial, account string) error {
	if strings.HasPrefix(serial, "arn:") {
		m := mfaARNPattern.FindStringSubmatch(serial)
		if m == nil || len(serial) > maxSerialLen {
			return Invalidf("MFA serial %q: use the device's serial number or arn:aws:iam::<account>:mfa/<name>", serial)
		}
		if m[1] != account {
			return Invalidf("MFA serial %q: the device must be in the role's account %s", serial, account)
		}
		return nil
	}
	if !serialPattern.MatchString(serial) {
		return Invalidf("MFA serial %q: use the device's serial number (%d to %d characters of letters, digits and +=/:,.@_-) or its ARN", serial, minSerialLen, maxSerialLen)
	}
	return nil
}

func validateVerifierSecret(secret string) error {
	if !verifierSecretPattern.MatchString(secret) {
		// Never echo the secret itself.
		return Invalidf("verifier secret: not a secret access key (40 characters of letters, digits, / and +)")
	}
	return nil
}

// validateEmail checks a bare address such as alice@example.com.
func validateEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > maxEmailLen {
		return Invalidf("email %q: use a bare address such as alice@example.com", email)
	}
	at := strings.LastIndexByte(email, '@')
	if domain := email[at+1:]; !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return Invalidf("email %q: the domain needs a dot, such as example.com", email)
	}
	return nil
}

// ValidPhone reports whether phone is a number in E.164 form, the form a user's
// Phone is stored in: a "+", a country code not starting with 0, 7 to 15 digits
// in all, nothing else (no spaces).
func ValidPhone(phone string) bool { return e164Pattern.MatchString(phone) }

// validatePhone checks an optional E.164 phone number.
func validatePhone(phone string) error {
	if phone != "" && !ValidPhone(phone) {
		return Invalidf("phone %q: use E.164 form, a + and the country code, such as +31612345678", phone)
	}
	return nil
}

// ValidatePassword checks a new password: at least MinPasswordLen characters, valid
// UTF-8, not absurdly long. It returns an error wrapping ErrInvalid.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return Invalidf("password: use at least %d characters", MinPasswordLen)
	case len(password) > maxPasswordLen:
		return Invalidf("password: at most %d bytes", maxPasswordLen)
	case !utf8.ValidString(password):
		return Invalidf("password: not valid UTF-8")
	}
	return nil
}

// ValidateUser checks the fields an operator sets on a user: the tenant ID, the
// email address, the role ("" or a ValidRole) and the optional E.164 phone. It returns
// an error wrapping ErrInvalid.
func ValidateUser(u User) error {
	if !ValidID(u.TenantID) {
		return Invalidf("tenant ID %q: use the ID easytocloud gave the tenant (t-…)", u.TenantID)
	}
	if u.Role != "" && !ValidRole(u.Role) {
		return Invalidf("role %q: use %q or %q", u.Role, RoleAdmin, RoleMember)
	}
	if err := validateEmail(u.Email); err != nil {
		return err
	}
	return validatePhone(u.Phone)
}
