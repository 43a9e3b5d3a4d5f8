# One role per function. Each function's own policy (data.aws_iam_policy_document.<name>)
# grants exactly the actions internal/app lists for it (app.Skill, app.OAuth, app.MFA:
# IAMActions), which the code calls; the runtime policy grants what the Lambda platform
# itself needs (logs and traces). policy_test.go checks both.

# Lambda assumes each role. The skill's role may also be assumed by the principals in
# var.skill_role_trusted_arns: tenants' roles trust only this role, so this is how an
# operator runs `easytocloud tenant verify-role` as easytocloud will act.
data "aws_iam_policy_document" "trust" {
  for_each = local.functions

  statement {
    sid     = "Lambda"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = each.key == "skill" && length(var.skill_role_trusted_arns) > 0 ? [true] : []

    content {
      sid     = "VerifyTenantRoles"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = var.skill_role_trusted_arns
      }
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name                 = "${var.name}-${each.key}"
  description          = "easytocloud ${each.key} function"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600
}

# --- Runtime: write the function's own log streams and, when tracing, X-Ray segments.

data "aws_iam_policy_document" "runtime" {
  for_each = local.functions

  statement {
    sid     = "WriteOwnLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # Lambda names a new log stream for every execution environment: any stream, but
    # only in the function's own log group.
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:log-stream:*"]
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [true] : []

    content {
      sid     = "WriteTraces"
      actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      # X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level
      # permissions: "*" is the only resource AWS accepts for them.
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "runtime" {
  for_each = local.functions

  name   = "runtime"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.runtime[each.key].json
}

# --- skill: reads tenants and users, assumes tenant roles, verifies access tokens,
# calls the MFA API.

data "aws_iam_policy_document" "skill" {
  # Tenants and users (GetItem); on SkillDisabled, oauth's RevokeUser: a revocation mark
  # (PutItem), the user's refresh tokens (Query on the index) and their deletion.
  statement {
    sid       = "Table"
    actions   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]
  }

  statement {
    sid       = "TokensOfAUser"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.main.arn}/index/gsi1"]
  }

  statement {
    sid     = "AssumeTenantRoles"
    actions = ["sts:AssumeRole"]
    # Tenants are AWS accounts we do not know in advance: the account is the one part
    # of the ARN that must be a wildcard. The role name is fixed, and an ExternalId is
    # always required.
    resources = ["arn:${local.partition}:iam::*:role/${var.tenant_role_name}"]

    condition {
      test     = "Null"
      variable = "sts:ExternalId"
      values   = ["false"]
    }
  }

  statement {
    sid       = "VerifyAccessTokens"
    actions   = ["kms:GetPublicKey"]
    resources = [aws_kms_key.signing.arn]
  }

  statement {
    sid     = "CallMFAService"
    actions = ["execute-api:Invoke"]
    # Elevation routes carry the tenant and user in the path, so those ARNs end in "*".
    resources = [for route, arn in local.route_arns : arn if local.api_routes[route].function == "mfa"]
  }
}

resource "aws_iam_role_policy" "skill" {
  name   = "skill"
  role   = aws_iam_role.function["skill"].id
  policy = data.aws_iam_policy_document.skill.json
}

# --- oauth and mfa both use the table by key and their own Keyring MAC keys (the
# purposes local.mac_key_purposes grants each) under the secrets key.

data "aws_iam_policy_document" "table_and_mac_keys" {
  for_each = local.mac_key_purposes

  statement {
    sid = "Table"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.main.arn]
  }

  statement {
    sid       = "MACKeys"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = [aws_kms_key.secrets.arn]

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:purpose"
      values   = [each.value]
    }
  }
}

# --- oauth: users, clients, codes and tokens in the table; signs access tokens; its
# Keyring MAC keys (keyed hashes of codes and tokens) under the secrets key.

data "aws_iam_policy_document" "oauth" {
  # In the table: users, MAC keys, clients, codes, refresh tokens, revocation marks and
  # sign-in failure counters, all by key (redeeming a code is a transaction of an update
  # and a put, which IAM authorizes as UpdateItem and PutItem).
  source_policy_documents = [data.aws_iam_policy_document.table_and_mac_keys["oauth"].json]

  statement {
    sid       = "SignAccessTokens"
    actions   = ["kms:GetPublicKey", "kms:Sign"]
    resources = [aws_kms_key.signing.arn]
  }
}

resource "aws_iam_role_policy" "oauth" {
  name   = "oauth"
  role   = aws_iam_role.function["oauth"].id
  policy = data.aws_iam_policy_document.oauth.json
}

# --- mfa: challenges and elevations in the table, SMS through SNS; opens tenants'
# verifier secrets (to call sts:GetSessionToken with the verifier's own keys, so the role
# needs no STS permission) and its Keyring MAC key (keyed hashes of SMS codes).

data "aws_iam_policy_document" "mfa" {
  # In the table: tenants, users and the MAC key by key; challenges, elevations, send
  # and failure windows.
  source_policy_documents = [data.aws_iam_policy_document.table_and_mac_keys["mfa"].json]

  statement {
    sid     = "SendSMS"
    actions = ["sns:Publish"]
    # A text message is published straight to a phone number, which has no ARN:
    # "*" is the only resource AWS accepts for it.
    resources = ["*"] #tfsec:ignore:aws-iam-no-policy-wildcards SMS to a phone number has no ARN
  }

  statement {
    sid       = "TenantSecrets"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:tenant"
      values   = ["?*"]
    }
  }
}

resource "aws_iam_role_policy" "mfa" {
  name   = "mfa"
  role   = aws_iam_role.function["mfa"].id
  policy = data.aws_iam_policy_document.mfa.json
}
