# Account-wide SMS preferences: one-time codes are Transactional (delivered with priority),
# and a monthly spend limit caps what an abuse of the SMS challenge can cost.
resource "aws_sns_sms_preferences" "main" {
  default_sms_type    = var.sms_default_type
  monthly_spend_limit = var.sms_monthly_spend_limit
}
