# Four customer-managed keys, each with a key policy naming exactly who may use it
# for what. In a key policy, resources = ["*"] means "this key": a key policy can name
# nothing else, so that wildcard is the narrowest form AWS offers.

locals {
  # What a key administrator may do: manage the key, never use it.
  key_admin_actions = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
  ]
}

# Every key policy starts from this one (source_policy_documents).
data "aws_iam_policy_document" "key_administration" {
  statement {
    sid       = "Administer"
    actions   = local.key_admin_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = local.key_administrators
    }
  }
}

# --- JWT signing key: the oauth function signs access tokens, the skill verifies them
# with the public key.

resource "aws_kms_key" "signing" {
  description              = "${var.name}: ES256 signing key for OAuth access tokens"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 30
  policy                   = data.aws_iam_policy_document.signing_key.json
}

resource "aws_kms_alias" "signing" {
  name          = "alias/${var.name}-signing"
  target_key_id = aws_kms_key.signing.key_id
}

data "aws_iam_policy_document" "signing_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  statement {
    sid       = "OAuthSigns"
    actions   = ["kms:Sign"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.function["oauth"].arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:SigningAlgorithm"
      values   = ["ECDSA_SHA_256"]
    }

    # The signer sends the JWT signing input and lets KMS hash it (MessageType RAW).
    condition {
      test     = "StringEquals"
      variable = "kms:MessageType"
      values   = ["RAW"]
    }
  }

  statement {
    sid       = "ReadPublicKey"
    actions   = ["kms:GetPublicKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.function["oauth"].arn, aws_iam_role.function["skill"].arn]
    }
  }
}

# --- Secrets key: two kinds of secret, told apart by their encryption context.
#   {"tenant": <id>}   a tenant's MFA-verifier secret key: operators (easytocloud tenant
#                      create) and the console (an admin setting the token policy) seal
#                      it, only the mfa function opens it.
#   {"purpose": <p>}   a Keyring MAC key (dynamo.Keyring): 32 random bytes encrypted and
#                      stored in the table by the first function that needs it, decrypted
#                      once per cold start. A function may only use its own purposes, named
#                      "<function>-…" ("oauth-token", "mfa-otp", "console-token";
#                      terraform_test.go checks the code's purposes against
#                      local.mac_key_purposes).

locals {
  mac_key_purposes = {
    oauth   = "oauth-*"
    mfa     = "mfa-*"
    console = "console-*"
  }
}

resource "aws_kms_key" "secrets" {
  description             = "${var.name}: encrypts tenant secrets and the MAC keys of keyed hashes"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.secrets_key.json
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.name}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

data "aws_iam_policy_document" "secrets_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  statement {
    sid       = "OperatorsSealTenantSecrets"
    actions   = ["kms:Encrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = local.operators
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:tenant"
      values   = ["?*"]
    }
  }

  statement {
    sid       = "ConsoleSealsTenantSecrets"
    actions   = ["kms:Encrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.function["console"].arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:tenant"
      values   = ["?*"]
    }
  }

  statement {
    sid       = "MFAOpensTenantSecrets"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.function["mfa"].arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:tenant"
      values   = ["?*"]
    }
  }

  statement {
    sid       = "OAuthMACKeys"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.function["oauth"].arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.mac_key_purposes["oauth"]]
    }
  }

  statement {
    sid       = "MFAMACKeys"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.function["mfa"].arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.mac_key_purposes["mfa"]]
    }
  }

  statement {
    sid       = "ConsoleMACKeys"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.function["console"].arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.mac_key_purposes["console"]]
    }
  }
}

# --- Table key: DynamoDB encrypts the table with it on behalf of the principals that
# use the table, and only through DynamoDB.

resource "aws_kms_key" "table" {
  description             = "${var.name}: DynamoDB table encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.table_key.json
}

resource "aws_kms_alias" "table" {
  name          = "alias/${var.name}-table"
  target_key_id = aws_kms_key.table.key_id
}

data "aws_iam_policy_document" "table_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  statement {
    sid = "UseThroughDynamoDB"
    actions = [
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = concat([for fn in local.functions : aws_iam_role.function[fn].arn], local.operators)
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
  }
}

# --- Logs key: CloudWatch Logs encrypts this stack's log groups with it.

resource "aws_kms_key" "logs" {
  description             = "${var.name}: CloudWatch Logs encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.logs_key.json
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

data "aws_iam_policy_document" "logs_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  statement {
    sid = "CloudWatchLogsEncrypts"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [for name in local.log_group_names : "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${name}"]
    }
  }
}
