output "role_arn" {
  description = "ARN of the role easytocloud assumes (easytocloud tenant create --role-arn)."
  value       = aws_iam_role.easytocloud.arn
}

output "mfa_verifier_user_name" {
  description = "Name of the MFA-verifier user to attach the MFA device to (null without one)."
  value       = try(aws_iam_user.mfa_verifier[0].name, null)
}

output "mfa_verifier_access_key_id" {
  description = "Access key ID of the MFA-verifier user (easytocloud tenant create --verifier-access-key-id; null without one)."
  value       = try(aws_iam_access_key.mfa_verifier[0].id, null)
}

output "mfa_verifier_secret_access_key" {
  description = "Secret access key of the MFA-verifier user, read once with terraform output -raw and given to easytocloud tenant create, which stores it KMS-encrypted (null without one)."
  value       = try(aws_iam_access_key.mfa_verifier[0].secret, null)
  sensitive   = true
}
