package skill

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/tenants"
)

// Outcomes of a change as the user's activity records it.
const (
	activityDone   = "done"
	activityFailed = "failed"
)

// doorAlexa is the door a change came through, for the activity.
const doorAlexa = "alexa"

// deviceLabel is a short, stable name of the Alexa device with this deviceId, for the
// user's activity ("Echo ·3f9a"): the first four hex digits of its SHA-256, so that
// the ID itself is not kept. "" for none.
func deviceLabel(deviceID string) string {
	if deviceID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(deviceID))
	return "Echo ·" + hex.EncodeToString(sum[:2])
}

// recordActivity adds the change the user just made on target (or tried to: outcome
// activityFailed) to their activity. A failure to write it is logged as an error; the
// user's answer does not depend on it.
func (c *changing) recordActivity(ctx context.Context, target account.Instance, outcome string) {
	if c.h.Activity == nil {
		return
	}
	name := target.Name
	if name == "" {
		name = target.ID
	}
	a := tenants.Activity{
		At: c.h.now(), Action: c.action, Target: name, Region: target.Region, ResourceID: target.ID,
		Device: deviceLabel(c.env.Context.System.Device.DeviceID), Door: doorAlexa, Outcome: outcome,
	}
	// Within the request's deadline: the answer must not wait past it for the record.
	ctx, cancel := context.WithTimeout(ctx, c.h.callTimeout())
	defer cancel()
	if err := c.h.Activity.RecordActivity(ctx, c.who.TenantID, c.who.UserID, a); err != nil {
		c.log.ErrorContext(ctx, "recording the change in the user's activity failed",
			slog.String("action", c.action), slog.String("instance", target.ID), slog.String("outcome", outcome),
			slog.String("error", err.Error()))
	}
}
