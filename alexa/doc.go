// Package alexa is the Alexa custom-skill wire protocol: the request and response
// envelopes (version "1.0"), slots and entity resolution, cards and directives,
// SSML building within Alexa's limits, the progressive-response client, and the
// HTTPS web-service endpoint (request signatures are verified by alexa/sigverify).
// It imports no package of this module.
package alexa
