# Alarms: any function error, and any MFA lockout (the mfa function writes one audit
# log line per lockout; a metric filter counts them).

locals {
  metric_namespace = "easytocloud"
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = local.functions

  alarm_name          = "${var.name}-${each.key}-errors"
  alarm_description   = "The ${each.key} function returned errors."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = "${var.name}-${each.key}" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_log_metric_filter" "mfa_lockouts" {
  name           = "${var.name}-mfa-lockouts"
  log_group_name = aws_cloudwatch_log_group.function["mfa"].name
  pattern        = "{ $.audit = \"lockout\" }"

  metric_transformation {
    name          = "MFALockouts"
    namespace     = local.metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "mfa_lockouts" {
  alarm_name          = "${var.name}-mfa-lockouts"
  alarm_description   = "A user was locked out after too many failed MFA attempts."
  namespace           = local.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.mfa_lockouts.metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
