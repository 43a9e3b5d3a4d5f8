package skill

import "time"

// welcomeTune is a clip from the Alexa Skills Kit sound library.
const welcomeTune = "soundbank://soundlibrary/ui/gameshow/amzn_ui_sfx_gameshow_intro_01"

var english = catalog{
	lang:      "en",
	cardTitle: "easy to cloud",
	suggests: []string{"list instances", "list instances in {region}", "describe kinesis shards", "start {instance}",
		"authenticate {method}", "authenticate {code}", "lock"},

	welcome:         join(audio(welcomeTune), sayf("Welcome to easy to cloud. You can say list instances, describe kinesis shards, or start and stop an instance by name. What would you like to do?")),
	welcomeReprompt: sayf("What would you like to do? Say help to hear what I can do."),
	help: sayf("You can say list instances, or list instances in Ireland; describe kinesis shards; start or stop an instance by its name, such as start splunk. " +
		"Changes need a code: say authenticate text to get one by text message, or authenticate and the code from your token. Say lock to end your access. What would you like to do?"),
	helpReprompt: sayf("Say list instances, describe kinesis shards, or start and the name of an instance."),
	goodbye:      sayf("Goodbye."),
	fallback:     sayf("Sorry, I didn't get that. You can say list instances, describe kinesis shards, or help."),
	whatElse:     sayf("What else would you like to do?"),

	linkAccount:    sayf("To use easy to cloud, link your account in the Alexa app."),
	keysDown:       sayf("Sorry, I can't check your easy to cloud account right now. Please try again in a minute."),
	apology:        sayf("Sorry, something went wrong on my side. Please try again."),
	roleDenied:     sayf("easy to cloud can't reach your AWS account. Ask your administrator to check the easy to cloud role and its external ID."),
	notPermitted:   sayf("The easy to cloud role in your AWS account isn't allowed to do that. Ask your administrator to check its permissions."),
	throttled:      sayf("AWS is busy right now. Please try again in a moment."),
	unreachableAll: sayf("I couldn't reach your AWS account in time. Please try again."),
	mfaDown:        sayf("Sorry, I can't check your authentication right now. Please try again in a moment."),

	checkingInstances: func(n int) ssml { return sayf("Checking your instances in %s regions.", numberWord("en", n)) },
	checkingStreams:   func(n int) ssml { return sayf("Checking your Kinesis streams in %s regions.", numberWord("en", n)) },
	instancesIntro:    sayf("You have the following instances."),
	noInstances: func(place string) ssml {
		if place == "" {
			return sayf("You have no instances.")
		}
		return sayf("You have no instances in %s.", place)
	},
	regionGroup: func(place string, items []ssml) ssml {
		return sayf("In %s: %s.", place, joinSep(items, "; "))
	},
	instanceItem: func(name ssml, state string) ssml { return sayf("%s, %s", name, state) },
	unnamed: func(typ, tail string) ssml {
		return sayf("an unnamed %s ending in %s", spokenType(typ), spellOut(tail))
	},
	state: enState,
	summary: func(total, regions int, by []stateCount) ssml {
		return sayf("You have %s instances in %s regions: %s.", itoa(total), numberWord("en", regions), enCounts(by))
	},
	regionSummary: func(place string, total int, by []stateCount) ssml {
		return sayf("In %s, %s instances: %s.", place, itoa(total), enCounts(by))
	},
	firstOf: func(shown, more int) ssml {
		return sayf("Here are the first %s, and %s more are on the card in the Alexa app.", numberWord("en", shown), itoa(more))
	},
	summaryHint: sayf("To hear their names, say list instances in, and a region."),
	notReached: func(places []string) ssml {
		return sayf("I couldn't reach %s in time.", list(texts(places), "or"))
	},
	notRead: func(places []string) ssml {
		return sayf("I couldn't read %s.", list(texts(places), "or"))
	},
	unknownRegion: func(spoken string) ssml {
		return sayf("I don't know a region called %s. Try a city, such as Ireland or Frankfurt.", spoken)
	},
	regionNotUsed: func(place string) ssml {
		return sayf("%s isn't one of the regions easy to cloud looks at in your account.", place)
	},
	noStreams: func(place string) ssml {
		if place == "" {
			return sayf("You have no Kinesis streams.")
		}
		return sayf("You have no Kinesis streams in %s.", place)
	},
	oneStream: func(shards int, place, name string) ssml {
		return sayf("You have %s %s shard Kinesis stream in %s, called %s.", enArticle(shards), numberWord("en", shards), place, name)
	},
	streamsIntro: func(n int) ssml { return sayf("You have %s Kinesis streams.", numberWord("en", n)) },
	streamItem: func(name string, shards int) ssml {
		if shards == 1 {
			return sayf("%s, one shard", name)
		}
		return sayf("%s, %s shards", name, numberWord("en", shards))
	},

	whichInstance: func(action string) ssml { return sayf("Which instance should I %s?", action) },
	notFound: func(spoken string, examples []ssml) ssml {
		if len(examples) == 0 {
			return sayf("I couldn't find an instance called %s, and I found no instances at all.", spoken)
		}
		return sayf("I couldn't find an instance called %s. You have %s.", spoken, list(examples, "and"))
	},
	didYouMean: func(options []ssml) ssml { return sayf("Did you mean %s?", list(options, "or")) },
	instanceIn: func(name ssml, place string) ssml { return sayf("%s in %s", name, place) },
	notControllable: func(name ssml) ssml {
		return sayf("%s is not enabled for voice control.", name)
	},
	already: func(name ssml, state string) ssml { return sayf("%s is already %s.", name, enState(state)) },
	busy: func(name ssml, state string) ssml {
		switch state {
		case "terminated", "shutting-down":
			return sayf("%s is %s, so it can't be changed.", name, enState(state))
		}
		return sayf("%s is %s right now; try again in a minute.", name, enState(state))
	},
	done: func(name ssml, action string) ssml {
		if action == actionStop {
			return sayf("I have stopped %s.", name)
		}
		return sayf("I have started %s.", name)
	},
	confirmStop:   func(name ssml, place string) ssml { return sayf("Should I stop %s in %s?", name, place) },
	offer:         func(action string, name ssml) ssml { return sayf("Shall I %s %s now?", action, name) },
	cancelled:     func(action string, name ssml) ssml { return sayf("OK, I won't %s %s.", action, name) },
	needAuth:      sayf("You need to authenticate. Say authenticate and the code from your token, or say authenticate text."),
	needAuthShort: sayf("Say authenticate and the code from your token, or say authenticate text."),

	accessGranted: sayf("Access granted."),
	invalidCode: func(n int) ssml {
		if n <= 0 {
			return sayf("That code is not valid.")
		}
		if n == 1 {
			return sayf("That code is not valid; you have one try left.")
		}
		return sayf("That code is not valid; you have %s tries left.", numberWord("en", n))
	},
	tooManyAttempts: func(d time.Duration) ssml {
		return sayf("Too many attempts; try again in %s.", enMinutes(d))
	},
	lockedOut: sayf("Too many failed attempts; ask your administrator to unlock your account."),
	tooManyCodes: func(d time.Duration) ssml {
		return sayf("I've sent too many codes; try again in %s.", enMinutes(d))
	},
	usesToken:     sayf("This account uses a token; say authenticate and the six digits it shows."),
	codeSent:      sayf("I've sent the code to your phone. When it arrives, say authenticate and the six digits."),
	noChallenge:   sayf("There's no valid code to check. Say authenticate text to get a new one."),
	malformedCode: sayf("A code has six digits. Say authenticate and the six digits."),
	noPhone:       sayf("There's no phone number on your easy to cloud account, so I can't text you a code. Ask your administrator to add one."),
	checkBusy:     sayf("The check is busy; try again in a moment."),
	authHow:       sayf("Say authenticate and the code from your token, or say authenticate text."),
	locked:        sayf("Done. Any change now needs a new code."),
}

func enCounts(by []stateCount) ssml {
	items := make([]ssml, len(by))
	for i, c := range by {
		items[i] = sayf("%s %s", itoa(c.n), enState(c.state))
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
