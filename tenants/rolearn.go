package tenants

// ValidateRoleARN returns the account of a role ARN
// (arn:aws:iam::<12-digit account>:role/<name>), or an error wrapping ErrInvalid
// that says what to fix.
func ValidateRoleARN(arn string) (string, error) { return validateRoleARN(arn) }
