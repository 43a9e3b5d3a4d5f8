output "skill_function_arn" {
  description = "ARN of the skill function: the skill manifest's custom endpoint (easytocloud skill-package --lambda-arn)."
  value       = aws_lambda_function.function["skill"].arn
}

output "skill_role_arn" {
  description = "ARN of the skill function's role: the principal a tenant's role trusts (operator_role_arn of the tenant module)."
  value       = aws_iam_role.function["skill"].arn
}

output "tenant_role_name" {
  description = "Name the tenant's role must have (role_name of the tenant module)."
  value       = var.tenant_role_name
}

output "issuer" {
  description = "OAuth issuer and base URL of the HTTP API."
  value       = local.api_url
}

output "authorize_url" {
  description = "Account-linking authorization URI (easytocloud skill-package --authorize-url)."
  value       = "${local.api_url}/oauth/authorize"
}

output "token_url" {
  description = "Account-linking access token URI (easytocloud skill-package --token-url)."
  value       = "${local.api_url}/oauth/token"
}

output "mfa_api_url" {
  description = "Base URL of the MFA service (IAM-authorized routes under /mfa/v1/)."
  value       = local.api_url
}

output "custom_domain_target" {
  description = "When custom_domain uses certificate_arn: the regional API Gateway hostname to point the domain's DNS record at (null otherwise)."
  value       = try(aws_apigatewayv2_domain_name.api[0].domain_name_configuration[0].target_domain_name, null)
}

output "region" {
  description = "Region of the stack (AWS_REGION for the easytocloud CLI)."
  value       = local.region
}

output "table_name" {
  description = "Name of the DynamoDB table (EASYTOCLOUD_TABLE for the easytocloud CLI)."
  value       = aws_dynamodb_table.main.name
}

output "signing_key_arn" {
  description = "ARN of the KMS key that signs access tokens (EASYTOCLOUD_SIGNING_KEY_ID)."
  value       = aws_kms_key.signing.arn
}

output "secrets_key_arn" {
  description = "ARN of the KMS key that encrypts tenant secrets (EASYTOCLOUD_SECRETS_KEY_ID for easytocloud tenant create)."
  value       = aws_kms_key.secrets.arn
}

output "mail_from" {
  description = "The console's sender address (EASYTOCLOUD_MAIL_FROM)."
  value       = local.mail_from
}

output "mail_configuration_set" {
  description = "The SES configuration set the console sends with (EASYTOCLOUD_MAIL_CONFIGURATION_SET)."
  value       = aws_sesv2_configuration_set.mail.configuration_set_name
}

output "mail_dkim_records" {
  description = "The DNS records (name, type CNAME, value) that verify mail_domain for SES with Easy DKIM: add them to the domain's zone unless mail_zone_id created them."
  value       = local.mail_dkim_records
}

output "tenant_template_url" {
  description = "https URL of the tenant role's CloudFormation template, for quick-create links (EASYTOCLOUD_TENANT_TEMPLATE_URL)."
  value       = local.tenant_template_url
}

output "console_url" {
  description = "The tenants' console: where organisations sign up and manage their people."
  value       = "${local.api_url}/console/"
}
