variable "name" {
  type        = string
  description = "Prefix for every resource name (table, functions, roles, keys, API)."
  default     = "easytocloud"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "The name must be 2 to 31 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "skill_id" {
  type        = string
  description = "The Alexa skill ID (amzn1.ask.skill.…): the only event source allowed to invoke the skill function, and the audience of access tokens."
}

variable "tenant_role_name" {
  type        = string
  description = "Name of the role that tenants create with the tenant module; the skill may assume a role of this name in any account, and only that."
  default     = "easytocloud"
}

variable "build_dir" {
  type        = string
  description = "Directory holding skill.zip, oauth.zip, mfa.zip and console.zip as written by `make build`; null means ../build next to this module."
  default     = null
}

variable "tracing_enabled" {
  type        = bool
  description = "Whether the functions send X-Ray traces (Active tracing)."
  default     = true
}

variable "log_retention_days" {
  type        = number
  description = "How many days CloudWatch Logs keeps function and API access logs."
  default     = 90
}

variable "custom_domain" {
  type = object({
    domain_name     = string
    zone_id         = optional(string)
    certificate_arn = optional(string)
  })
  description = "Optional custom domain for the HTTP API (Alexa account linking requires a publicly trusted certificate). Give either zone_id (a Route 53 hosted zone: the ACM certificate is requested and DNS-validated there, and an alias record is created) or certificate_arn (an issued ACM certificate in this region; you create the DNS record). Null uses the execute-api endpoint."
  default     = null

  validation {
    condition     = var.custom_domain == null || ((try(var.custom_domain.zone_id, null) == null) != (try(var.custom_domain.certificate_arn, null) == null))
    error_message = "Set exactly one of custom_domain.zone_id and custom_domain.certificate_arn."
  }
}

variable "api_throttle" {
  type = object({
    burst_limit = optional(number, 50)
    rate_limit  = optional(number, 20)
  })
  description = "Default route throttling of the HTTP API: burst_limit requests at once and rate_limit requests per second."
  default     = {}
}

variable "sms_default_type" {
  type        = string
  description = "Default SMS type for the account's SNS SMS preferences; one-time codes are Transactional."
  default     = "Transactional"
}

variable "sms_monthly_spend_limit" {
  type        = number
  description = "Monthly SMS spend limit in USD for the account (SNS stops sending when it is reached)."
  default     = 10
}

variable "key_administrator_arns" {
  type        = list(string)
  description = "IAM principals that administer the KMS keys (never use them). Empty means the account root, which delegates key administration to IAM policies in this account."
  default     = []
}

variable "operator_arns" {
  type        = list(string)
  description = "IAM principals that run the easytocloud CLI: they use the table and encrypt tenant secrets. Empty means the account root, which delegates to IAM policies in this account."
  default     = []
}

variable "skill_role_trusted_arns" {
  type        = list(string)
  description = "IAM principals (operators' roles) that may assume the skill function's role, to run `easytocloud tenant verify-role` with the identity tenants' roles trust. Whoever can assume it can act in every tenant's account as the skill does; empty allows no one but Lambda."
  default     = []
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs (usually SNS topics) notified when an alarm fires or recovers."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource through the provider's default_tags."
  default     = {}
}

variable "mail_domain" {
  type        = string
  description = "Domain the console sends its e-mail (sign-up, invitation and password-reset links) from: an SES domain identity with Easy DKIM. Add the DNS records of output mail_dkim_records, or give mail_zone_id to have them created."
}

variable "mail_from_local_part" {
  type        = string
  description = "Local part of the console's sender address (<local part>@mail_domain)."
  default     = "console"

  validation {
    # The address is ours to compose: dot-separated words of letters, digits, _, + and -.
    condition     = can(regex("^[A-Za-z0-9_+-]+(\\.[A-Za-z0-9_+-]+)*$", var.mail_from_local_part)) && length(var.mail_from_local_part) <= 64
    error_message = "The local part must be at most 64 letters, digits, _, + or - characters, in dot-separated words."
  }
}

variable "mail_zone_id" {
  type        = string
  description = "Optional Route 53 hosted zone of mail_domain: when set, the DKIM CNAME records are created there. Null leaves them to you (output mail_dkim_records)."
  default     = null
}

variable "signup_mode" {
  type        = string
  description = "Who may sign an organisation up in the console: \"open\" (anyone with an e-mail address) or \"code\" (only with an invitation code from easytocloud signup-code create)."
  default     = "code"

  validation {
    condition     = contains(["open", "code"], var.signup_mode)
    error_message = "The signup mode must be \"open\" or \"code\"."
  }
}
