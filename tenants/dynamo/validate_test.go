package dynamo_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/tenants"
)

// tenantCases are malformed tenants: each names the field, a mutation of a valid
// token tenant, the secret given, and words the error must contain.
var tenantCases = []struct {
	name   string
	mutate func(*tenants.Tenant)
	secret string
	want   string
}{
	{"EmptyName", func(t *tenants.Tenant) { t.Name = " " }, testSecret, "give the tenant a name"},
	{"LongName", func(t *tenants.Tenant) { t.Name = strings.Repeat("x", 129) }, testSecret, "at most 128"},
	{"NameNewline", func(t *tenants.Tenant) { t.Name = "a\nb" }, testSecret, "control characters"},
	{"NameSpaces", func(t *tenants.Tenant) { t.Name = " Acme" }, testSecret, "leading or trailing"},
	// A token policy needs the account its device is in; only an SMS tenant may wait to connect one.
	{"RoleARNEmptyWithToken", func(t *tenants.Tenant) { t.RoleARN = "" }, testSecret, "connect the AWS account first"},
	{"RoleARNUser", func(t *tenants.Tenant) { t.RoleARN = "arn:aws:iam::222222222222:user/bob" }, testSecret, "role ARN"},
	{"RoleARNShortAccount", func(t *tenants.Tenant) { t.RoleARN = "arn:aws:iam::2222:role/x" }, testSecret, "12-digit"},
	{"RoleARNPartition", func(t *tenants.Tenant) { t.RoleARN = "arn:aws-cn:iam::222222222222:role/x" }, testSecret, "role ARN"},
	{"RoleARNBadChar", func(t *tenants.Tenant) { t.RoleARN = "arn:aws:iam::222222222222:role/a b" }, testSecret, "role ARN"},
	{"RoleNameTooLong", func(t *tenants.Tenant) { t.RoleARN = "arn:aws:iam::222222222222:role/" + strings.Repeat("r", 65) }, testSecret, "role ARN"},
	{"UnknownRegion", func(t *tenants.Tenant) { t.Regions = []string{"eu-west-1", "mars-north-1"} }, testSecret, `"mars-north-1"`},
	{"RegionName", func(t *tenants.Tenant) { t.Regions = []string{"Ireland"} }, testSecret, "region codes such as eu-west-1"},
	{"RegionTwice", func(t *tenants.Tenant) { t.Regions = []string{"eu-west-1", "eu-west-1"} }, testSecret, "listed twice"},
	{"TagEmptyKey", func(t *tenants.Tenant) { t.ControlTag = &tenants.Tag{Value: "v"} }, testSecret, "key=value"},
	{"TagLongKey", func(t *tenants.Tenant) { t.ControlTag = &tenants.Tag{Key: strings.Repeat("k", 129)} }, testSecret, "at most 128"},
	{"TagLongValue", func(t *tenants.Tenant) { t.ControlTag = &tenants.Tag{Key: "k", Value: strings.Repeat("v", 257)} }, testSecret, "at most 256"},
	{"TagAWSPrefix", func(t *tenants.Tenant) { t.ControlTag = &tenants.Tag{Key: "aws:cloudformation:stack-name", Value: "v"} }, testSecret, "reserved by AWS"},
	{"MFAKindEmpty", func(t *tenants.Tenant) { t.MFA.Kind = "" }, "", `use "sms" or "token"`},
	{"MFAKindUnknown", func(t *tenants.Tenant) { t.MFA.Kind = "totp" }, "", `mfa "totp"`},
	{"ElevationShort", func(t *tenants.Tenant) { t.MFA.Elevation = 30 * time.Second }, testSecret, "1 to 60 minutes"},
	{"ElevationLong", func(t *tenants.Tenant) { t.MFA.Elevation = 61 * time.Minute }, testSecret, "1 to 60 minutes"},
	{"ElevationNegative", func(t *tenants.Tenant) { t.MFA.Elevation = -time.Minute }, testSecret, "1 to 60 minutes"},
	{"ElevationFraction", func(t *tenants.Tenant) { t.MFA.Elevation = 90*time.Second + time.Millisecond }, testSecret, "whole seconds"},
	{"SerialEmpty", func(t *tenants.Tenant) { t.MFA.Serial = "" }, testSecret, "MFA serial"},
	{"SerialShort", func(t *tenants.Tenant) { t.MFA.Serial = "GAHT1" }, testSecret, "9 to 256"},
	{"SerialBadChar", func(t *tenants.Tenant) { t.MFA.Serial = "GAHT 12345678" }, testSecret, "serial number"},
	{"SerialBadARN", func(t *tenants.Tenant) { t.MFA.Serial = "arn:aws:iam::222222222222:user/verifier" }, testSecret, ":mfa/<name>"},
	{"SerialOtherAccount", func(t *tenants.Tenant) { t.MFA.Serial = "arn:aws:iam::333333333333:mfa/verifier" }, testSecret, "role's account 222222222222"},
	{"VerifierKeyEmpty", func(t *tenants.Tenant) { t.MFA.VerifierKeyID = "" }, testSecret, "access key ID (AKIA"},
	{"VerifierKeySession", func(t *tenants.Tenant) { t.MFA.VerifierKeyID = "ASIAIOSFODNN7EXAMPLE" }, testSecret, "AKIA"},
	{"VerifierSecretMissing", func(*tenants.Tenant) {}, "", "give the verifier IAM user's secret access key"},
	{"VerifierSecretMalformed", func(*tenants.Tenant) {}, "short-secret-xyz!", "not a secret access key"},
	{"SMSWithSerial", func(t *tenants.Tenant) { t.MFA.Kind = tenants.MFASMS; t.MFA.VerifierKeyID = "" }, "", "leave the MFA serial"},
	{"SMSWithSecret", func(t *tenants.Tenant) { t.MFA = tenants.MFAPolicy{Kind: tenants.MFASMS} }, testSecret, "only a token policy"},
	{"ChosenID", func(t *tenants.Tenant) { t.ID = "t-mine" }, testSecret, "easytocloud generates it"},
	{"ChosenExternalID", func(t *tenants.Tenant) { t.ExternalID = strings.Repeat("e", 40) }, testSecret, "easytocloud generates it"},
}

