// Package e2e holds easytocloud's end-to-end tests, which use the product as its
// users do: the real easytocloud binary serving the local stack against the AWS
// emulator, an Alexa account linked through the sign-in and consent pages with
// PKCE, docs/ARCHITECTURE.md's conversation over the signed HTTPS endpoint and through the
// Lambda handler, make demo's command from start to Ctrl-C, and the sign-in pages in
// a real browser (headless Chromium). The package has no code outside its tests.
package e2e
