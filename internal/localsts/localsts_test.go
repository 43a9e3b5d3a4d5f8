package localsts

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestTrustAllows evaluates trust policies as the local stack's STS does: the
// ExternalId conditions, principals, actions and Deny statements IAM would apply, and
// a condition it does not know fails closed.
func TestTrustAllows(t *testing.T) {
	const caller = "arn:aws:sts::111111111111:assumed-role/easytocloud-skill/session"
	const ext = "easytocloud-abc"
	stmt := func(body string) string { return `{"Version":"2012-10-17","Statement":[` + body + `]}` }
	allow := func(principal, condition string) string {
		return `{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"` + condition + `}`
	}
	skill := `{"AWS":"arn:aws:iam::111111111111:role/easytocloud-skill"}`
	equals := `,"Condition":{"StringEquals":{"sts:ExternalId":"` + ext + `"}}`
	for _, c := range []struct {
		name       string
		doc        string
		externalID *string
		want       bool
	}{
		{"ExternalIDCondition", TenantTrustPolicy("arn:aws:iam::111111111111:role/easytocloud-skill", ext), aws.String(ext), true},
		{"WrongExternalID", stmt(allow(skill, equals)), aws.String("easytocloud-other"), false},
		{"NoExternalID", stmt(allow(skill, equals)), nil, false},
		{"NoCondition", stmt(allow(skill, "")), aws.String("anything"), true},
		{"ListOfIDs", stmt(allow(skill, `,"Condition":{"StringEquals":{"sts:ExternalId":["x","`+ext+`"]}}`)), aws.String(ext), true},
		{"StringLike", stmt(allow(skill, `,"Condition":{"StringLike":{"sts:ExternalId":"easytocloud-*"}}`)), aws.String("easytocloud-x/y"), true},
		{"NullFalse", stmt(allow(skill, `,"Condition":{"Null":{"sts:ExternalId":"false"}}`)), nil, false},
		{"UnknownCondition", stmt(allow(skill, `,"Condition":{"StringEquals":{"aws:SourceIp":"10.0.0.1"}}`)), aws.String(ext), false},
		{"AccountRoot", stmt(allow(`{"AWS":"arn:aws:iam::111111111111:root"}`, equals)), aws.String(ext), true},
		{"AccountID", stmt(allow(`{"AWS":["222222222222","111111111111"]}`, equals)), aws.String(ext), true},
		{"Star", stmt(allow(`"*"`, equals)), aws.String(ext), true},
		{"OtherPrincipal", stmt(allow(`{"AWS":"arn:aws:iam::333333333333:root"}`, equals)), aws.String(ext), false},
		{"ServicePrincipal", stmt(allow(`{"Service":"ec2.amazonaws.com"}`, "")), aws.String(ext), false},
		{"Denied", stmt(allow(skill, "") + `,{"Effect":"Deny","Principal":"*","Action":"sts:*"}`), aws.String(ext), false},
		{"OtherAction", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:TagSession"}`), aws.String(ext), false},
		{"Malformed", `{"Statement":`, aws.String(ext), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := trustAllows(c.doc, caller, c.externalID); got != c.want {
				t.Errorf("trustAllows(%s, ExternalId %q) = %v, want %v", c.doc, aws.ToString(c.externalID), got, c.want)
			}
		})
	}
}

// TestIsLoopbackEndpoint: only an endpoint on this machine gets the local STS, never
// AWS or a VPC endpoint (not that the local STS could let a role pass: it only refuses).
func TestIsLoopbackEndpoint(t *testing.T) {
	for endpoint, want := range map[string]bool{
		"http://127.0.0.1:5000": true, "http://localhost:4566": true, "http://[::1]:5000": true,
		"https://sts.eu-west-1.amazonaws.com": false, "https://vpce-1234.sts.eu-west-1.vpce.amazonaws.com": false, "http://10.0.0.5:5000": false,
	} {
		if got := IsLoopbackEndpoint(aws.Config{BaseEndpoint: aws.String(endpoint)}); got != want {
			t.Errorf("IsLoopbackEndpoint(%s) = %v, want %v", endpoint, got, want)
		}
	}
	if IsLoopbackEndpoint(aws.Config{}) {
		t.Error("no endpoint (AWS itself) counted as local")
	}
}
