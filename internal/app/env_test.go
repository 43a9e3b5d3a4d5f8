package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/app"
)

func TestFromEnvNamesTheMissingVariable(t *testing.T) {
	all := map[string]string{
		app.EnvTable: "t", app.EnvSkillID: "amzn1.ask.skill.x", app.EnvIssuer: "https://auth.example",
		app.EnvSigningKeyID: "k", app.EnvMFAURL: "https://mfa.example", app.EnvSecretsKeyID: "s",
		app.EnvMailFrom: "console@mail.example", app.EnvMailConfigurationSet: "cs", app.EnvSignUp: "open",
		app.EnvSkillRoleARN: "arn:aws:iam::123456789012:role/easytocloud-skill", app.EnvTenantTemplateURL: "https://b.s3.amazonaws.com/t.json",
	}
	want := map[string]app.Config{
		"skill": {Table: "t", SkillID: "amzn1.ask.skill.x", Issuer: "https://auth.example", SigningKeyID: "k", MFAURL: "https://mfa.example"},
		"oauth": {Table: "t", SkillID: "amzn1.ask.skill.x", Issuer: "https://auth.example", SigningKeyID: "k", SecretsKeyID: "s"},
		"mfa":   {Table: "t", SecretsKeyID: "s"},
		"console": {Table: "t", SecretsKeyID: "s", Issuer: "https://auth.example", MFAURL: "https://mfa.example",
			MailFrom: "console@mail.example", MailConfigurationSet: "cs", SignUp: "open",
			SkillRoleARN: "arn:aws:iam::123456789012:role/easytocloud-skill", TenantTemplateURL: "https://b.s3.amazonaws.com/t.json"},
	}
	for _, fn := range app.Functions {
		t.Run(fn.Name, func(t *testing.T) {
			c, err := app.FromEnv(func(k string) string { return all[k] }, fn.Env...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want[fn.Name], c); diff != "" {
				t.Errorf("FromEnv (-want +got):\n%s", diff)
			}
			for _, name := range fn.Env {
				_, err := app.FromEnv(func(k string) string {
					if k == name {
						return ""
					}
					return all[k]
				}, fn.Env...)
				if err == nil || !strings.Contains(err.Error(), name) || !errors.Is(err, app.ErrUnset) {
					t.Errorf("without %s: err = %v, want it named (and ErrUnset)", name, err)
				}
			}
		})
	}
}

func TestFromEnvRefusesAnUnknownName(t *testing.T) {
	_, err := app.FromEnv(func(string) string { return "x" }, "EASYTOCLOUD_NO_SUCH")
	if err == nil || !strings.Contains(err.Error(), "EASYTOCLOUD_NO_SUCH") {
		t.Errorf("err = %v, want the unknown name named", err)
	}
}
