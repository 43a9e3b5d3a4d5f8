// Package layers holds no code: its test checks that the packages import each other
// only in the direction docs/ARCHITECTURE.md gives (the table, the Alexa wire protocol
// and the tenants domain import no project package; each layer imports only lower
// ones; oauth and skill never each other; only internal/app and cmd wire everything).
package layers
