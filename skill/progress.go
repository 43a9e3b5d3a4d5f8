package skill

import (
	"context"
	"log/slog"

	"github.com/easytocloud/easytocloud/alexa"
)

// progress starts sending s as a progressive response, unless there is no sender
// or no endpoint, and returns a function that waits (no longer than ctx) for the
// send to end. A failed send is logged, never fatal.
func (t *turn) progress(ctx context.Context, s alexa.SSML) (wait func()) {
	sys := t.env.Context.System
	if t.h.Progress == nil || sys.APIEndpoint == "" || sys.APIAccessToken == "" {
		return func() {}
	}
	done := make(chan struct{})
	p := alexa.Progress{Endpoint: sys.APIEndpoint, Token: sys.APIAccessToken, RequestID: t.env.Request.RequestID, SSML: alexa.Speak(s)}
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.log.Error("panic sending progressive response", slog.Any("panic", r))
			}
		}()
		pctx, cancel := context.WithTimeout(ctx, alexa.ProgressTimeout)
		defer cancel()
		if err := t.h.Progress.SendProgress(pctx, p); err != nil {
			t.log.WarnContext(ctx, "progressive response not sent", slog.String("error", err.Error()))
		}
	}()
	return func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
}
