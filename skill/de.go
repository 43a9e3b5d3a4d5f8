package skill

import "time"

var german = catalog{
	lang:      "de",
	cardTitle: "einfach cloud",
	suggests: []string{"liste instanzen", "zeig mir meine instanzen in {region}", "beschreibe kinesis shards", "starte {instance}",
		"authentifiziere per {method}", "authentifiziere {code}", "sperren"},

	welcome:         join(audio(welcomeTune), sayf("Willkommen bei einfach cloud. Du kannst sagen: liste Instanzen, beschreibe Kinesis Shards, oder starte und stoppe eine Instanz mit ihrem Namen. Was möchtest du tun?")),
	welcomeReprompt: sayf("Was möchtest du tun? Sag Hilfe, um zu hören, was ich kann."),
	help: sayf("Du kannst sagen: liste Instanzen, oder zeig mir meine Instanzen in Irland; beschreibe Kinesis Shards; starte oder stoppe eine Instanz mit ihrem Namen, zum Beispiel starte splunk. " +
		"Änderungen brauchen einen Code: sag authentifiziere per Textnachricht, um einen per SMS zu bekommen, oder authentifiziere und den Code deines Tokens. Sag sperren, um deinen Zugriff zu beenden. Was möchtest du tun?"),
	helpReprompt: sayf("Sag liste Instanzen, beschreibe Kinesis Shards, oder starte und den Namen einer Instanz."),
	goodbye:      sayf("Tschüss."),
	fallback:     sayf("Das habe ich leider nicht verstanden. Du kannst sagen: liste Instanzen, beschreibe Kinesis Shards, oder Hilfe."),
	whatElse:     sayf("Was möchtest du noch tun?"),

	linkAccount:    sayf("Um einfach cloud zu nutzen, verknüpfe dein Konto in der Alexa App."),
	keysDown:       sayf("Ich kann dein einfach cloud Konto gerade nicht prüfen. Bitte versuche es in einer Minute noch einmal."),
	apology:        sayf("Entschuldigung, bei mir ist etwas schiefgegangen. Bitte versuche es noch einmal."),
	roleDenied:     sayf("einfach cloud erreicht dein AWS Konto nicht. Bitte deinen Administrator, die einfach cloud Rolle und ihre externe ID zu prüfen."),
	notPermitted:   sayf("Die einfach cloud Rolle in deinem AWS Konto darf das nicht. Bitte deinen Administrator, ihre Berechtigungen zu prüfen."),
	throttled:      sayf("AWS ist gerade ausgelastet. Bitte versuche es gleich noch einmal."),
	unreachableAll: sayf("Ich habe dein AWS Konto nicht rechtzeitig erreicht. Bitte versuche es noch einmal."),
	mfaDown:        sayf("Ich kann deine Authentifizierung gerade nicht prüfen. Bitte versuche es gleich noch einmal."),

	checkingInstances: func(n int) ssml { return sayf("Ich sehe in %s Regionen nach deinen Instanzen.", numberWord("de", n)) },
	checkingStreams: func(n int) ssml {
		return sayf("Ich sehe in %s Regionen nach deinen Kinesis Streams.", numberWord("de", n))
	},
	instancesIntro: sayf("Du hast folgende Instanzen."),
	noInstances: func(place string) ssml {
		if place == "" {
			return sayf("Du hast keine Instanzen.")
		}
		return sayf("Du hast keine Instanzen in %s.", place)
	},
	regionGroup: func(place string, items []ssml) ssml {
		return sayf("In %s: %s.", place, joinSep(items, "; "))
	},
	instanceItem: func(name ssml, state string) ssml { return sayf("%s, %s", name, state) },
	unnamed: func(typ, tail string) ssml {
		return sayf("eine unbenannte %s mit der Endung %s", spokenType(typ), spellOut(tail))
	},
	state: deState,
	summary: func(total, regions int, by []stateCount) ssml {
		return sayf("Du hast %s Instanzen in %s Regionen: %s.", itoa(total), numberWord("de", regions), deCounts(by))
	},
	regionSummary: func(place string, total int, by []stateCount) ssml {
		return sayf("In %s %s Instanzen: %s.", place, itoa(total), deCounts(by))
	},
	firstOf: func(shown, more int) ssml {
		return sayf("Hier sind die ersten %s; %s weitere stehen auf der Karte in der Alexa App.", numberWord("de", shown), itoa(more))
	},
	summaryHint: sayf("Um die Namen zu hören, sag zeig mir meine Instanzen in, und eine Region."),
	notReached: func(places []string) ssml {
		return sayf("%s habe ich nicht rechtzeitig erreicht.", list(texts(places), "und"))
	},
	notRead: func(places []string) ssml {
		return sayf("%s konnte ich nicht lesen.", list(texts(places), "und"))
	},
	unknownRegion: func(spoken string) ssml {
		return sayf("Eine Region namens %s kenne ich nicht. Versuche es mit einer Stadt, zum Beispiel Irland oder Frankfurt.", spoken)
	},
	regionNotUsed: func(place string) ssml {
		return sayf("%s gehört nicht zu den Regionen, in denen einfach cloud in deinem Konto nachsieht.", place)
	},
	noStreams: func(place string) ssml {
		if place == "" {
			return sayf("Du hast keine Kinesis Streams.")
		}
		return sayf("Du hast keine Kinesis Streams in %s.", place)
	},
	oneStream: func(shards int, place, name string) ssml {
		return sayf("Du hast einen Kinesis Stream mit %s in %s, namens %s.", deShards(shards, true), place, name)
	},
	streamsIntro: func(n int) ssml { return sayf("Du hast %s Kinesis Streams.", numberWord("de", n)) },
	streamItem: func(name string, shards int) ssml {
		return sayf("%s, %s", name, deShards(shards, false))
	},

	whichInstance: func(action string) ssml {
		if action == actionStop {
			return sayf("Welche Instanz soll ich stoppen?")
		}
		return sayf("Welche Instanz soll ich starten?")
	},
	notFound: func(spoken string, examples []ssml) ssml {
		if len(examples) == 0 {
			return sayf("Eine Instanz namens %s habe ich nicht gefunden, und auch sonst keine Instanzen.", spoken)
		}
		return sayf("Eine Instanz namens %s habe ich nicht gefunden. Du hast %s.", spoken, list(examples, "und"))
	},
	didYouMean: func(options []ssml) ssml { return sayf("Meinst du %s?", list(options, "oder")) },
	instanceIn: func(name ssml, place string) ssml { return sayf("%s in %s", name, place) },
	notControllable: func(name ssml) ssml {
		return sayf("%s ist nicht für die Sprachsteuerung freigegeben.", name)
	},
	already: func(name ssml, state string) ssml {
		if state == "running" {
			return sayf("%s läuft schon.", name)
		}
		return sayf("%s ist schon %s.", name, deState(state))
	},
	busy: func(name ssml, state string) ssml {
		switch state {
		case "terminated", "shutting-down":
			return sayf("%s wird beendet und kann nicht mehr geändert werden.", name)
		}
		return sayf("%s: %s. Versuche es in einer Minute noch einmal.", name, deState(state))
	},
	done: func(name ssml, action string) ssml {
		if action == actionStop {
			return sayf("Ich habe %s gestoppt.", name)
		}
		return sayf("Ich habe %s gestartet.", name)
	},
	confirmStop: func(name ssml, place string) ssml { return sayf("Soll ich %s in %s stoppen?", name, place) },
	offer: func(action string, name ssml) ssml {
		if action == actionStop {
			return sayf("Soll ich %s jetzt stoppen?", name)
		}
		return sayf("Soll ich %s jetzt starten?", name)
	},
	cancelled: func(action string, name ssml) ssml {
		if action == actionStop {
			return sayf("OK, ich stoppe %s nicht.", name)
		}
		return sayf("OK, ich starte %s nicht.", name)
	},
	needAuth:      sayf("Du musst dich authentifizieren. Sag authentifiziere und den Code deines Tokens, oder sag authentifiziere per Textnachricht."),
	needAuthShort: sayf("Sag authentifiziere und den Code deines Tokens, oder sag authentifiziere per Textnachricht."),

	accessGranted: sayf("Zugriff gewährt."),
	invalidCode: func(n int) ssml {
		if n <= 0 {
			return sayf("Dieser Code ist ungültig.")
		}
		if n == 1 {
			return sayf("Dieser Code ist ungültig; du hast noch einen Versuch.")
		}
		return sayf("Dieser Code ist ungültig; du hast noch %s Versuche.", numberWord("de", n))
	},
	tooManyAttempts: func(d time.Duration) ssml {
		return sayf("Zu viele Versuche; versuche es in %s wieder.", deMinutes(d))
	},
	lockedOut: sayf("Zu viele Fehlversuche; bitte deinen Administrator, dein Konto zu entsperren."),
	tooManyCodes: func(d time.Duration) ssml {
		return sayf("Ich habe zu viele Codes gesendet; versuche es in %s wieder.", deMinutes(d))
	},
	usesToken:     sayf("Dieses Konto nutzt ein Token; sag authentifiziere und die sechs Ziffern, die es anzeigt."),
	codeSent:      sayf("Ich habe dir den Code aufs Handy geschickt. Wenn er ankommt, sag authentifiziere und die sechs Ziffern."),
	noChallenge:   sayf("Es gibt gerade keinen gültigen Code. Sag authentifiziere per Textnachricht, um einen neuen zu bekommen."),
	malformedCode: sayf("Ein Code hat sechs Ziffern. Sag authentifiziere und die sechs Ziffern."),
	noPhone:       sayf("In deinem einfach cloud Konto steht keine Telefonnummer, deshalb kann ich dir keinen Code schicken. Bitte deinen Administrator, eine einzutragen."),
	checkBusy:     sayf("Die Prüfung ist gerade ausgelastet; versuche es gleich noch einmal."),
	authHow:       sayf("Sag authentifiziere und den Code deines Tokens, oder sag authentifiziere per Textnachricht."),
	locked:        sayf("Erledigt. Jede Änderung braucht jetzt einen neuen Code."),
}

func deState(s string) string {
	switch s {
	case "running":
		return "läuft"
	case "stopped":
		return "gestoppt"
	case "pending":
		return "startet gerade"
	case "stopping":
		return "stoppt gerade"
	case "shutting-down":
		return "wird beendet"
	case "terminated":
		return "beendet"
	}
	return s
}

func deCounts(by []stateCount) ssml {
	items := make([]ssml, len(by))
	for i, c := range by {
		items[i] = sayf("%s %s", itoa(c.n), deState(c.state))
	}
	return list(items, "und")
}

// deShards counts shards, after "mit" (dative) or on its own.
func deShards(n int, dative bool) string {
	switch {
	case n == 1 && dative:
		return "einem Shard"
	case n == 1:
		return "ein Shard"
	}
	return numberWord("de", n) + " Shards"
}

func deMinutes(d time.Duration) string {
	if m := minutes(d); m != 1 {
		return numberWord("de", m) + " Minuten"
	}
	return "einer Minute"
}
