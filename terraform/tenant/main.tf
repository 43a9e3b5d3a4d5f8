# The role easytocloud assumes in this account: trusted only by the operator's skill role,
# only with this tenant's ExternalId, for at most an hour, and allowed exactly the calls
# the skill makes (account.TenantIAMActions in the Go code; terraform_test.go checks).

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.operator_role_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "easytocloud" {
  name                 = var.role_name
  description          = "Lets the easytocloud Alexa skill list and start or stop this account's resources."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "permissions" {
  statement {
    sid = "Describe"
    actions = [
      "ec2:DescribeInstances",
      "ec2:DescribeRegions",
      "kinesis:ListStreams",
    ]
    # These list and describe calls have no resource-level permissions: "*" is the
    # only resource AWS accepts for them.
    resources = ["*"]
  }

  statement {
    sid     = "DescribeStreams"
    actions = ["kinesis:DescribeStreamSummary"]
    # The skill describes every stream it lists (for its open shard count), in every
    # region of this account.
    resources = ["arn:${local.partition}:kinesis:*:${local.account_id}:stream/*"]
  }

  statement {
    sid     = "StartStopInstances"
    actions = ["ec2:StartInstances", "ec2:StopInstances"]
    # Any instance in any region of this account; the control tag, when set, narrows it.
    resources = ["arn:${local.partition}:ec2:*:${local.account_id}:instance/*"]

    # With a control tag, only instances carrying it may be started or stopped.
    dynamic "condition" {
      for_each = var.control_tag == null ? [] : [var.control_tag]

      content {
        test     = condition.value.value == null ? "Null" : "StringEquals"
        variable = "aws:ResourceTag/${condition.value.key}"
        values   = condition.value.value == null ? ["false"] : [condition.value.value]
      }
    }
  }
}

resource "aws_iam_role_policy" "easytocloud" {
  name   = "easytocloud"
  role   = aws_iam_role.easytocloud.id
  policy = data.aws_iam_policy_document.permissions.json
}
