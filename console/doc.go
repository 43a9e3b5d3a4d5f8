// Package console is the tenants' own web console: an organisation signs up, verifies
// its address, connects its AWS account (the role check of package account), sets its
// regions, control tag and second-factor policy, invites its people, and each person
// looks after their own password, phone, Alexa links and activity. Server-rendered
// HTML (html/template) on the sign-in pages' stylesheet (internal/webui), no script.
//
// Every route is in routes.go. A signed-in request carries a session cookie
// (__Host- on https; HttpOnly, Secure, SameSite=Lax; 30 minutes idle, 12 hours at
// most) and every form a CSRF token; changing a role, the MFA policy or a phone needs
// the password again within the last five minutes; every admin action is an audit
// line. The console keeps its own records under the key prefixes app.Console lists.
package console
