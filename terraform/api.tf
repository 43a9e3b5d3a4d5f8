# One HTTP API in front of the oauth function (public routes: Alexa account linking
# and the token endpoint), the console (public routes: its pages) and the mfa function
# (IAM-authorized routes: only callers with execute-api:Invoke, i.e. the skill and the
# console, may reach them).

locals {
  api_routes = {
    "GET /oauth/authorize"                        = { function = "oauth", authorization = "NONE" }
    "POST /oauth/authorize"                       = { function = "oauth", authorization = "NONE" }
    "POST /oauth/token"                           = { function = "oauth", authorization = "NONE" }
    "POST /oauth/revoke"                          = { function = "oauth", authorization = "NONE" }
    "GET /.well-known/oauth-authorization-server" = { function = "oauth", authorization = "NONE" }
    "GET /.well-known/jwks.json"                  = { function = "oauth", authorization = "NONE" }
    "POST /mfa/v1/challenges"                     = { function = "mfa", authorization = "AWS_IAM" }
    "POST /mfa/v1/verifications"                  = { function = "mfa", authorization = "AWS_IAM" }
    "GET /mfa/v1/elevations/{tenant}/{user}"      = { function = "mfa", authorization = "AWS_IAM" }
    "DELETE /mfa/v1/elevations/{tenant}/{user}"   = { function = "mfa", authorization = "AWS_IAM" }

    # The console's pages: public, as the sign-in pages are (its own sessions sign
    # people in). ServeMux's "/console/{$}" is the path "/console/" exactly; "/console"
    # only redirects there.
    "GET /console"                              = { function = "console", authorization = "NONE" }
    "GET /console/"                             = { function = "console", authorization = "NONE" }
    "GET /console/signin"                       = { function = "console", authorization = "NONE" }
    "POST /console/signin"                      = { function = "console", authorization = "NONE" }
    "POST /console/signout"                     = { function = "console", authorization = "NONE" }
    "GET /console/signup"                       = { function = "console", authorization = "NONE" }
    "POST /console/signup"                      = { function = "console", authorization = "NONE" }
    "GET /console/signup/verify"                = { function = "console", authorization = "NONE" }
    "POST /console/signup/verify"               = { function = "console", authorization = "NONE" }
    "GET /console/reset"                        = { function = "console", authorization = "NONE" }
    "POST /console/reset"                       = { function = "console", authorization = "NONE" }
    "GET /console/reset/confirm"                = { function = "console", authorization = "NONE" }
    "POST /console/reset/confirm"               = { function = "console", authorization = "NONE" }
    "GET /console/reauth"                       = { function = "console", authorization = "NONE" }
    "POST /console/reauth"                      = { function = "console", authorization = "NONE" }
    "GET /console/connect"                      = { function = "console", authorization = "NONE" }
    "POST /console/connect"                     = { function = "console", authorization = "NONE" }
    "GET /console/settings"                     = { function = "console", authorization = "NONE" }
    "POST /console/settings"                    = { function = "console", authorization = "NONE" }
    "GET /console/people"                       = { function = "console", authorization = "NONE" }
    "POST /console/people/invite"               = { function = "console", authorization = "NONE" }
    "POST /console/people/{user}/role"          = { function = "console", authorization = "NONE" }
    "POST /console/people/{user}/remove"        = { function = "console", authorization = "NONE" }
    "GET /console/invite"                       = { function = "console", authorization = "NONE" }
    "POST /console/invite"                      = { function = "console", authorization = "NONE" }
    "POST /console/invite/phone"                = { function = "console", authorization = "NONE" }
    "GET /console/account"                      = { function = "console", authorization = "NONE" }
    "POST /console/account/password"            = { function = "console", authorization = "NONE" }
    "GET /console/account/phone"                = { function = "console", authorization = "NONE" }
    "POST /console/account/phone"               = { function = "console", authorization = "NONE" }
    "POST /console/account/phone/verify"        = { function = "console", authorization = "NONE" }
    "POST /console/account/links/{link}/unlink" = { function = "console", authorization = "NONE" }
    "GET /console/account/activity"             = { function = "console", authorization = "NONE" }
  }

  api_functions = toset(["oauth", "mfa", "console"])

  # execute-api ARN of each route on the $default stage; a path parameter matches "*".
  route_arns = {
    for route in keys(local.api_routes) : route => format("%s/$default/%s%s",
      aws_apigatewayv2_api.main.execution_arn,
      split(" ", route)[0],
      replace(split(" ", route)[1], "/\\{[^}]+\\}/", "*"),
    )
  }
}

resource "aws_apigatewayv2_api" "main" {
  name                         = var.name
  description                  = "easytocloud OAuth, MFA and console endpoints"
  protocol_type                = "HTTP"
  disable_execute_api_endpoint = var.custom_domain != null
}

resource "aws_apigatewayv2_integration" "function" {
  for_each = local.api_functions

  api_id                 = aws_apigatewayv2_api.main.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.function[each.key].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 10000
}

resource "aws_apigatewayv2_route" "route" {
  for_each = local.api_routes

  api_id             = aws_apigatewayv2_api.main.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.function[each.value.function].id}"
  authorization_type = each.value.authorization
}

resource "aws_lambda_permission" "api" {
  for_each = local.api_routes

  statement_id  = "Api-${trim(replace(each.key, "/[^a-zA-Z0-9]+/", "-"), "-")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.value.function].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = local.route_arns[each.key]
}

resource "aws_cloudwatch_log_group" "api" {
  name              = local.log_group_names["api"]
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.main.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.api_throttle.burst_limit
    throttling_rate_limit    = var.api_throttle.rate_limit
    detailed_metrics_enabled = true
  }

  # No query strings or bodies: they carry codes and tokens.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      requestTime      = "$context.requestTime"
      ip               = "$context.identity.sourceIp"
      caller           = "$context.identity.caller"
      routeKey         = "$context.routeKey"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      latency          = "$context.responseLatency"
      integrationError = "$context.integrationErrorMessage"
    })
  }
}

# --- Optional custom domain.

resource "aws_acm_certificate" "api" {
  count = try(var.custom_domain.zone_id, null) != null ? 1 : 0

  domain_name       = var.custom_domain.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each = {
    for option in flatten([for cert in aws_acm_certificate.api : cert.domain_validation_options]) :
    option.domain_name => option
  }

  zone_id         = var.custom_domain.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "api" {
  count = length(aws_acm_certificate.api)

  certificate_arn         = aws_acm_certificate.api[0].arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

resource "aws_apigatewayv2_domain_name" "api" {
  count = var.custom_domain != null ? 1 : 0

  domain_name = var.custom_domain.domain_name

  domain_name_configuration {
    certificate_arn = coalesce(try(var.custom_domain.certificate_arn, null), try(aws_acm_certificate_validation.api[0].certificate_arn, null))
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "api" {
  count = length(aws_apigatewayv2_domain_name.api)

  api_id      = aws_apigatewayv2_api.main.id
  domain_name = aws_apigatewayv2_domain_name.api[0].id
  stage       = aws_apigatewayv2_stage.default.id
}

resource "aws_route53_record" "api" {
  count = try(var.custom_domain.zone_id, null) != null ? 1 : 0

  zone_id = var.custom_domain.zone_id
  name    = var.custom_domain.domain_name
  type    = "A"

  alias {
    name                   = aws_apigatewayv2_domain_name.api[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.api[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
