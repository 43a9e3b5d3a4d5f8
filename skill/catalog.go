package skill

import (
	"strconv"
	"strings"
	"time"

	"github.com/easytocloud/easytocloud/alexa"
)

// catalog is every sentence the skill says, in one language. en.go and de.go fill
// it; handlers never build user-facing text anywhere else. Values from outside
// (instance, stream and region names) are passed as string arguments and escaped by
// sayf; fragments already in SSML (an unnamed instance's spelled-out ID) as ssml.
type catalog struct {
	lang      string
	cardTitle string
	// suggests are the utterances the sentences below tell the user to say, as
	// samples of the interaction model (a test checks that the model has them).
	suggests []string

	welcome, welcomeReprompt alexa.SSML
	help, helpReprompt       alexa.SSML
	goodbye                  alexa.SSML
	fallback                 alexa.SSML
	whatElse                 alexa.SSML

	// Who is asking, and failures.
	linkAccount    alexa.SSML
	keysDown       alexa.SSML // the token keys could not be loaded: not the user's fault
	suspended      alexa.SSML // the operator suspended the tenant
	notConnected   alexa.SSML // the tenant has no role yet
	apology        alexa.SSML
	roleDenied     alexa.SSML
	notPermitted   alexa.SSML
	throttled      alexa.SSML
	unreachableAll alexa.SSML
	mfaDown        alexa.SSML

	// Reading.
	checkingInstances func(regions int) alexa.SSML
	checkingStreams   func(regions int) alexa.SSML
	instancesIntro    alexa.SSML
	noInstances       func(place string) alexa.SSML // place "" for the whole account
	regionGroup       func(place string, items []alexa.SSML) alexa.SSML
	instanceItem      func(name alexa.SSML, state string) alexa.SSML
	unnamed           func(instanceType string, idTail string) alexa.SSML
	state             func(state string) string
	summary           func(total, regions int, byState []stateCount) alexa.SSML
	regionSummary     func(place string, total int, byState []stateCount) alexa.SSML
	firstOf           func(shown, more int) alexa.SSML
	summaryHint       alexa.SSML
	notReached        func(places []string) alexa.SSML
	notRead           func(places []string) alexa.SSML
	unknownRegion     func(spoken string) alexa.SSML
	regionNotUsed     func(place string) alexa.SSML
	noStreams         func(place string) alexa.SSML
	oneStream         func(shards int, place, name string) alexa.SSML
	streamsIntro      func(n int) alexa.SSML
	streamItem        func(name string, shards int) alexa.SSML

	// Changing.
	whichInstance   func(action string) alexa.SSML
	notFound        func(spoken string, examples []alexa.SSML) alexa.SSML
	didYouMean      func(options []alexa.SSML) alexa.SSML
	instanceIn      func(name alexa.SSML, place string) alexa.SSML
	notControllable func(name alexa.SSML) alexa.SSML
	already         func(name alexa.SSML, state string) alexa.SSML
	busy            func(name alexa.SSML, state string) alexa.SSML
	done            func(name alexa.SSML, action string) alexa.SSML
	confirmStop     func(name alexa.SSML, place string) alexa.SSML
	offer           func(action string, name alexa.SSML) alexa.SSML
	cancelled       func(action string, name alexa.SSML) alexa.SSML
	needAuth        alexa.SSML
	needAuthShort   alexa.SSML

	// Authenticate and lock.
	accessGranted   alexa.SSML
	invalidCode     func(triesLeft int) alexa.SSML
	tooManyAttempts func(wait time.Duration) alexa.SSML
	lockedOut       alexa.SSML // until an administrator unlocks (mfa.ErrLockedOut)
	tooManyCodes    func(wait time.Duration) alexa.SSML
	usesToken       alexa.SSML
	codeSent        alexa.SSML
	noChallenge     alexa.SSML
	malformedCode   alexa.SSML
	noPhone         alexa.SSML
	checkBusy       alexa.SSML
	authHow         alexa.SSML
	locked          alexa.SSML
}

// stateCount is how many instances are in one state.
type stateCount struct {
	state string
	n     int
}

// Actions of a change.
const (
	actionStart = "start"
	actionStop  = "stop"
)

// language returns the catalog language of a locale: "de" for German, else "en".
func language(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "de") {
		return "de"
	}
	return "en"
}

// catalogFor returns the catalog of a locale (English for en-US, en-GB and any
// locale without a catalog of its own).
func catalogFor(locale string) *catalog {
	if language(locale) == "de" {
		return &german
	}
	return &english
}

// minutes rounds a wait up to whole minutes, at least one.
func minutes(d time.Duration) int {
	m := int((d + time.Minute - 1) / time.Minute)
	return max(1, m)
}

// list joins items for speech: "a", "a and b", "a, b and c" (with the language's
// "and" or "or").
func list(items []alexa.SSML, conj string) alexa.SSML {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	var b strings.Builder
	for i, it := range items {
		switch {
		case i == 0:
		case i == len(items)-1:
			b.WriteString(" " + conj + " ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(it))
	}
	return alexa.SSML(b.String())
}

// joinSep joins fragments with sep.
func joinSep(items []alexa.SSML, sep string) alexa.SSML {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(string(it))
	}
	return alexa.SSML(b.String())
}

// spokenType makes an instance type readable: "t3.micro" → "t3 micro".
func spokenType(t string) string {
	if t == "" {
		return "instance"
	}
	return strings.ReplaceAll(t, ".", " ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// texts turns names into escaped fragments.
func texts(names []string) []alexa.SSML {
	out := make([]alexa.SSML, len(names))
	for i, n := range names {
		out[i] = alexa.Sayf("%s", n)
	}
	return out
}
