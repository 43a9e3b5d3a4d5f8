package skill

import (
	"strconv"
	"strings"
	"time"
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

	welcome, welcomeReprompt ssml
	help, helpReprompt       ssml
	goodbye                  ssml
	fallback                 ssml
	whatElse                 ssml

	// Who is asking, and failures.
	linkAccount    ssml
	keysDown       ssml // the token keys could not be loaded: not the user's fault
	apology        ssml
	roleDenied     ssml
	notPermitted   ssml
	throttled      ssml
	unreachableAll ssml
	mfaDown        ssml

	// Reading.
	checkingInstances func(regions int) ssml
	checkingStreams   func(regions int) ssml
	instancesIntro    ssml
	noInstances       func(place string) ssml // place "" for the whole account
	regionGroup       func(place string, items []ssml) ssml
	instanceItem      func(name ssml, state string) ssml
	unnamed           func(instanceType string, idTail string) ssml
	state             func(state string) string
	summary           func(total, regions int, byState []stateCount) ssml
	regionSummary     func(place string, total int, byState []stateCount) ssml
	firstOf           func(shown, more int) ssml
	summaryHint       ssml
	notReached        func(places []string) ssml
	notRead           func(places []string) ssml
	unknownRegion     func(spoken string) ssml
	regionNotUsed     func(place string) ssml
	noStreams         func(place string) ssml
	oneStream         func(shards int, place, name string) ssml
	streamsIntro      func(n int) ssml
	streamItem        func(name string, shards int) ssml

	// Changing.
	whichInstance   func(action string) ssml
	notFound        func(spoken string, examples []ssml) ssml
	didYouMean      func(options []ssml) ssml
	instanceIn      func(name ssml, place string) ssml
	notControllable func(name ssml) ssml
	already         func(name ssml, state string) ssml
	busy            func(name ssml, state string) ssml
	done            func(name ssml, action string) ssml
	confirmStop     func(name ssml, place string) ssml
	offer           func(action string, name ssml) ssml
	cancelled       func(action string, name ssml) ssml
	needAuth        ssml
	needAuthShort   ssml

	// Authenticate and lock.
	accessGranted   ssml
	invalidCode     func(triesLeft int) ssml
	tooManyAttempts func(wait time.Duration) ssml
	lockedOut       ssml // until an administrator unlocks (mfa.ErrLockedOut)
	tooManyCodes    func(wait time.Duration) ssml
	usesToken       ssml
	codeSent        ssml
	noChallenge     ssml
	malformedCode   ssml
	noPhone         ssml
	checkBusy       ssml
	authHow         ssml
	locked          ssml
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
func list(items []ssml, conj string) ssml {
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
	return ssml(b.String())
}

// joinSep joins fragments with sep.
func joinSep(items []ssml, sep string) ssml {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(string(it))
	}
	return ssml(b.String())
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
func texts(names []string) []ssml {
	out := make([]ssml, len(names))
	for i, n := range names {
		out[i] = sayf("%s", n)
	}
	return out
}
