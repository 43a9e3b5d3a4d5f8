package alexa

import "testing"

// TestAlexaEndpoints: the default client gives the API token to Alexa's own
// endpoints (the endpoints it refuses are in the skill's TestProgressClient).
func TestAlexaEndpoints(t *testing.T) {
	for _, endpoint := range []string{"https://api.amazonalexa.com", "https://api.eu.amazonalexa.com", "https://api.fe.amazonalexa.com"} {
		if !isAlexaEndpoint(endpoint) {
			t.Errorf("endpoint %s refused", endpoint)
		}
	}
}
