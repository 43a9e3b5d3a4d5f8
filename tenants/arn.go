package tenants

import "strings"

// accountFromARN returns the account field of an IAM role ARN
// (arn:aws:iam::123456789012:role/name), or "" when arn has another shape.
func accountFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return ""
	}
	return parts[4]
}
