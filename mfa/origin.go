package mfa

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Origin is where a second factor is given and where the elevation it grants holds:
// one Alexa account on one device, and the recognised speaker (the voice profile's
// person) when Alexa names one. An elevation granted for one Origin does not hold
// for another: not on another Echo, not for another Alexa account linked to the same
// user, not for another person speaking to the same device.
//
// An Origin is known only by its key, a SHA-256 of the three IDs, so the service
// neither stores nor sends an Alexa ID. The zero Origin names nothing: every method
// that takes an Origin refuses it with ErrNoOrigin. Origins are comparable with ==.
type Origin struct{ key string }

// NewOrigin returns the Origin of a request heard by deviceID
// (context.System.device.deviceId) for the Alexa account alexaUserID
// (context.System.user.userId), spoken by personID (context.System.person.personId,
// "" when Alexa recognised no voice profile). Without an Alexa account or a device it
// returns the zero Origin.
func NewOrigin(alexaUserID, deviceID, personID string) Origin {
	if alexaUserID == "" || deviceID == "" {
		return Origin{}
	}
	h := sha256.New()
	// Length-prefixed, so that no two triples of IDs hash the same input.
	for _, id := range []string{alexaUserID, deviceID, personID} {
		h.Write([]byte(strconv.Itoa(len(id)) + ":" + id + ";"))
	}
	return Origin{hex.EncodeToString(h.Sum(nil))}
}

// ParseOrigin returns the Origin whose key is key (what String returns), or
// ErrNoOrigin when key is not one: 64 lower-case hexadecimal digits.
func ParseOrigin(key string) (Origin, error) {
	if len(key) != 2*sha256.Size {
		return Origin{}, ErrNoOrigin
	}
	for _, c := range key {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return Origin{}, ErrNoOrigin
		}
	}
	return Origin{key}, nil
}

// String returns the Origin's key ("" for the zero Origin).
func (o Origin) String() string { return o.key }

// IsZero reports whether o is the zero Origin, which names nothing.
func (o Origin) IsZero() bool { return o.key == "" }

// short is the start of the key, enough to tell origins apart in an audit line.
func (o Origin) short() string {
	if len(o.key) < 16 {
		return o.key
	}
	return o.key[:16]
}
