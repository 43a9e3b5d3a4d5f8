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
	// with a wrong ExternalId: its trust policy lacks the sts:ExternalId condition, so
	// any easytocloud tenant that names the role could act in its account.
	ErrExternalIDNotRequired = errors.New("the role's trust policy lacks the sts:ExternalId condition: easytocloud could assume it with a wrong ExternalId, " +
		"so any easytocloud tenant that names this role could act in its account. Add the condition StringEquals sts:ExternalId " +
		"with this tenant's ExternalId to the role's trust policy (the terraform/tenant module sets it), then verify the role again")
	// ErrRoleNotAssumable means Access.VerifyRole could not assume the tenant's role
	// with its own ExternalId (or the credentials acted in another account).
	ErrRoleNotAssumable = errors.New("easytocloud cannot assume the role: check that the role ARN is right and that the role's trust policy " +
		"names the skill's role as principal and requires this tenant's ExternalId (StringEquals sts:ExternalId)")
	// ErrSuspended means the operator suspended the tenant: its people may not link,
	// speak to the skill or change anything until it is resumed.
	ErrSuspended = errors.New("this organisation is suspended; contact the easytocloud operator")
	// ErrNotConnected means the tenant has not connected its AWS account yet (it has
	// no role): an admin connects it in the console.
	ErrNotConnected = errors.New("the organisation has not connected its AWS account yet")
	// ErrAccountTaken means another tenant already holds the role ARN or the AWS
	// account: easytocloud connects each AWS account to one tenant only. It never says
	// which tenant.
	ErrAccountTaken = errors.New("that AWS account is already connected to another easytocloud tenant")
)
