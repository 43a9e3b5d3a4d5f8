package terraform_test

import (
	"strings"
	"testing"
)

// The console's e-mail carries single-use links that sign people in: SES sends it
// from a DKIM-signed domain, only over TLS, through a configuration set that tracks
// reputation.
func TestMailIsSignedAndSentOverTLS(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	set := m.mustFind(t, "resource", "aws_sesv2_configuration_set", "mail")
	identity := m.mustFind(t, "resource", "aws_sesv2_email_identity", "mail")
	dkim := mustOne(t, identity.nested("dkim_signing_attributes"), "dkim_signing_attributes")
	expect(t, "", []check{
		{"configuration set tls_policy", mustOne(t, set.nested("delivery_options"), "delivery_options").text("tls_policy"), `"REQUIRE"`},
		{"configuration set reputation metrics", mustOne(t, set.nested("reputation_options"), "reputation_options").text("reputation_metrics_enabled"), "true"},
		{"configuration set sending", mustOne(t, set.nested("sending_options"), "sending_options").text("sending_enabled"), "true"},
		{"identity", identity.text("email_identity"), "var.mail_domain"},
		{"identity configuration set", identity.text("configuration_set_name"), "aws_sesv2_configuration_set.mail.configuration_set_name"},
		{"DKIM key length", dkim.text("next_signing_key_length"), `"RSA_2048_BIT"`},
	})
	// Easy DKIM: SES holds and rotates the keys, so no private key is in the state.
	for _, a := range []string{"domain_signing_private_key", "domain_signing_selector"} {
		if dkim.attr(a) != nil {
			t.Errorf("dkim_signing_attributes sets %s: use Easy DKIM", a)
		}
	}
	if got := m.mustFind(t, "variable", "mail_domain").attr("default"); got != nil {
		t.Error("variable mail_domain has a default; the operator must name their domain")
	}

	// The three Easy DKIM CNAME records: output for the operator's DNS, and created
	// in Route 53 only when a zone is given.
	records := m.mustLocal(t, "mail_dkim_records").text("mail_dkim_records")
	for _, want := range []string{
		"aws_sesv2_email_identity.mail.dkim_signing_attributes[0].tokens",
		`"${token}._domainkey.${var.mail_domain}"`,
		`"CNAME"`,
		`"${token}.dkim.amazonses.com"`,
	} {
		if !strings.Contains(records, want) {
			t.Errorf("local.mail_dkim_records = %s, want it to contain %s", records, want)
		}
	}
	if got := m.mustFind(t, "output", "mail_dkim_records").text("value"); got != "local.mail_dkim_records" {
		t.Errorf("output mail_dkim_records = %s, want local.mail_dkim_records", got)
	}
	r := m.mustFind(t, "resource", "aws_route53_record", "mail_dkim")
	expect(t, "aws_route53_record.mail_dkim ", []check{
		{"count", r.text("count"), "var.mail_zone_id == null ? 0 : 3"},
		{"zone_id", r.text("zone_id"), "var.mail_zone_id"},
		{"name", r.text("name"), "local.mail_dkim_records[count.index].name"},
		{"type", r.text("type"), "local.mail_dkim_records[count.index].type"},
		{"records", r.text("records"), "[local.mail_dkim_records[count.index].value]"},
	})
	if got := m.mustFind(t, "variable", "mail_zone_id").text("default"); got != "null" {
		t.Errorf("variable mail_zone_id default = %s, want null (optional)", got)
	}
}
