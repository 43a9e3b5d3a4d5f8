package localalexa

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// Client answers the one URL a verifier of this identity fetches, CertChainURL, with
// the certificate chain (signing certificate, then CA) from memory, and refuses every
// other request with an error: it never touches the network. Its Do method fits
// sigverify.Verifier's Client field. It is safe for concurrent use.
type Client struct{ chain []byte }

// Client returns the identity's Client.
func (id *Identity) Client() *Client { return &Client{chain: id.chain} }

// Do answers GET CertChainURL with 200 and the PEM chain; any other method or URL is an
// error, so that a verifier pointed at another chain URL fails instead of fetching it.
func (c *Client) Do(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet || r.URL == nil || r.URL.String() != CertChainURL {
		return nil, fmt.Errorf("localalexa: refusing %s %v: only %s is served, from memory", r.Method, r.URL, CertChainURL)
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/x-pem-file"}},
		Body:          io.NopCloser(bytes.NewReader(c.chain)),
		ContentLength: int64(len(c.chain)),
		Request:       r,
	}, nil
}
