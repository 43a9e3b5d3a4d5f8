package sigverify

import (
	"errors"
	"net/url"
	"path"
	"strings"
)

// The rules Amazon sets for SignatureCertChainUrl ("Verify the signature certificate
// URL" in "Host a Custom Skill as a Web Service").
const (
	certHost       = "s3.amazonaws.com" // compared case-insensitively
	certPathPrefix = "/echo.api/"       // compared case-sensitively
	certPort       = "443"              // only if a port is given
)

// certURL checks the SignatureCertChainUrl header value and returns the URL to fetch:
// the normalised form (scheme and host lower case, no port, path cleaned of "." and ".."
// segments, including percent-encoded ones). Only that normalised URL is ever fetched,
// so what is fetched is what was checked.
//
// Amazon's rules: scheme https (case-insensitive), host s3.amazonaws.com
// (case-insensitive), path starting /echo.api/ (case-sensitive) after normalisation,
// port 443 if one is given. Beyond them, user info, a query or a fragment are refused:
// Alexa never sends them and each would make the fetched URL differ from the checked one.
func certURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("missing SignatureCertChainUrl header")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("cert URL does not parse")
	}
	switch {
	case u.Opaque != "":
		return "", errors.New("cert URL is opaque")
	case !strings.EqualFold(u.Scheme, "https"):
		return "", errors.New("cert URL scheme is not https")
	case u.User != nil:
		return "", errors.New("cert URL has user info")
	case !strings.EqualFold(u.Hostname(), certHost):
		return "", errors.New("cert URL host is not " + certHost)
	case u.Port() != "" && u.Port() != certPort:
		return "", errors.New("cert URL port is not " + certPort)
	case u.RawQuery != "" || u.ForceQuery:
		return "", errors.New("cert URL has a query")
	case u.Fragment != "":
		return "", errors.New("cert URL has a fragment")
	}
	// u.Path is already percent-decoded, so "%2e%2e" and "%2F" are cleaned too.
	p := path.Clean(u.Path)
	if !strings.HasPrefix(p, certPathPrefix) {
		return "", errors.New("cert URL path does not start with " + certPathPrefix)
	}
	return (&url.URL{Scheme: "https", Host: certHost, Path: p}).String(), nil
}
