package terraform_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/mfa"
)

func TestEveryFunctionHasAnErrorAlarm(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	alarm := m.mustFind(t, "resource", "aws_cloudwatch_metric_alarm", "function_errors")
	expect(t, "aws_cloudwatch_metric_alarm.function_errors ", []check{
		{"for_each", alarm.text("for_each"), "local.functions"},
		{"namespace", alarm.text("namespace"), `"AWS/Lambda"`},
		{"metric_name", alarm.text("metric_name"), `"Errors"`},
		{"dimensions", alarm.text("dimensions"), `{ FunctionName = "${var.name}-${each.key}" }`},
		{"alarm_actions", alarm.text("alarm_actions"), "var.alarm_actions"},
	})
	if got, want := m.mustLocal(t, "functions").text("functions"), `toset(["skill", "oauth", "mfa", "console"])`; got != want {
		t.Errorf("local.functions = %s, want %s", got, want)
	}
	// One function per key of local.lambda_functions, which are the functions.
	f, _ := mustLambdaFunctions(t, m)
	if got := f.text("function_name"); got != `"${var.name}-${each.key}"` {
		t.Errorf("aws_lambda_function.function function_name = %s: the alarm and log group expect \"${var.name}-<function>\"", got)
	}
	if got, want := m.mustLocal(t, "log_group_names").text("log_group_names"), `{ for fn in local.functions : fn => "/aws/lambda/${var.name}-${fn}" }`; !strings.Contains(got, want) {
		t.Errorf("local.log_group_names = %s: want the functions' log groups to be %s, the groups Lambda writes to", got, want)
	}
}

// filterPattern matches a CloudWatch Logs JSON filter pattern of one equality.
var filterPattern = regexp.MustCompile(`^\{ *\$\.([A-Za-z0-9_]+) *= *"([^"]*)" *\}$`)

// The lockout alarm counts the mfa audit lines of lockouts; the test reads the field
// name and value the mfa package logs (mfa.AuditField, mfa.AuditLockout; mfa's own
// tests check its audit lines carry them).
func TestMFALockoutAlarmMatchesTheAuditLog(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	filter := m.mustFind(t, "resource", "aws_cloudwatch_log_metric_filter", "mfa_lockouts")
	if got := filter.text("log_group_name"); got != `aws_cloudwatch_log_group.function["mfa"].name` {
		t.Errorf("metric filter log_group_name = %s, want the mfa function's log group", got)
	}
	pattern := filter.mustString(t, "pattern")
	match := filterPattern.FindStringSubmatch(pattern)
	if match == nil {
		t.Fatalf("metric filter pattern %q is not { $.field = \"value\" }", pattern)
	}
	field, value := match[1], match[2]
	if field != mfa.AuditField {
		t.Errorf("the metric filter matches the field %q; the mfa package logs its audit events as %q", field, mfa.AuditField)
	}
	if value != mfa.AuditLockout {
		t.Errorf("the metric filter matches %q; the mfa package logs a lockout as %q", value, mfa.AuditLockout)
	}

	alarm := m.mustFind(t, "resource", "aws_cloudwatch_metric_alarm", "mfa_lockouts")
	if got := alarm.text("metric_name"); got != "aws_cloudwatch_log_metric_filter.mfa_lockouts.metric_transformation[0].name" {
		t.Errorf("mfa_lockouts alarm metric_name = %s, want the metric filter's metric", got)
	}

	// A JSON filter pattern only matches JSON log lines: the mfa function logs
	// through app.Boot's logger, whose lines are JSON with the audit field on top.
	t.Run("JSONLogs", func(t *testing.T) {
		ok, err := mentions(filepath.Join(repoRoot, "cmd", "mfa"), "app.Boot(app.MFA)")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Error("cmd/mfa does not start through app.Boot: its logger may not write the JSON the lockout metric filter matches")
		}
		var buf bytes.Buffer
		app.NewLogger(&buf).Info("locked", mfa.AuditField, mfa.AuditLockout)
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("app.NewLogger wrote %q, not a JSON line: %v", buf.String(), err)
		}
		if line[mfa.AuditField] != mfa.AuditLockout {
			t.Errorf("app.NewLogger's line %s has %s = %v, want %q", buf.String(), mfa.AuditField, line[mfa.AuditField], mfa.AuditLockout)
		}
	})
}

func TestSMSPreferences(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	prefs := m.mustFind(t, "resource", "aws_sns_sms_preferences", "main")
	expect(t, "", []check{
		{"default_sms_type", prefs.text("default_sms_type"), "var.sms_default_type"},
		{"monthly_spend_limit", prefs.text("monthly_spend_limit"), "var.sms_monthly_spend_limit"},
		{"sms_default_type default", m.mustFind(t, "variable", "sms_default_type").text("default"), `"Transactional"`},
	})
}
