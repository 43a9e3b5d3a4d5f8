# The four functions, built by `make build` (bootstrap for provided.al2023 on arm64).
# Each environment holds exactly the variables its cmd/<name> package reads
# (stack_test.go checks both ways).

locals {
  log_group_names = merge(
    { for fn in local.functions : fn => "/aws/lambda/${var.name}-${fn}" },
    { api = "/aws/apigateway/${var.name}" },
  )
  tracing_mode = var.tracing_enabled ? "Active" : "PassThrough"
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = local.log_group_names[each.key]
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# Every EASYTOCLOUD_ variable a function may read, and its value here.
locals {
  function_environment = {
    EASYTOCLOUD_TABLE          = aws_dynamodb_table.main.name
    EASYTOCLOUD_SKILL_ID       = var.skill_id
    EASYTOCLOUD_ISSUER         = local.api_url
    EASYTOCLOUD_SIGNING_KEY_ID = aws_kms_key.signing.arn
    EASYTOCLOUD_SECRETS_KEY_ID = aws_kms_key.secrets.arn
    EASYTOCLOUD_MFA_URL        = local.api_url

    EASYTOCLOUD_MAIL_FROM              = local.mail_from
    EASYTOCLOUD_MAIL_CONFIGURATION_SET = aws_sesv2_configuration_set.mail.configuration_set_name
    EASYTOCLOUD_SIGNUP                 = var.signup_mode
    EASYTOCLOUD_SKILL_ROLE_ARN         = aws_iam_role.function["skill"].arn
    EASYTOCLOUD_TENANT_TEMPLATE_URL    = local.tenant_template_url
  }

  # What tells the functions apart; environment names the variables each one reads.
  lambda_functions = {
    skill = { description = "easytocloud Alexa skill", memory_size = 256, timeout = 8, environment = ["EASYTOCLOUD_TABLE", "EASYTOCLOUD_SKILL_ID", "EASYTOCLOUD_ISSUER", "EASYTOCLOUD_SIGNING_KEY_ID", "EASYTOCLOUD_MFA_URL"] }
    oauth = { description = "easytocloud OAuth 2.0 authorization server (Alexa account linking)", memory_size = 512, timeout = 10, environment = ["EASYTOCLOUD_TABLE", "EASYTOCLOUD_SIGNING_KEY_ID", "EASYTOCLOUD_SECRETS_KEY_ID", "EASYTOCLOUD_ISSUER", "EASYTOCLOUD_SKILL_ID"] }
    mfa   = { description = "easytocloud MFA service (challenges, verifications, elevations)", memory_size = 256, timeout = 10, environment = ["EASYTOCLOUD_TABLE", "EASYTOCLOUD_SECRETS_KEY_ID"] }
    # Memory for argon2id: the console hashes passwords at sign-up, invitation and reset.
    console = { description = "easytocloud console (tenants' sign-up, AWS account, people, own page)", memory_size = 512, timeout = 10, environment = ["EASYTOCLOUD_TABLE", "EASYTOCLOUD_SECRETS_KEY_ID", "EASYTOCLOUD_ISSUER", "EASYTOCLOUD_MFA_URL", "EASYTOCLOUD_MAIL_FROM", "EASYTOCLOUD_MAIL_CONFIGURATION_SET", "EASYTOCLOUD_SIGNUP", "EASYTOCLOUD_SKILL_ROLE_ARN", "EASYTOCLOUD_TENANT_TEMPLATE_URL"] }
  }
}

resource "aws_lambda_function" "function" {
  for_each = local.lambda_functions

  function_name    = "${var.name}-${each.key}"
  description      = each.value.description
  role             = aws_iam_role.function[each.key].arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = "${local.build_dir}/${each.key}.zip"
  source_code_hash = filebase64sha256("${local.build_dir}/${each.key}.zip")
  memory_size      = each.value.memory_size
  timeout          = each.value.timeout

  environment {
    variables = { for name in each.value.environment : name => local.function_environment[name] }
  }

  tracing_config {
    mode = local.tracing_mode
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.runtime]
}

# The functions were resources of their own before; these keep a deployed stack's
# functions where they are.
moved {
  from = aws_lambda_function.skill
  to   = aws_lambda_function.function["skill"]
}

moved {
  from = aws_lambda_function.oauth
  to   = aws_lambda_function.function["oauth"]
}

moved {
  from = aws_lambda_function.mfa
  to   = aws_lambda_function.function["mfa"]
}

# Alexa may invoke the skill function, and only for this skill.
resource "aws_lambda_permission" "alexa" {
  statement_id       = "AlexaSkill"
  action             = "lambda:InvokeFunction"
  function_name      = aws_lambda_function.function["skill"].function_name
  principal          = "alexa-appkit.amazon.com"
  event_source_token = var.skill_id
}