func TestCreateTenantInvalid(t *testing.T) {
	e := newEnv(t)
	for _, c := range tenantCases {
		t.Run(c.name, func(t *testing.T) {
			in := tokenTenant()
			c.mutate(&in)
			_, err := e.store.CreateTenant(ctx(t), in, c.secret)
			checkInvalid(t, err, c.want, c.secret)
		})
	}
	if n := len(scan(t, e)); n != 0 {
		t.Errorf("malformed creates wrote %d items", n)
	}
}

func TestUpdateTenantInvalid(t *testing.T) {
	e := newEnv(t)
	stored := mustCreateTenant(t, e.store, tokenTenant(), testSecret)
	before := scan(t, e)
	for _, c := range tenantCases {
		if c.name == "ChosenID" || c.name == "VerifierSecretMissing" {
			continue // an update names its tenant; a stored secret is kept
		}
		t.Run(c.name, func(t *testing.T) {
			in := stored
			c.mutate(&in)
			_, err := e.store.ReplaceTenant(ctx(t), in, c.secret)
			if c.name == "ChosenExternalID" {
				c.want = "cannot be changed"
			}
			checkInvalid(t, err, c.want, c.secret)
		})
	}
	t.Run("TokenWithoutStoredSecret", func(t *testing.T) {
		sms := mustCreateTenant(t, e.store, inNewAccount(t, smsTenant()), "")
		before := scan(t, e)
		in := sms
		in.MFA = tokenTenant().MFA
		_, err := e.store.ReplaceTenant(ctx(t), in, "")
		checkInvalid(t, err, "give the verifier IAM user's secret access key", "")
		if got, _ := e.store.GetTenant(ctx(t), sms.ID); got.Version != 1 || len(scan(t, e)) != len(before) {
			t.Error("a malformed update wrote")
		}
	})
	after, _ := e.store.GetTenant(ctx(t), stored.ID)
	if after.Version != 1 || len(scan(t, e)) != len(before)+3 { // the sms tenant and its two claims
		t.Errorf("malformed updates wrote: version %d", after.Version)
	}
}

var userCases = []struct {
	name     string
	mutate   func(*tenants.User)
	password string
	want     string
}{
	{"EmailEmpty", func(u *tenants.User) { u.Email = "" }, testPassword, "bare address"},
	{"EmailNoAt", func(u *tenants.User) { u.Email = "alice.example.com" }, testPassword, "bare address such as alice@example.com"},
	{"EmailDisplayName", func(u *tenants.User) { u.Email = "Alice <alice@example.com>" }, testPassword, "bare address"},
	{"EmailNoDot", func(u *tenants.User) { u.Email = "alice@localhost" }, testPassword, "needs a dot"},
	{"EmailTwoAt", func(u *tenants.User) { u.Email = "a@b@example.com" }, testPassword, "bare address"},
	{"EmailTooLong", func(u *tenants.User) { u.Email = strings.Repeat("a", 250) + "@example.com" }, testPassword, "bare address"},
	{"PhoneNoPlus", func(u *tenants.User) { u.Phone = "0612345678" }, testPassword, "E.164"},
	{"PhoneSpaces", func(u *tenants.User) { u.Phone = "+31 6 12345678" }, testPassword, "such as +31612345678"},
	{"PhoneZeroCountry", func(u *tenants.User) { u.Phone = "+0612345678" }, testPassword, "E.164"},
	{"PhoneTooLong", func(u *tenants.User) { u.Phone = "+1234567890123456" }, testPassword, "E.164"},
	{"PhoneMissingForSMS", func(u *tenants.User) { u.Phone = "" }, testPassword, "sends codes by SMS"},
	{"TenantIDMalformed", func(u *tenants.User) { u.TenantID = "t#1" }, testPassword, "tenant ID"},
	{"PasswordShort", func(*tenants.User) {}, "short", "at least 12 characters"},
	{"PasswordEmpty", func(*tenants.User) {}, "", "at least 12 characters"},
	{"PasswordHuge", func(*tenants.User) {}, strings.Repeat("p", 1025), "at most 1024 bytes"},
	{"PasswordNotUTF8", func(*tenants.User) {}, strings.Repeat("\xff", 12), "UTF-8"},
	{"ChosenID", func(u *tenants.User) { u.ID = "u-mine" }, testPassword, "easytocloud generates it"},
}

