package mfa

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// The fakes of the tests: STS, whose codes the emulator does not check, and an SNS
// that keeps what it was asked to send.

// stsCall is one GetSessionToken the Service made.
type stsCall struct {
	Creds  aws.Credentials
	Serial string
	Code   string
}

// fakeSTS is the STSFactory of the tests. It records every call with the credentials
// the client was built with and then answers with Fn, or, when Fn is nil, sends the
// call to the emulator (which accepts any code).
type fakeSTS struct {
	mu    sync.Mutex
	calls []stsCall
	Fn    func(code string) error
	real  STSFactory
}

type fakeSTSClient struct {
	f     *fakeSTS
	creds aws.Credentials
}

func (f *fakeSTS) factory(creds aws.Credentials) SessionTokenAPI { return fakeSTSClient{f, creds} }

func (c fakeSTSClient) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, opts ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	c.f.mu.Lock()
	c.f.calls = append(c.f.calls, stsCall{c.creds, aws.ToString(in.SerialNumber), aws.ToString(in.TokenCode)})
	fn := c.f.Fn
	c.f.mu.Unlock()
	if fn != nil {
		if err := fn(aws.ToString(in.TokenCode)); err != nil {
			return nil, err
		}
		return &sts.GetSessionTokenOutput{}, nil
	}
	return c.f.real(c.creds).GetSessionToken(ctx, in, opts...)
}

func (f *fakeSTS) Calls() []stsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]stsCall(nil), f.calls...)
}

func (f *fakeSTS) SetFn(fn func(code string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Fn = fn
}

// What STS answers for a wrong or reused code, and when it throttles.
var (
	errAccessDenied = &smithy.GenericAPIError{Code: "AccessDenied", Message: "MultiFactorAuthentication failed with invalid MFA one time pass code."}
	errThrottling   = &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
)

func denyAll(string) error     { return errAccessDenied }
func throttleAll(string) error { return errThrottling }

// recordingSNS keeps every PublishInput (the emulator keeps only phone and text) and
// sends it on to the emulator.
type recordingSNS struct {
	next SNS
	mu   sync.Mutex
	ins  []*sns.PublishInput
}

func (r *recordingSNS) Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error) {
	r.mu.Lock()
	r.ins = append(r.ins, in)
	r.mu.Unlock()
	return r.next.Publish(ctx, in, opts...)
}

func (r *recordingSNS) Inputs() []*sns.PublishInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*sns.PublishInput(nil), r.ins...)
}
