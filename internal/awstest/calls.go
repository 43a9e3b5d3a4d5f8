package awstest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Calls is an http.RoundTripper that records the IAM action of every SigV4-signed
// request passing through it ("dynamodb:GetItem", "sts:AssumeRole",
// "execute-api:Invoke"), by the access key ID that signed it, so that a test can
// compare what code calls with the actions its role is granted. A DynamoDB
// transaction is recorded as the actions IAM authorizes it by: one per kind of item
// (PutItem, UpdateItem, DeleteItem, ConditionCheckItem; GetItem for reads). Unsigned
// requests pass unrecorded. Safe for concurrent use.
type Calls struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]map[string]bool // access key ID → set of actions
}

// RecordCalls returns a recorder in front of next (http.DefaultTransport when nil).
func RecordCalls(next http.RoundTripper) *Calls {
	if next == nil {
		next = http.DefaultTransport
	}
	return &Calls{next: next, seen: map[string]map[string]bool{}}
}

// Client returns an HTTP client through the recorder, for aws.Config.HTTPClient and
// for SigV4-signing API clients.
func (c *Calls) Client() *http.Client {
	return &http.Client{Transport: c, Timeout: 60 * time.Second}
}

var credentialScope = regexp.MustCompile(`Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request`)

// RoundTrip records the request's action and sends it on.
func (c *Calls) RoundTrip(req *http.Request) (*http.Response, error) {
	m := credentialScope.FindStringSubmatch(req.Header.Get("Authorization"))
	if m == nil {
		return c.next.RoundTrip(req)
	}
	key, service := m[1], m[2]
	var ops []string
	switch target := req.Header.Get("X-Amz-Target"); {
	case service == "execute-api":
		ops = []string{"Invoke"}
	case target != "": // JSON protocols: DynamoDB_20120810.GetItem, TrentService.Sign
		_, op, _ := strings.Cut(target, ".")
		ops = []string{op}
		if op == "TransactWriteItems" || op == "TransactGetItems" {
			body, err := peekBody(req)
			if err != nil {
				return nil, err
			}
			ops = transactionActions(body)
		}
	case req.Body != nil: // query protocols: Action=Publish in the form body
		body, err := peekBody(req)
		if err != nil {
			return nil, err
		}
		form, _ := url.ParseQuery(string(body))
		ops = []string{form.Get("Action")}
	}
	c.mu.Lock()
	if c.seen[key] == nil {
		c.seen[key] = map[string]bool{}
	}
	for _, op := range ops {
		c.seen[key][service+":"+op] = true
	}
	c.mu.Unlock()
	return c.next.RoundTrip(req)
}

// peekBody reads the request's body and puts it back.
func peekBody(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// transactionActions names the item actions of a TransactWriteItems or
// TransactGetItems body.
func transactionActions(body []byte) []string {
	var tx struct{ TransactItems []map[string]json.RawMessage }
	_ = json.Unmarshal(body, &tx)
	action := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
		"ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
	var ops []string
	for _, item := range tx.TransactItems {
		for kind := range item {
			if a, ok := action[kind]; ok && !slices.Contains(ops, a) {
				ops = append(ops, a)
			}
		}
	}
	return ops
}

// Actions returns the sorted actions signed with any of keys, or with any key at all
// when none is given.
func (c *Calls) Actions(keys ...string) []string {
	return c.actions(func(k string) bool { return len(keys) == 0 || slices.Contains(keys, k) })
}

// ActionsExcept returns the sorted actions signed with keys other than those given:
// for instance those made with credentials the code obtained itself.
func (c *Calls) ActionsExcept(keys ...string) []string {
	return c.actions(func(k string) bool { return !slices.Contains(keys, k) })
}

// Keys returns the sorted access key IDs that signed requests.
func (c *Calls) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (c *Calls) actions(match func(key string) bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	set := map[string]bool{}
	for k, acts := range c.seen {
		if match(k) {
			for a := range acts {
				set[a] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
