package account

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/tenants"
)

// ErrInstanceGone means the instance no longer exists (or was terminated).
var ErrInstanceGone = errors.New("instance not found")

// Kind is what went wrong in the tenant's account, as the user is told it.
type Kind int

// Kinds of failure.
const (
	Other     Kind = iota
	Role           // the tenant's role could not be assumed
	Denied         // the role may not do this
	Throttled      // AWS throttled us
	Timeout        // no answer in time, or the region is unreachable
	NotFound       // the instance is gone
)

// Classify sorts an error of the account's adapters (or of the SDK) into a Kind.
func Classify(err error) Kind {
	if errors.Is(err, tenants.ErrAccessDenied) {
		return Role
	}
	if errors.Is(err, ErrInstanceGone) {
		return NotFound
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Timeout
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		switch {
		case code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
			code == "LimitExceededException" || code == "TooManyRequestsException":
			return Throttled
		case code == "UnauthorizedOperation" || code == "AccessDenied" || code == "AccessDeniedException":
			return Denied
		case code == "AuthFailure" || code == "OptInRequired" || code == "UnrecognizedClientException" ||
			code == "InvalidClientTokenId" || code == "ExpiredToken":
			return Role
		case strings.HasPrefix(code, "InvalidInstanceID"):
			return NotFound
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Timeout
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return Timeout
	}
	return Other
}
