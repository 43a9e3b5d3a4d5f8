package tenants

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// AlexaLink is an Alexa account that has spoken for a user: a user who did not link
// it is told when it first appears.
type AlexaLink struct {
	// ID is AlexaLinkID of the Alexa account's userId; the userId itself is not kept.
	ID string `json:"id"`
	// LinkedAt is when the account first spoke for the user.
	LinkedAt time.Time `json:"linked_at"`
	// LastUsedAt is its latest request, recorded at most once per AlexaLinkUseInterval.
	LastUsedAt time.Time `json:"last_used_at"`
	// GrantID names the account link (the OAuth grant) whose access token the Alexa
	// account last spoke with: revoking that grant unlinks it. Empty when it spoke
	// only with tokens minted before grants had IDs.
	GrantID string `json:"grant_id,omitempty"`
}

// AlexaLinkUseInterval is how often an Alexa account's last use is written at most:
// its LastUsedAt may be this much behind.
const AlexaLinkUseInterval = time.Hour

// AlexaLinkID returns the ID of the Alexa account with this userId: the hex SHA-256
// of it.
func AlexaLinkID(alexaUserID string) string {
	sum := sha256.Sum256([]byte(alexaUserID))
	return hex.EncodeToString(sum[:])
}

// Activity is one change a user made by voice (or another door): what was started or
// stopped, when, and from which Alexa device.
type Activity struct {
	At time.Time `json:"at"`
	// Action is what was done ("start", "stop", "reboot").
	Action string `json:"action"`
	// Target names the resource as the user knows it ("splunk") and Region its region.
	Target string `json:"target"`
	Region string `json:"region"`
	// ResourceID is the resource's own ID (i-0abc…).
	ResourceID string `json:"resource_id,omitempty"`
	// Device is a short, stable label of the Alexa device (from the hash of its
	// device ID); Door is "alexa" or "mcp".
	Device string `json:"device,omitempty"`
	Door   string `json:"door,omitempty"`
	// Outcome is "done" or what went wrong ("failed", "refused").
	Outcome string `json:"outcome"`
}
