# The optional MFA-verifier user. easytocloud calls sts:GetSessionToken with its access
# key and the code from the tenant's MFA device (attached to this user) to check a
# code. GetSessionToken is an authentication call that IAM policies cannot allow or deny,
# so the user needs no permission and gets none: its permissions boundary denies
# everything, whatever policy is attached to it later, and the session credentials
# GetSessionToken returns inherit that (easytocloud discards them anyway).

data "aws_iam_policy_document" "deny_all" {
  statement {
    sid       = "DenyEverything"
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deny_all" {
  count = var.create_mfa_verifier ? 1 : 0

  name        = "${var.mfa_verifier_user_name}-boundary"
  description = "Denies everything: the permissions boundary of the easytocloud MFA-verifier user."
  policy      = data.aws_iam_policy_document.deny_all.json
}

resource "aws_iam_user" "mfa_verifier" {
  count = var.create_mfa_verifier ? 1 : 0

  name                 = var.mfa_verifier_user_name
  permissions_boundary = aws_iam_policy.deny_all[0].arn
}

resource "aws_iam_access_key" "mfa_verifier" {
  count = var.create_mfa_verifier ? 1 : 0

  user = aws_iam_user.mfa_verifier[0].name
}
