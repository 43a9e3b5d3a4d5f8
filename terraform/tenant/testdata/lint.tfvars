# Variables for the linters: every optional feature switched on, so that tfsec and
# tflint also check the resources that defaults leave out.
operator_role_arn   = "arn:aws:iam::123456789012:role/easytocloud-skill"
external_id         = "0123456789abcdef0123456789abcdef"
create_mfa_verifier = true
control_tag = {
  key = "easytocloud"
}
