variable "operator_role_arn" {
  type        = string
  description = "ARN of the easytocloud skill role (output skill_role_arn of the operator's stack): the only principal that may assume the role."
}

variable "external_id" {
  type        = string
  description = "The ExternalId easytocloud generated for this tenant (easytocloud tenant create prints it); required on every AssumeRole."

  validation {
    # Length apart: RE2 (Terraform's regex) allows at most 1000 repetitions.
    condition     = length(var.external_id) >= 16 && length(var.external_id) <= 1224 && can(regex("^[[:alnum:]_+=,.@:/-]+$", var.external_id))
    error_message = "The external ID must be 16 to 1224 letters, digits or the characters _+=,.@:/- (use the one easytocloud tenant create printed)."
  }
}

variable "role_name" {
  type        = string
  description = "Name of the role easytocloud assumes; it must equal the operator's tenant_role_name."
  default     = "easytocloud"
}

variable "control_tag" {
  type = object({
    key   = string
    value = optional(string)
  })
  description = "Optional tag that marks the instances that may be started and stopped by voice: with a value, the tag must have that value; without, the tag must be present. Null allows every instance."
  default     = null
}

variable "create_mfa_verifier" {
  type        = bool
  description = "Whether to create the MFA-verifier IAM user (no permissions at all; easytocloud checks token codes with its access key). Attach the MFA device to it afterwards."
  default     = false
}

variable "mfa_verifier_user_name" {
  type        = string
  description = "Name of the MFA-verifier IAM user."
  default     = "easytocloud-mfa-verifier"
}