func TestCreateUserInvalid(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	before := len(scan(t, e))
	for _, c := range userCases {
		t.Run(c.name, func(t *testing.T) {
			u := tenants.User{TenantID: tn.ID, Email: "alice@example.com", Phone: testPhone}
			c.mutate(&u)
			_, err := e.store.CreateUser(ctx(t), u, c.password)
			checkInvalid(t, err, c.want, c.password)
		})
	}
	if n := len(scan(t, e)); n != before {
		t.Errorf("malformed creates wrote %d items", n-before)
	}
}

func TestUpdateUserInvalid(t *testing.T) {
	e := newEnv(t)
	tn := mustCreateTenant(t, e.store, smsTenant(), "")
	u := mustCreateUser(t, e.store, tn.ID, "alice@example.com", testPhone)
	before := scan(t, e)
	for _, c := range userCases {
		if c.password != testPassword || c.name == "ChosenID" {
			continue // UpdateUser takes no password; the ID names the user
		}
		t.Run(c.name, func(t *testing.T) {
			in := u
			c.mutate(&in)
			_, err := e.store.ReplaceUser(ctx(t), in)
			checkInvalid(t, err, c.want, "")
		})
	}
	for _, c := range userCases {
		if c.password == testPassword {
			continue
		}
		t.Run("SetPassword"+c.name, func(t *testing.T) {
			err := e.store.SetPassword(ctx(t), tn.ID, u.ID, c.password)
			checkInvalid(t, err, c.want, c.password)
		})
	}
	after, _ := e.store.GetUser(ctx(t), tn.ID, u.ID)
	if after.Version != 1 || len(scan(t, e)) != len(before) {
		t.Errorf("malformed updates wrote: version %d", after.Version)
	}
}

// checkInvalid checks err wraps ErrInvalid, says want, and does not echo the secret.
func checkInvalid(t *testing.T, err error, want, secret string) {
	t.Helper()
	if !errors.Is(err, tenants.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to say %q", err, want)
	}
	if len(secret) >= 12 && strings.Contains(err.Error(), secret) {
		t.Errorf("err = %q echoes the secret", err)
	}
}

func TestValidExamples(t *testing.T) {
	e := newEnv(t)
	for _, arn := range []string{
		"arn:aws:iam::222222222222:role/a",
		"arn:aws:iam::222222222222:role/service-role/easytocloud+voice=1,2.x@y_z-",
		"arn:aws:iam::222222222222:role/" + strings.Repeat("r", 64),
	} {
		tn := smsTenant()
		tn.RoleARN = inNewAccount(t, tenants.Tenant{RoleARN: arn}).RoleARN
		if _, err := e.store.CreateTenant(ctx(t), tn, ""); err != nil {
			t.Errorf("role ARN %s: %v", arn, err)
		}
	}
	for _, serial := range []string{"GAHT12345678", "arn:aws:iam::222222222222:mfa/verifier", "arn:aws:iam::222222222222:mfa/path/dev-1"} {
		tn := tokenTenant()
		tn.MFA.Serial = serial
		tn = inNewAccount(t, tn)
		tn.Regions = tenants.RegionCodes()
		tn.MFA.Elevation = time.Minute
		if _, err := e.store.CreateTenant(ctx(t), tn, testSecret); err != nil {
			t.Errorf("serial %s: %v", serial, err)
		}
	}
	tn := mustCreateTenant(t, e.store, inNewAccount(t, tokenTenant()), testSecret)
	for i, email := range []string{"a.b+tag@sub.example.co.uk", "o'brien@example.ie", "x_y@example-1.com"} {
		phone := []string{"+12025550123", "+353861234567", ""}[i]
		if _, err := e.store.CreateUser(ctx(t), tenants.User{TenantID: tn.ID, Email: email, Phone: phone}, strings.Repeat("é", 12)); err != nil {
			t.Errorf("user %s %s: %v", email, phone, err)
		}
	}
}
