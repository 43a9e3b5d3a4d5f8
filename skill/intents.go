package skill

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
)

// route is how the skill answers one intent, and which slots it reads.
type route struct {
	slots  []string
	handle func(t *turn, ctx context.Context) reply
}

// routes maps the intents of the interaction model to their handlers. The Stop,
// Cancel and NavigateHome intents are answered before the speaker is identified
// (Handler.route); they are listed here for Intents.
var routes = map[string]route{
	"ListInstancesIntent":   {[]string{"region"}, func(t *turn, ctx context.Context) reply { return reader{t}.listInstances(ctx) }},
	"DescribeKinesisIntent": {[]string{"region"}, func(t *turn, ctx context.Context) reply { return reader{t}.describeKinesis(ctx) }},
	"StartInstanceIntent":   {[]string{"instance"}, func(t *turn, ctx context.Context) reply { return t.change(ctx, actionStart) }},
	"StopInstanceIntent":    {[]string{"instance"}, func(t *turn, ctx context.Context) reply { return t.change(ctx, actionStop) }},
	"AuthenticateIntent":    {[]string{"code", "method"}, func(t *turn, ctx context.Context) reply { return authenticating{t}.authenticate(ctx) }},
	"LockIntent":            {nil, func(t *turn, ctx context.Context) reply { return authenticating{t}.lock(ctx) }},
	"AMAZON.HelpIntent": {nil, func(t *turn, _ context.Context) reply {
		return ask(t.msg.help, t.msg.helpReprompt)
	}},
	"AMAZON.FallbackIntent": {nil, func(t *turn, _ context.Context) reply {
		return ask(t.msg.fallback, t.msg.helpReprompt)
	}},
	"AMAZON.StopIntent":         {nil, func(t *turn, _ context.Context) reply { return tell(t.msg.goodbye) }},
	"AMAZON.CancelIntent":       {nil, func(t *turn, _ context.Context) reply { return tell(t.msg.goodbye) }},
	"AMAZON.NavigateHomeIntent": {nil, func(t *turn, _ context.Context) reply { return tell(t.msg.goodbye) }},
}

// Intents returns every request the skill handles: each intent name with the names
// of the slots it reads, and the request types LaunchRequest and
// SessionEndedRequest (with no slots). The interaction models must declare exactly
// these intents and slots (a test in interactionmodel compares them).
func Intents() map[string][]string {
	out := map[string][]string{
		alexa.LaunchRequestType:       nil,
		alexa.SessionEndedRequestType: nil,
	}
	for _, name := range slices.Sorted(maps.Keys(routes)) {
		out[name] = slices.Clone(routes[name].slots)
	}
	return out
}

// isKeysUnavailable reports whether a token could not be checked for want of keys,
// which is no reason to ask the user to link again.
func isKeysUnavailable(err error) bool { return errors.Is(err, accesstoken.ErrKeysUnavailable) }
