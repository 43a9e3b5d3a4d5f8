package faults_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/faults"
)

// TestConfig: a client built from Transport.Config sends its requests through the
// Transport and retries an injected fault, and the base config is left as it was.
func TestConfig(t *testing.T) {
	ft := faults.New(nil)
	base := awstest.Config(t)
	cfg := ft.Config(base)
	if hc, ok := cfg.HTTPClient.(*http.Client); !ok || hc.Transport != ft {
		t.Fatalf("HTTPClient = %#v, want an *http.Client over the Transport", cfg.HTTPClient)
	}
	if base.HTTPClient == cfg.HTTPClient {
		t.Error("Config changed the base config's HTTP client")
	}
	ft.Add(faults.Rule{Service: "sts", Action: "GetCallerIdentity", Kind: faults.ServerError, Times: 1})
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity after one injected server error: %v, want the retry to succeed", err)
	}
	if got := ft.Injected("sts", "GetCallerIdentity"); got != 1 {
		t.Errorf("Injected = %d, want 1", got)
	}
	if got := ft.Calls("sts", "GetCallerIdentity"); got != 2 {
		t.Errorf("Calls = %d, want 2 (the fault and the retry)", got)
	}
}
