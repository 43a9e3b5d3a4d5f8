package sigverify

import (
	"strings"
	"testing"
)

func TestCertURL(t *testing.T) {
	const want = "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
	tests := []struct {
		name, raw string
		want      string // "" means refused
		reason    string
	}{
		// Amazon's examples of correctly formatted URLs.
		{"OK", "https://s3.amazonaws.com/echo.api/echo-api-cert.pem", want, ""},
		{"OKPort443", "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem", want, ""},
		{"OKDotDotBack", "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem", want, ""},
		{"OKCaseInsensitiveSchemeHost", "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem", want, ""},
		{"OKDotSegment", "https://s3.amazonaws.com/echo.api/./echo-api-cert.pem", want, ""},
		{"OKDoubleSlash", "https://s3.amazonaws.com//echo.api//echo-api-cert.pem", want, ""},
		{"OKEscapedName", "https://s3.amazonaws.com/echo.api/echo%2Dapi-cert.pem", want, ""},
		// Amazon's examples of invalid URLs, and tricks around them.
		{"InvalidHost", "https://notamazon.com/echo.api/echo-api-cert.pem", "", "host"},
		{"HostSuffix", "https://evils3.amazonaws.com/echo.api/echo-api-cert.pem", "", "host"},
		{"HostTrailingDot", "https://s3.amazonaws.com./echo.api/echo-api-cert.pem", "", "host"},
		{"RegionalHost", "https://s3.us-east-1.amazonaws.com/echo.api/echo-api-cert.pem", "", "host"},
		{"PathCase", "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "", "path"},
		{"InvalidPath", "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "", "path"},
		{"NoPath", "https://s3.amazonaws.com", "", "path"},
		{"PathOnlyPrefix", "https://s3.amazonaws.com/echo.api/", "", "path"},
		{"PrefixWithoutSlash", "https://s3.amazonaws.com/echo.api.evil/cert.pem", "", "path"},
		{"DotDotOut", "https://s3.amazonaws.com/echo.api/../evil/cert.pem", "", "path"},
		{"DeepDotDotOut", "https://s3.amazonaws.com/echo.api/a/../../evil/cert.pem", "", "path"},
		{"EncodedDotDot", "https://s3.amazonaws.com/echo.api/%2E%2E/evil/cert.pem", "", "path"},
		{"EncodedSlash", "https://s3.amazonaws.com/echo.api%2F..%2Fevil/cert.pem", "", "path"},
		{"HTTP", "http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "", "scheme"},
		{"NoScheme", "//s3.amazonaws.com/echo.api/echo-api-cert.pem", "", "scheme"},
		{"Relative", "/echo.api/echo-api-cert.pem", "", "scheme"},
		{"InvalidPort", "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "", "port"},
		{"UserInfo", "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem", "", "user info"},
		{"Query", "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?x=1", "", "query"},
		{"EmptyQuery", "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?", "", "query"},
		{"Fragment", "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#x", "", "fragment"},
		{"Opaque", "https:s3.amazonaws.com/echo.api/echo-api-cert.pem", "", "opaque"},
		{"BadEscape", "https://s3.amazonaws.com/echo.api/%zz", "", "parse"},
		{"ControlCharacter", "https://s3.amazonaws.com/echo.api/\x00", "", "parse"},
		{"Empty", "", "", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := certURL(tc.raw)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("certURL(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("certURL(%q) = %q; want refused", tc.raw, got)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("certURL(%q) error %q; want it to name %q", tc.raw, err, tc.reason)
			}
		})
	}
}
