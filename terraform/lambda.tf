# The three functions, built by `make build` (bootstrap for provided.al2023 on arm64).
# Each environment holds exactly the variables its cmd/<name> package reads
# (terraform_test.go checks both ways).

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

resource "aws_lambda_function" "skill" {
  function_name    = "${var.name}-skill"
  description      = "easytocloud Alexa skill"
  role             = aws_iam_role.function["skill"].arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = "${local.build_dir}/skill.zip"
  source_code_hash = filebase64sha256("${local.build_dir}/skill.zip")
  memory_size      = 256
  timeout          = 8

  environment {
    variables = {
      EASYTOCLOUD_TABLE          = aws_dynamodb_table.main.name
      EASYTOCLOUD_SKILL_ID       = var.skill_id
      EASYTOCLOUD_ISSUER         = local.api_url
      EASYTOCLOUD_SIGNING_KEY_ID = aws_kms_key.signing.arn
      EASYTOCLOUD_MFA_URL        = local.api_url
    }
  }

  tracing_config {
    mode = local.tracing_mode
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.runtime]
}

resource "aws_lambda_function" "oauth" {
  function_name    = "${var.name}-oauth"
  description      = "easytocloud OAuth 2.0 authorization server (Alexa account linking)"
  role             = aws_iam_role.function["oauth"].arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = "${local.build_dir}/oauth.zip"
  source_code_hash = filebase64sha256("${local.build_dir}/oauth.zip")
  memory_size      = 512
  timeout          = 10

  environment {
    variables = {
      EASYTOCLOUD_TABLE          = aws_dynamodb_table.main.name
      EASYTOCLOUD_SIGNING_KEY_ID = aws_kms_key.signing.arn
      EASYTOCLOUD_SECRETS_KEY_ID = aws_kms_key.secrets.arn
      EASYTOCLOUD_ISSUER         = local.api_url
      EASYTOCLOUD_SKILL_ID       = var.skill_id
    }
  }

  tracing_config {
    mode = local.tracing_mode
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.runtime]
}

resource "aws_lambda_function" "mfa" {
  function_name    = "${var.name}-mfa"
  description      = "easytocloud MFA service (challenges, verifications, elevations)"
  role             = aws_iam_role.function["mfa"].arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = "${local.build_dir}/mfa.zip"
  source_code_hash = filebase64sha256("${local.build_dir}/mfa.zip")
  memory_size      = 256
  timeout          = 10

  environment {
    variables = {
      EASYTOCLOUD_TABLE          = aws_dynamodb_table.main.name
      EASYTOCLOUD_SECRETS_KEY_ID = aws_kms_key.secrets.arn
    }
  }

  tracing_config {
    mode = local.tracing_mode
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.runtime]
}

# Alexa may invoke the skill function, and only for this skill.
resource "aws_lambda_permission" "alexa" {
  statement_id       = "AlexaSkill"
  action             = "lambda:InvokeFunction"
  function_name      = aws_lambda_function.skill.function_name
  principal          = "alexa-appkit.amazon.com"
  event_source_token = var.skill_id
}
