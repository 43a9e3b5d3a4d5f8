# tflint configuration for both modules (make lint runs it on terraform/ and
# terraform/tenant/). Only the terraform ruleset bundled with tflint is used, so tflint
# never downloads a plugin; the "all" preset turns on every one of its rules.
config {
  # Neither module calls another module; do not evaluate module calls.
  call_module_type = "none"
  format           = "compact"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
