# The tenant role's CloudFormation template (tenant/cloudformation.json, the tenant
# module's equivalent), published for the console's quick-create links. CloudFormation
# reads a template from an https S3 URL with the tenant's own credentials, in the
# tenant's account: the one object is public, nothing else in the bucket is.

locals {
  tenant_template_source = jsondecode(file("${path.module}/tenant/cloudformation.json"))

  # The operator's values become the defaults of the parameters that are the same for
  # every tenant, so that a quick-create link needs only the tenant's own.
  tenant_template = jsonencode(merge(local.tenant_template_source, {
    Parameters = merge(local.tenant_template_source.Parameters, {
      OperatorRoleArn = merge(local.tenant_template_source.Parameters.OperatorRoleArn, { Default = aws_iam_role.function["skill"].arn })
      RoleName        = merge(local.tenant_template_source.Parameters.RoleName, { Default = var.tenant_role_name })
    })
  }))

  tenant_template_key = "tenant/cloudformation.json"
  tenant_template_url = "https://${aws_s3_bucket.templates.bucket_regional_domain_name}/${local.tenant_template_key}"
}

#tfsec:ignore:aws-s3-enable-bucket-logging The bucket holds one public template that Terraform writes; access logs would record only anonymous reads of it.
resource "aws_s3_bucket" "templates" {
  bucket_prefix = "${var.name}-cfn-"
}

resource "aws_s3_bucket_ownership_controls" "templates" {
  bucket = aws_s3_bucket.templates.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# ACLs stay off; the bucket policy may make the template (and only it) public, which
# block_public_policy and restrict_public_buckets would forbid.
resource "aws_s3_bucket_public_access_block" "templates" {
  bucket = aws_s3_bucket.templates.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = false #tfsec:ignore:aws-s3-block-public-policy The bucket policy makes the tenant template public: CloudFormation in tenants' accounts reads it.
  restrict_public_buckets = false #tfsec:ignore:aws-s3-no-public-buckets The one public object is the tenant template; the policy grants nothing else.
}

# SSE-S3: anonymous readers cannot use a KMS key, and the template holds nothing secret.
#tfsec:ignore:aws-s3-encryption-customer-key The public template must be readable without KMS permissions.
resource "aws_s3_bucket_server_side_encryption_configuration" "templates" {
  bucket = aws_s3_bucket.templates.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "templates" {
  bucket = aws_s3_bucket.templates.id

  versioning_configuration {
    status = "Enabled"
  }
}

data "aws_iam_policy_document" "templates" {
  statement {
    sid       = "PublicTenantTemplate"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.templates.arn}/${local.tenant_template_key}"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }

  statement {
    sid     = "TLSOnly"
    effect  = "Deny"
    actions = ["s3:*"]
    # Every request to the bucket and its objects: none without TLS.
    resources = [aws_s3_bucket.templates.arn, "${aws_s3_bucket.templates.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "templates" {
  bucket = aws_s3_bucket.templates.id
  policy = data.aws_iam_policy_document.templates.json

  depends_on = [aws_s3_bucket_public_access_block.templates]
}

resource "aws_s3_object" "tenant_template" {
  bucket       = aws_s3_bucket.templates.id
  key          = local.tenant_template_key
  content      = local.tenant_template
  content_type = "application/json"
  etag         = md5(local.tenant_template)

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.templates]
}
