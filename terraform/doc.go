// Package terraform holds no Go code of its own: the directory is the operator's
// Terraform stack (the DynamoDB table, KMS keys, the skill, oauth, mfa and console
// Lambdas, the HTTP API, IAM roles, SMS preferences, SES, the template bucket and
// alarms) and, in tenant/, the module a tenant applies in their own AWS account to give
// easytocloud a role to assume, with its CloudFormation equivalent
// (tenant/cloudformation.json) for the console's quick-create links.
//
// Providers cannot be downloaded where the tests run, so terraform_test.go checks the
// modules offline with the HCL parser: formatting, typed and described variables, the
// table against the tenants schema, each Lambda's environment against the variables its
// cmd package reads, and each IAM policy against the actions its code calls; and
// tenantsetup_test.go evaluates the tenant module and its template as Terraform and
// CloudFormation would, to prove they make the same role.
package terraform
