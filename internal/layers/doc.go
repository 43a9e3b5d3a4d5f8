// Package layers holds no code: its test checks that the packages import each other
// only in DESIGN.md's direction (tenants imports no project package; mfa only
// tenants; oauth and skill never each other; only cmd wires everything).
package layers
