provider "aws" {
  default_tags {
    tags = merge({ Application = "easytocloud" }, var.tags)
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  build_dir = coalesce(var.build_dir, "${path.module}/../build")

  # The four functions; each is built by `make build` into <build_dir>/<name>.zip.
  functions = toset(["skill", "oauth", "mfa", "console"])

  account_root       = "arn:${local.partition}:iam::${local.account_id}:root"
  key_administrators = length(var.key_administrator_arns) > 0 ? var.key_administrator_arns : [local.account_root]
  operators          = length(var.operator_arns) > 0 ? var.operator_arns : [local.account_root]

  # The base URL of the HTTP API: the OAuth issuer and the MFA service.
  api_url = var.custom_domain == null ? aws_apigatewayv2_api.main.api_endpoint : "https://${var.custom_domain.domain_name}"
}
