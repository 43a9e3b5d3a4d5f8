package app

// Outputs of the operator stack (`terraform output -json`) that `easytocloud
// skill-package --from-terraform` reads.
const (
	// OutputSkillFunctionARN is the skill function's ARN, the skill's endpoint.
	OutputSkillFunctionARN = "skill_function_arn"
	// OutputAuthorizeURL is the account-linking authorization URI.
	OutputAuthorizeURL = "authorize_url"
	// OutputTokenURL is the account-linking access token URI.
	OutputTokenURL = "token_url"
)

// SkillPackageOutputs are the outputs skill-package reads; the stack must have each.
// Do not modify it.
var SkillPackageOutputs = []string{OutputSkillFunctionARN, OutputAuthorizeURL, OutputTokenURL}
