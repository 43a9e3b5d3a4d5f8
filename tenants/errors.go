package tenants

import "errors"

// Sentinel errors of the package. Callers test them with errors.Is; the wrapped
// message says which record or field was concerned.
var (
	// ErrNotFound means the tenant or user does not exist (or has expired).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the record was changed by someone else since it was read
	// (optimistic locking on version) or already exists; read it again and retry.
	ErrConflict = errors.New("conflict: changed by someone else")
	// ErrEmailTaken means another user already has this email address.
	ErrEmailTaken = errors.New("email address is already in use")
	// ErrHasUsers means a tenant still has users and was not deleted with force.
	ErrHasUsers = errors.New("tenant still has users")
	// ErrInvalid means a field failed validation; the wrapping error names the field
	// and what is wrong with it, in words fit to show the operator.
	ErrInvalid = errors.New("invalid")
	// ErrInvalidCredentials means an email and password did not match a user. It
	// never says which of the two was wrong.
	ErrInvalidCredentials = errors.New("invalid email or password")
	// ErrAccessDenied means easytocloud could not assume the tenant's role.
	ErrAccessDenied = errors.New("easytocloud can't reach your AWS account; check the role and its ExternalId")
	// ErrExternalIDNotRequired means Access.VerifyRole could assume the tenant's role
	// without the ExternalId, so its trust policy would let others use it too.
	ErrExternalIDNotRequired = errors.New("the role can be assumed without its ExternalId; add the condition StringEquals sts:ExternalId to its trust policy")
)
