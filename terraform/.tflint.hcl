# tflint configuration for both modules (terraform/ and terraform/tenant/): the bundled
# Terraform ruleset with every rule enabled.
config {
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
