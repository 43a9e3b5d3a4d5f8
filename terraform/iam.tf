# One role per function. Each function's own policy (data.aws_iam_policy_document.<name>)
# grants exactly the actions internal/app lists for it (app.Skill, app.OAuth, app.MFA,
# app.Console: IAMActions), which the code calls; the runtime policy grants what the Lambda platform
# itself needs (logs and traces). policy_test.go checks both.
#
# In the table a function reaches only the items of its own key prefixes, with only the
# actions it calls on each (app.<Function>.Table; tablekeys_test.go checks the two agree
# and the functions' own tests record every key their flows reach): one
# statement per set of actions, reads apart from writes, each on the prefixes
# "dynamodb:LeadingKeys" may take. AWS documents that key as the partition key values
# a request names: an item's pk for GetItem, PutItem, UpdateItem and DeleteItem, the
# key condition's for a Query. A Query on an index names only the index's own partition
# key (gsi1pk), and AWS's examples put the same condition on an index's ARN, so the
# index's statement lists gsi1pk prefixes. A TransactWriteItems is authorized item by
# item, as the PutItem, UpdateItem or DeleteItem (ConditionCheckItem for a check) of
# each, so every item's pk must match. AWS requires ForAllValues with this key (a
# BatchGetItem or BatchWriteItem names several; the code calls neither), and
# ForAllValues also holds when a request names no key at all, so every statement also
# requires the key to be present (Null is false). No function is granted Scan: it names
# no key and reads every item.

# Lambda assumes each role. The skill's role may also be assumed by the principals in
# var.skill_role_trusted_arns and by the console's role: tenants' roles trust only this
# role, so this is how an operator runs `easytocloud tenant verify-role`, and the
# console checks a tenant's role, as easytocloud will act.
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

  # The console's role, by name: IAM refuses a principal that does not exist yet, and
  # both roles are made together. The account delegates to the console's own policy,
  # which allows only this role; the condition admits no other principal.
  dynamic "statement" {
    for_each = each.key == "skill" ? [true] : []

    content {
      sid     = "ConsoleVerifiesTenantRoles"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = [local.account_root]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = [local.console_role_arn]
      }
    }
  }
}

locals {
  # aws_iam_role.function["console"].arn, which the trust policies of the same
  # resource cannot refer to.
  console_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.name}-console"
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

# --- skill: reads tenants, users and their revocation marks, records the Alexa
# accounts that speak for users and texts them of new ones, assumes tenant roles,
# verifies access tokens, calls the MFA API.

