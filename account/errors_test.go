package account

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/tenants"
)

// timeoutErr is a network timeout.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"RoleNotAssumable", fmt.Errorf("op: %w", tenants.ErrAccessDenied), Role},
		{"Throttling", api("Throttling"), Throttled},
		{"RequestLimitExceeded", api("RequestLimitExceeded"), Throttled},
		{"KinesisLimit", api("LimitExceededException"), Throttled},
		{"Unauthorized", api("UnauthorizedOperation"), Denied},
		{"KinesisDenied", api("AccessDeniedException"), Denied},
		{"AuthFailure", api("AuthFailure"), Role},
		{"NotFound", api("InvalidInstanceID.NotFound"), NotFound},
		{"Gone", fmt.Errorf("x: %w", ErrInstanceGone), NotFound},
		{"Deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Timeout},
		{"NetworkTimeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, Timeout},
		{"Other", errors.New("boom"), Other},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify = %v, want %v", tt.name, got, tt.want)
		}
	}
}
