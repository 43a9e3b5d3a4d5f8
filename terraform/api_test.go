package terraform_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// route is one HTTP API route as local.api_routes declares it.
type route struct {
	Function      string
	Authorization string
}

// mustAPIRoutes evaluates local.api_routes: route key → function and authorization.
func mustAPIRoutes(tb testing.TB, m *module) map[string]route {
	tb.Helper()
	v, ok := m.locals["api_routes"]
	if !ok {
		tb.Fatal("local.api_routes is missing or not a literal")
	}
	out := map[string]route{}
	for it := v.ElementIterator(); it.Next(); {
		k, r := it.Element()
		out[k.AsString()] = route{r.GetAttr("function").AsString(), r.GetAttr("authorization").AsString()}
	}
	return out
}

// The oauth and console routes are public (Alexa's browser and token client, and the
// console's visitors, carry no AWS identity); the mfa routes need a SigV4 signature
// from a principal allowed execute-api:Invoke.
var routeAuthorization = map[string]string{"oauth": "NONE", "mfa": "AWS_IAM", "console": "NONE"}

// apiPattern is the ServeMux pattern p as API Gateway routes it: "{$}" (the path
// ends there) is the path as written, a trailing wildcard "{name...}" is "{name+}".
func apiPattern(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	if i := strings.LastIndex(p, "{"); i >= 0 && strings.HasSuffix(p, "...}") {
		p = p[:i] + "{" + strings.TrimSuffix(p[i+1:], "...}") + "+}"
	}
	return p
}