data "aws_iam_policy_document" "skill" {
  # Tenants and users, and the user's revocation mark (every request: an access token
  # issued before it is refused): read by key.
  statement {
    sid       = "ReadTenantsAndRevocationMarks"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHUSER#*", "TENANT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # On SkillDisabled, oauth's RevokeUser: the user's revocation mark. (No replay
  # guard: only Alexa may invoke the function, so it keeps no seen requests.)
  statement {
    sid       = "RevocationMarks"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHUSER#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # The user's activity: one item per change the skill makes.
  statement {
    sid       = "RecordActivity"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["ACTIVITY#*"]
    }
    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # The Alexa accounts that speak for a user: one conditional update records a new one
  # or its use (at most hourly).
  statement {
    sid       = "UpdateAlexaLinks"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["ALEXALINK#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # On SkillDisabled: the user's refresh tokens, found on the index, are deleted.
  statement {
    sid       = "DeleteRevokedTokens"
    actions   = ["dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHREFRESH#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # On SkillDisabled: the user's refresh tokens, listed on the index by their gsi1pk,
  # OAUTHUSER#<tenant>#<user>.
  statement {
    sid       = "TokensOfAUser"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.main.arn}/index/gsi1"]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHUSER#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
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
    sid     = "TellOfNewAlexaAccounts"
    actions = ["sns:Publish"]
    # A text message is published straight to a phone number, which has no ARN:
    # "*" is the only resource AWS accepts for it.
    resources = ["*"] #tfsec:ignore:aws-iam-no-policy-wildcards SMS to a phone number has no ARN
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

# --- oauth, mfa and the console each make and open their own Keyring MAC keys (the
# purposes local.mac_key_purposes grants each) under the secrets key.

data "aws_iam_policy_document" "mac_keys" {
  for_each = local.mac_key_purposes

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
  source_policy_documents = [data.aws_iam_policy_document.mac_keys["oauth"].json]

  # Read by key: users (tenants/dynamo's Authenticate: the e-mail claim, then the user),
  # its MAC keys, clients, codes, refresh tokens and revocation marks. It writes no
  # tenant, user, client or revocation mark, and reaches no elevation.
  statement {
    sid       = "ReadByKey"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["EMAIL#*", "KEY#oauth-*", "OAUTHCLIENT#*", "OAUTHCODE#*", "OAUTHREFRESH#*", "OAUTHUSER#*", "TENANT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Its MAC key, made on first use (only those of its own purposes, local.mac_key_purposes).
  statement {
    sid       = "MakeMACKeys"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["KEY#oauth-*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Authorization codes: issued, then consumed (redeeming is a transaction of this update
  # and the refresh token's put) or marked replayed.
  statement {
    sid       = "Codes"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHCODE#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Pending consents: stored at sign-in, consumed by a conditional delete.
  statement {
    sid       = "Consents"
    actions   = ["dynamodb:DeleteItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHCONSENT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Refresh tokens: issued, used, revoked.
  statement {
    sid       = "Tokens"
    actions   = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHREFRESH#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Sign-in failure counters: each attempt counted (and a right password's given back)
  # by conditional updates; never read, put or deleted.
  statement {
    sid       = "SignInFailures"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["LOGINFAIL#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

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
  source_policy_documents = [data.aws_iam_policy_document.mac_keys["mfa"].json]

  # Read by key: tenants and users, its MAC key, and its own records.
  statement {
    sid       = "ReadByKey"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["KEY#mfa-*", "MFA#*", "TENANT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Its MAC key, made on first use (only those of its own purposes, local.mac_key_purposes).
  statement {
    sid       = "MakeMACKeys"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["KEY#mfa-*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Lock finds a user's elevations from every origin with a Query of the user's
  # own MFA# partition.
  statement {
    sid       = "FindElevations"
    actions   = ["dynamodb:Query"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["MFA#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Its own records: challenges, elevations, send and failure windows.
  statement {
    sid       = "SecondFactorState"
    actions   = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["MFA#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

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

# --- console: tenants manage themselves. Through the store it reads and writes
# tenants, users and their claims, lists and unlinks Alexa accounts and reads
# activity; through oauth's tokens it revokes a user's links; its own records are
# sessions, e-mailed links, invitation codes, SMS codes, rate limits and the audit
# trail. It sends e-mail (SES) and SMS, checks tenants' roles as the skill, and ends
# elevations through the mfa API. It never reaches MFA#. It seals a tenant's
# verifier secret when an admin sets the token policy, and never opens one.

data "aws_iam_policy_document" "console" {
  source_policy_documents = [data.aws_iam_policy_document.mac_keys["console"].json]

  statement {
    sid       = "SealTenantSecrets"
    actions   = ["kms:Encrypt"]
    resources = [aws_kms_key.secrets.arn]

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:tenant"
      values   = ["?*"]
    }
  }

  # Read by key: tenants and users, claims, its MAC key, a user's revocation mark and
  # its own records. (A user's refresh tokens it finds on the index, never by key.)
  statement {
    sid       = "ReadByKey"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["ACCOUNTCLAIM#*", "CONSOLESESSION#*", "EMAIL#*", "INVITE#*", "KEY#console-*", "OAUTHUSER#*", "PHONECODE#*", "RESET#*", "ROLECLAIM#*", "SIGNUP#*", "SIGNUPCODE#*", "TENANT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Within one partition each: a tenant's users, a user's Alexa accounts, activity and
  # sessions, a tenant's audit trail and its invitations not accepted yet.
  statement {
    sid       = "ListPartitions"
    actions   = ["dynamodb:Query"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["ACTIVITY#*", "ALEXALINK#*", "AUDIT#*", "CONSOLESESSION#*", "INVITE#*", "TENANT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # A user made with an invitation checks, in the same transaction, that the tenant
  # is still there.
  statement {
    sid       = "CheckTenants"
    actions   = ["dynamodb:ConditionCheckItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["TENANT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # The user's refresh tokens, listed on the index by their gsi1pk,
  # OAUTHUSER#<tenant>#<user>, to show and revoke their Alexa links.
  statement {
    sid       = "TokensOfAUser"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.main.arn}/index/gsi1"]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["OAUTHUSER#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Organisations, users and their settings: made at sign-up and invitation, updated
  # (a password among them), users removed. Sessions and SMS codes: made, used, ended.
  statement {
    sid       = "TenantsUsersSessionsAndCodes"
    actions   = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["CONSOLESESSION#*", "PHONECODE#*", "TENANT#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # The claims that give an e-mail address, a role and an AWS account to one tenant:
  # taken with the record that holds them, given up when it lets go.
  statement {
    sid       = "Claims"
    actions   = ["dynamodb:DeleteItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["ACCOUNTCLAIM#*", "EMAIL#*", "ROLECLAIM#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Single-use e-mailed links, made and then used by a conditional update; revocation
  # marks, which refuse a removed or unlinked user's older access tokens.
  statement {
    sid       = "LinksAndRevocationMarks"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["INVITE#*", "OAUTHUSER#*", "RESET#*", "SIGNUP#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Conditional updates only: the operator's invitation codes are used up, the rate
  # limits count.
  statement {
    sid       = "SignUpCodesAndLimits"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["CONSOLELIMIT#*", "SIGNUPCODE#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # The audit trail of admin actions (written, never changed) and its MAC key, made on
  # first use (only those of its own purposes, local.mac_key_purposes).
  statement {
    sid       = "AuditAndMACKeys"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["AUDIT#*", "KEY#console-*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Deleted, never written: an unlinked Alexa account's record and the refresh tokens
  # of a link revoked, and an invitation taken off its organisation's pending list
  # (accepted, or withdrawn when its mail could not be sent).
  statement {
    sid       = "UnlinkAndInvitationsDone"
    actions   = ["dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.main.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["ALEXALINK#*", "INVITE#*", "OAUTHREFRESH#*"]
    }

    condition {
      test     = "Null"
      variable = "dynamodb:LeadingKeys"
      values   = ["false"]
    }
  }

  # Only from the console's address, only through its configuration set (TLS required).
  statement {
    sid       = "SendMail"
    actions   = ["ses:SendEmail"]
    resources = [aws_sesv2_email_identity.mail.arn, aws_sesv2_configuration_set.mail.arn]

    condition {
      test     = "StringEquals"
      variable = "ses:FromAddress"
      values   = [local.mail_from]
    }
  }

  statement {
    sid     = "SendSMS"
    actions = ["sns:Publish"]
    # A text message is published straight to a phone number, which has no ARN:
    # "*" is the only resource AWS accepts for it.
    resources = ["*"] #tfsec:ignore:aws-iam-no-policy-wildcards SMS to a phone number has no ARN
  }

  # Tenants' roles trust only the skill's role: the console checks one by assuming the
  # skill's role first, then the tenant's as the skill would (the skill's policy
  # applies: the tenant role's name, an ExternalId always).
  statement {
    sid       = "ActAsTheSkill"
    actions   = ["sts:AssumeRole"]
    resources = [aws_iam_role.function["skill"].arn]
  }

  # Removing a user ends their elevations at once.
  statement {
    sid       = "EndElevations"
    actions   = ["execute-api:Invoke"]
    resources = [local.route_arns["DELETE /mfa/v1/elevations/{tenant}/{user}"]]
  }
}

resource "aws_iam_role_policy" "console" {
  name   = "console"
  role   = aws_iam_role.function["console"].id
  policy = data.aws_iam_policy_document.console.json
}
