// Package terraform holds no Go code of its own: the directory is the operator's
// Terraform stack (the DynamoDB table, KMS keys, the skill, oauth and mfa Lambdas, the
// HTTP API, IAM roles, SMS preferences and alarms) and, in tenant/, the module a tenant
// applies in their own AWS account to give easytocloud a role to assume.
//
// Providers cannot be downloaded where the tests run, so terraform_test.go checks the
// modules offline with the HCL parser: formatting, typed and described variables, the
// table against the tenants schema, each Lambda's environment against the variables its
// cmd package reads, and each IAM policy against the actions its code calls.
package terraform