func TestAPIPattern(t *testing.T) {
	for p, want := range map[string]string{
		"GET /console/{$}":                   "GET /console/",
		"POST /console/people/{user}/remove": "POST /console/people/{user}/remove",
		"GET /files/{path...}":               "GET /files/{path+}",
		"/oauth/token":                       "/oauth/token",
	} {
		if got := apiPattern(p); got != want {
			t.Errorf("apiPattern(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestAPIRoutesAreWhatTheHandlersServe(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	routes := mustAPIRoutes(t, m)
	for _, fn := range []string{"oauth", "mfa", "console"} {
		t.Run(fn, func(t *testing.T) {
			var patterns []string
			for _, p := range mustListed(t, mustFunction(t, fn).Routes, "route", fn) {
				patterns = append(patterns, apiPattern(p))
			}
			// A pattern without a method serves every method: the API must route the path,
			// whatever methods it names.
			var want, got []string
			for _, p := range patterns {
				// "/" matches whatever no other pattern does: the handler's own not-found
				// page. API Gateway answers unrouted requests itself.
				if p == "/" || strings.HasSuffix(p, " /") {
					continue
				}
				want = append(want, routeKey(p, p))
			}
			for key, r := range routes {
				if r.Function != fn {
					continue
				}
				got = append(got, routeKey(key, matchingPattern(patterns, key)))
				if r.Authorization != routeAuthorization[fn] {
					t.Errorf("route %q: authorization %s, want %s", key, r.Authorization, routeAuthorization[fn])
				}
			}
			sort.Strings(want)
			got = dedupe(got)
			if diff := cmp.Diff(dedupe(want), got); diff != "" {
				t.Errorf("HTTP API routes to %s differ from the patterns package %s registers (%s.Routes; -code +terraform):\n%s", fn, fn, fn, diff)
			}
		})
	}
	for key, r := range routes {
		if _, ok := routeAuthorization[r.Function]; !ok {
			t.Errorf("route %q goes to %q, which is not behind the HTTP API", key, r.Function)
		}
	}
}

// routeKey is key as compared with the code: without its method when the code's
// pattern for that path has none.
func routeKey(key, pattern string) string {
	if !strings.Contains(pattern, " ") {
		_, path, _ := strings.Cut(key, " ")
		if path == "" {
			return key
		}
		return path
	}
	return key
}

// matchingPattern returns the code's pattern for the path of route key, or key itself.
func matchingPattern(patterns []string, key string) string {
	_, path, _ := strings.Cut(key, " ")
	for _, p := range patterns {
		if p == path {
			return p
		}
	}
	return key
}

func dedupe(s []string) []string {
	set := map[string]bool{}
	for _, e := range s {
		set[e] = true
	}
	return sortedKeys(set)
}

func TestAPIRoutesUseTheirAuthorization(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	r := m.mustFind(t, "resource", "aws_apigatewayv2_route", "route")
	expect(t, "aws_apigatewayv2_route.route ", []check{
		{"for_each", r.text("for_each"), "local.api_routes"},
		{"route_key", r.text("route_key"), "each.key"},
		{"authorization_type", r.text("authorization_type"), "each.value.authorization"},
	})
	api := m.mustFind(t, "resource", "aws_apigatewayv2_api", "main")
	if got := api.text("protocol_type"); got != `"HTTP"` {
		t.Errorf("protocol_type = %s, want \"HTTP\"", got)
	}
	for _, p := range m.find("resource", "aws_lambda_permission", "api") {
		if got := p.text("source_arn"); got != "local.route_arns[each.key]" {
			t.Errorf("aws_lambda_permission.api source_arn = %s: API Gateway may invoke a function only through its own routes", got)
		}
	}
}

func TestAPIStageLogsAndThrottles(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	stage := m.mustFind(t, "resource", "aws_apigatewayv2_stage", "default")
	settings := mustOne(t, stage.nested("default_route_settings"), "default_route_settings")
	logs := mustOne(t, stage.nested("access_log_settings"), "access_log_settings")
	expect(t, "", []check{
		{"throttling_burst_limit", settings.text("throttling_burst_limit"), "var.api_throttle.burst_limit"},
		{"throttling_rate_limit", settings.text("throttling_rate_limit"), "var.api_throttle.rate_limit"},
		{"access log destination", logs.text("destination_arn"), "aws_cloudwatch_log_group.api.arn"},
	})
	// Query strings and bodies carry authorization codes and tokens: never log them.
	format := logs.text("format")
	for _, banned := range []string{"$context.path", "$context.requestOverride", "querystring", "$input", "$context.authorizer"} {
		if strings.Contains(strings.ToLower(format), strings.ToLower(banned)) {
			t.Errorf("access log format logs %s", banned)
		}
	}
	if !strings.Contains(format, "$context.requestId") {
		t.Error("access log format has no $context.requestId")
	}
	group := m.mustFind(t, "resource", "aws_cloudwatch_log_group", "api")
	if group.attr("retention_in_days") == nil || group.attr("kms_key_id") == nil {
		t.Error("the API's log group needs retention_in_days and kms_key_id")
	}
}

func TestAPICustomDomainIsOptionalWithACM(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	if got := m.mustFind(t, "variable", "custom_domain").text("default"); got != "null" {
		t.Errorf("variable custom_domain default = %s, want null (optional)", got)
	}
	domain := m.mustFind(t, "resource", "aws_apigatewayv2_domain_name", "api")
	if !strings.Contains(domain.text("count"), "var.custom_domain") {
		t.Errorf("aws_apigatewayv2_domain_name.api count = %s, want it to depend on var.custom_domain", domain.text("count"))
	}
	cfg := mustOne(t, domain.nested("domain_name_configuration"), "domain_name_configuration")
	expect(t, "", []check{
		{"security_policy", cfg.text("security_policy"), `"TLS_1_2"`},
		{"endpoint_type", cfg.text("endpoint_type"), `"REGIONAL"`},
	})
	if !strings.Contains(cfg.text("certificate_arn"), "aws_acm_certificate_validation.api") {
		t.Errorf("certificate_arn = %s: with a zone, use the DNS-validated ACM certificate", cfg.text("certificate_arn"))
	}
	cert := m.mustFind(t, "resource", "aws_acm_certificate", "api")
	if got := cert.text("validation_method"); got != `"DNS"` {
		t.Errorf("aws_acm_certificate.api validation_method = %s, want \"DNS\"", got)
	}
	m.mustFind(t, "resource", "aws_apigatewayv2_api_mapping", "api")
}

func TestSkillInvokesOnlyTheMFARoutes(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	var found bool
	for _, s := range m.mustStatements(t, "skill") {
		for _, a := range s.actions {
			if a != "execute-api:Invoke" {
				continue
			}
			found = true
			want := `[for route, arn in local.route_arns : arn if local.api_routes[route].function == "mfa"]`
			if s.resources != want {
				t.Errorf("the skill's execute-api:Invoke resources = %s, want %s", s.resources, want)
			}
		}
	}
	if !found {
		t.Error("the skill policy does not grant execute-api:Invoke on the mfa routes")
	}
}

// The console reaches the mfa API only to end a removed user's elevations.
func TestConsoleInvokesOnlyTheEndOfElevations(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	var found int
	for _, s := range m.mustStatements(t, "console") {
		if !slices.Contains(s.actions, "execute-api:Invoke") {
			continue
		}
		found++
		want := `[local.route_arns["DELETE /mfa/v1/elevations/{tenant}/{user}"]]`
		if !slices.Equal(s.actions, []string{"execute-api:Invoke"}) || s.resources != want {
			t.Errorf("the console's %q resources = %s, want only %s", s.actions, s.resources, want)
		}
	}
	if found != 1 {
		t.Errorf("want one console statement granting execute-api:Invoke, found %d", found)
	}
	if _, ok := mustAPIRoutes(t, m)["DELETE /mfa/v1/elevations/{tenant}/{user}"]; !ok {
		t.Error("the mfa API has no route DELETE /mfa/v1/elevations/{tenant}/{user}")
	}
}
