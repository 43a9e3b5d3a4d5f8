# Variables for the linters: every optional feature switched on, so that tfsec and
# tflint also check the resources that defaults leave out.
skill_id        = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
tracing_enabled = true
custom_domain = {
  domain_name = "alexa.example.com"
  zone_id     = "Z0000000000000000000"
}
alarm_actions           = ["arn:aws:sns:us-east-1:123456789012:alarms"]
skill_role_trusted_arns = ["arn:aws:iam::123456789012:role/operator"]
mail_domain             = "mail.example.com"
mail_from_local_part    = "console"
mail_zone_id            = "Z1111111111111111111"
signup_mode             = "open"
