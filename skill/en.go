package skill

import (
	"time"

	"github.com/easytocloud/easytocloud/alexa"
)

// welcomeTune is a clip from the Alexa Skills Kit sound library.
const welcomeTune = "soundbank://soundlibrary/ui/gameshow/amzn_ui_sfx_gameshow_intro_01"

var english = catalog{
	lang:      "en",
	cardTitle: "easy to cloud",
	suggests: []string{"list instances", "list instances in {region}", "describe kinesis shards", "start {instance}",
		"authenticate {method}", "authenticate {code}", "lock"},

	welcome:         alexa.Join(alexa.Audio(welcomeTune), alexa.Sayf("Welcome to easy to cloud. You can say list instances, describe kinesis shards, or start and stop an instance by name. What would you like to do?")),
	welcomeReprompt: alexa.Sayf("What would you like to do? Say help to hear what I can do."),
	help: alexa.Sayf("You can say list instances, or list instances in Ireland; describe kinesis shards; start or stop an instance by its name, such as start splunk. " +
		"Changes need a code: say authenticate text to get one by text message, or authenticate and the code from your token. Say lock to end your access. What would you like to do?"),
	helpReprompt: alexa.Sayf("Say list instances, describe kinesis shards, or start and the name of an instance."),
	goodbye:      alexa.Sayf("Goodbye."),
	fallback:     alexa.Sayf("Sorry, I didn't get that. You can say list instances, describe kinesis shards, or help."),
	whatElse:     alexa.Sayf("What else would you like to do?"),

	linkAccount:    alexa.Sayf("To use easy to cloud, link your account in the Alexa app."),
	keysDown:       alexa.Sayf("Sorry, I can't check your easy to cloud account right now. Please try again in a minute."),
	suspended:      alexa.Sayf("Your organisation's easy to cloud account is suspended. Contact your administrator."),
	notConnected:   alexa.Sayf("Your organisation has not connected its AWS account yet. An admin can connect it in the easy to cloud console."),
	apology:        alexa.Sayf("Sorry, something went wrong on my side. Please try again."),
	roleDenied:     alexa.Sayf("easy to cloud can't reach your AWS account. Ask your administrator to check the easy to cloud role and its external ID."),
	notPermitted:   alexa.Sayf("The easy to cloud role in your AWS account isn't allowed to do that. Ask your administrator to check its permissions."),
	throttled:      alexa.Sayf("AWS is busy right now. Please try again in a moment."),
	unreachableAll: alexa.Sayf("I couldn't reach your AWS account in time. Please try again."),
	mfaDown:        alexa.Sayf("Sorry, I can't check your authentication right now. Please try again in a moment."),

	checkingInstances: func(n int) alexa.SSML {
		return alexa.Sayf("Checking your instances in %s regions.", numberWord("en", n))
	},
	checkingStreams: func(n int) alexa.SSML {
		return alexa.Sayf("Checking your Kinesis streams in %s regions.", numberWord("en", n))
	},
	instancesIntro: alexa.Sayf("You have the following instances."),
	noInstances: func(place string) alexa.SSML {
		if place == "" {
			return alexa.Sayf("You have no instances.")
		}
		return alexa.Sayf("You have no instances in %s.", place)
	},
	regionGroup: func(place string, items []alexa.SSML) alexa.SSML {
		return alexa.Sayf("In %s: %s.", place, joinSep(items, "; "))
	},
	instanceItem: func(name alexa.SSML, state string) alexa.SSML { return alexa.Sayf("%s, %s", name, state) },
	unnamed: func(typ, tail string) alexa.SSML {
		return alexa.Sayf("an unnamed %s ending in %s", spokenType(typ), alexa.SpellOut(tail))
	},
	state: enState,
	summary: func(total, regions int, by []stateCount) alexa.SSML {
		return alexa.Sayf("You have %s instances in %s regions: %s.", itoa(total), numberWord("en", regions), enCounts(by))
	},
	regionSummary: func(place string, total int, by []stateCount) alexa.SSML {
		return alexa.Sayf("In %s, %s instances: %s.", place, itoa(total), enCounts(by))
	},
	firstOf: func(shown, more int) alexa.SSML {
		return alexa.Sayf("Here are the first %s, and %s more are on the card in the Alexa app.", numberWord("en", shown), itoa(more))
	},
	summaryHint: alexa.Sayf("To hear their names, say list instances in, and a region."),
	notReached: func(places []string) alexa.SSML {
		return alexa.Sayf("I couldn't reach %s in time.", list(texts(places), "or"))
	},
	notRead: func(places []string) alexa.SSML {
		return alexa.Sayf("I couldn't read %s.", list(texts(places), "or"))
	},
	unknownRegion: func(spoken string) alexa.SSML {
		return alexa.Sayf("I don't know a region called %s. Try a city, such as Ireland or Frankfurt.", spoken)
	},
	regionNotUsed: func(place string) alexa.SSML {
		return alexa.Sayf("%s isn't one of the regions easy to cloud looks at in your account.", place)
	},
	noStreams: func(place string) alexa.SSML {
		if place == "" {
			return alexa.Sayf("You have no Kinesis streams.")
		}
		return alexa.Sayf("You have no Kinesis streams in %s.", place)
	},
	oneStream: func(shards int, place, name string) alexa.SSML {
		return alexa.Sayf("You have %s %s shard Kinesis stream in %s, called %s.", enArticle(shards), numberWord("en", shards), place, name)
	},
	streamsIntro: func(n int) alexa.SSML { return alexa.Sayf("You have %s Kinesis streams.", numberWord("en", n)) },
	streamItem: func(name string, shards int) alexa.SSML {
		if shards == 1 {
			return alexa.Sayf("%s, one shard", name)
		}
		return alexa.Sayf("%s, %s shards", name, numberWord("en", shards))
	},

	whichInstance: func(action string) alexa.SSML { return alexa.Sayf("Which instance should I %s?", action) },
	notFound: func(spoken string, examples []alexa.SSML) alexa.SSML {
		if len(examples) == 0 {
			return alexa.Sayf("I couldn't find an instance called %s, and I found no instances at all.", spoken)
		}
		return alexa.Sayf("I couldn't find an instance called %s. You have %s.", spoken, list(examples, "and"))
	},
	didYouMean: func(options []alexa.SSML) alexa.SSML { return alexa.Sayf("Did you mean %s?", list(options, "or")) },
	instanceIn: func(name alexa.SSML, place string) alexa.SSML { return alexa.Sayf("%s in %s", name, place) },
	notControllable: func(name alexa.SSML) alexa.SSML {
		return alexa.Sayf("%s is not enabled for voice control.", name)
	},
	already: func(name alexa.SSML, state string) alexa.SSML {
		return alexa.Sayf("%s is already %s.", name, enState(state))
	},
	busy: func(name alexa.SSML, state string) alexa.SSML {
		switch state {
		case "terminated", "shutting-down":
			return alexa.Sayf("%s is %s, so it can't be changed.", name, enState(state))
		}
		return alexa.Sayf("%s is %s right now; try again in a minute.", name, enState(state))
	},
	done: func(name alexa.SSML, action string) alexa.SSML {
		if action == actionStop {
			return alexa.Sayf("I have stopped %s.", name)
		}
		return alexa.Sayf("I have started %s.", name)
	},
	confirmStop: func(name alexa.SSML, place string) alexa.SSML {
		return alexa.Sayf("Should I stop %s in %s?", name, place)
	},
	offer:         func(action string, name alexa.SSML) alexa.SSML { return alexa.Sayf("Shall I %s %s now?", action, name) },
	cancelled:     func(action string, name alexa.SSML) alexa.SSML { return alexa.Sayf("OK, I won't %s %s.", action, name) },
	needAuth:      alexa.Sayf("You need to authenticate. Say authenticate and the code from your token, or say authenticate text."),
	needAuthShort: alexa.Sayf("Say authenticate and the code from your token, or say authenticate text."),

	accessGranted: alexa.Sayf("Access granted."),
	invalidCode: func(n int) alexa.SSML {
		if n <= 0 {
			return alexa.Sayf("That code is not valid.")
		}
		if n == 1 {
			return alexa.Sayf("That code is not valid; you have one try left.")
		}
		return alexa.Sayf("That code is not valid; you have %s tries left.", numberWord("en", n))
	},
	tooManyAttempts: func(d time.Duration) alexa.SSML {
		return alexa.Sayf("Too many attempts; try again in %s.", enMinutes(d))
	},
	lockedOut: alexa.Sayf("Too many failed attempts; ask your administrator to unlock your account."),
	tooManyCodes: func(d time.Duration) alexa.SSML {
		return alexa.Sayf("I've sent too many codes; try again in %s.", enMinutes(d))
	},
	usesToken:     alexa.Sayf("This account uses a token; say authenticate and the six digits it shows."),
	codeSent:      alexa.Sayf("I've sent the code to your phone. When it arrives, say authenticate and the six digits."),
	noChallenge:   alexa.Sayf("There's no valid code to check. Say authenticate text to get a new one."),
	malformedCode: alexa.Sayf("A code has six digits. Say authenticate and the six digits."),
	noPhone:       alexa.Sayf("There's no phone number on your easy to cloud account, so I can't text you a code. Ask your administrator to add one."),
	checkBusy:     alexa.Sayf("The check is busy; try again in a moment."),
	authHow:       alexa.Sayf("Say authenticate and the code from your token, or say authenticate text."),
	locked:        alexa.Sayf("Done. Any change now needs a new code."),
}

func enCounts(by []stateCount) alexa.SSML {
	items := make([]alexa.SSML, len(by))
	for i, c := range by {
		items[i] = alexa.Sayf("%s %s", itoa(c.n), enState(c.state))
	}
	return list(items, "and")
}

func enMinutes(d time.Duration) string {
	if m := minutes(d); m != 1 {
		return numberWord("en", m) + " minutes"
	}
	return "one minute"
}

func enState(s string) string {
	switch s {
	case "pending":
		return "starting"
	case "shutting-down":
		return "shutting down"
	}
	return s
}
