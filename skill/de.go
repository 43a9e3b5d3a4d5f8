package skill

import (
	"time"

	"github.com/easytocloud/easytocloud/alexa"
)

var german = catalog{
	lang:      "de",
	cardTitle: "einfach cloud",
	suggests: []string{"liste instanzen", "zeig mir meine instanzen in {region}", "beschreibe kinesis shards", "starte {instance}",
		"authentifiziere per {method}", "authentifiziere {code}", "sperren"},

	welcome:         alexa.Join(alexa.Audio(welcomeTune), alexa.Sayf("Willkommen bei einfach cloud. Du kannst sagen: liste Instanzen, beschreibe Kinesis Shards, oder starte und stoppe eine Instanz mit ihrem Namen. Was möchtest du tun?")),
	welcomeReprompt: alexa.Sayf("Was möchtest du tun? Sag Hilfe, um zu hören, was ich kann."),
	help: alexa.Sayf("Du kannst sagen: liste Instanzen, oder zeig mir meine Instanzen in Irland; beschreibe Kinesis Shards; starte oder stoppe eine Instanz mit ihrem Namen, zum Beispiel starte splunk. " +
		"Änderungen brauchen einen Code: sag authentifiziere per Textnachricht, um einen per SMS zu bekommen, oder authentifiziere und den Code deines Tokens. Sag sperren, um deinen Zugriff zu beenden. Was möchtest du tun?"),
	helpReprompt: alexa.Sayf("Sag liste Instanzen, beschreibe Kinesis Shards, oder starte und den Namen einer Instanz."),
	goodbye:      alexa.Sayf("Tschüss."),
	fallback:     alexa.Sayf("Das habe ich leider nicht verstanden. Du kannst sagen: liste Instanzen, beschreibe Kinesis Shards, oder Hilfe."),
	whatElse:     alexa.Sayf("Was möchtest du noch tun?"),

	linkAccount:    alexa.Sayf("Um einfach cloud zu nutzen, verknüpfe dein Konto in der Alexa App."),
	keysDown:       alexa.Sayf("Ich kann dein einfach cloud Konto gerade nicht prüfen. Bitte versuche es in einer Minute noch einmal."),
	suspended:      alexa.Sayf("Das einfach cloud Konto deiner Organisation ist gesperrt. Wende dich an deinen Administrator."),
	notConnected:   alexa.Sayf("Deine Organisation hat ihr AWS Konto noch nicht verbunden. Ein Admin kann es in der einfach cloud Konsole verbinden."),
	apology:        alexa.Sayf("Entschuldigung, bei mir ist etwas schiefgegangen. Bitte versuche es noch einmal."),
	roleDenied:     alexa.Sayf("einfach cloud erreicht dein AWS Konto nicht. Bitte deinen Administrator, die einfach cloud Rolle und ihre externe ID zu prüfen."),
	notPermitted:   alexa.Sayf("Die einfach cloud Rolle in deinem AWS Konto darf das nicht. Bitte deinen Administrator, ihre Berechtigungen zu prüfen."),
	throttled:      alexa.Sayf("AWS ist gerade ausgelastet. Bitte versuche es gleich noch einmal."),
	unreachableAll: alexa.Sayf("Ich habe dein AWS Konto nicht rechtzeitig erreicht. Bitte versuche es noch einmal."),
	mfaDown:        alexa.Sayf("Ich kann deine Authentifizierung gerade nicht prüfen. Bitte versuche es gleich noch einmal."),

	checkingInstances: func(n int) alexa.SSML {
		return alexa.Sayf("Ich sehe in %s Regionen nach deinen Instanzen.", numberWord("de", n))
	},
	checkingStreams: func(n int) alexa.SSML {
		return alexa.Sayf("Ich sehe in %s Regionen nach deinen Kinesis Streams.", numberWord("de", n))
	},
	instancesIntro: alexa.Sayf("Du hast folgende Instanzen."),
	noInstances: func(place string) alexa.SSML {
		if place == "" {
			return alexa.Sayf("Du hast keine Instanzen.")
		}
		return alexa.Sayf("Du hast keine Instanzen in %s.", place)
	},
	regionGroup: func(place string, items []alexa.SSML) alexa.SSML {
		return alexa.Sayf("In %s: %s.", place, joinSep(items, "; "))
	},
	instanceItem: func(name alexa.SSML, state string) alexa.SSML { return alexa.Sayf("%s, %s", name, state) },
	unnamed: func(typ, tail string) alexa.SSML {
		return alexa.Sayf("eine unbenannte %s mit der Endung %s", spokenType(typ), alexa.SpellOut(tail))
	},
	state: deState,
	summary: func(total, regions int, by []stateCount) alexa.SSML {
		return alexa.Sayf("Du hast %s Instanzen in %s Regionen: %s.", itoa(total), numberWord("de", regions), deCounts(by))
	},
	regionSummary: func(place string, total int, by []stateCount) alexa.SSML {
		return alexa.Sayf("In %s %s Instanzen: %s.", place, itoa(total), deCounts(by))
	},
	firstOf: func(shown, more int) alexa.SSML {
		return alexa.Sayf("Hier sind die ersten %s; %s weitere stehen auf der Karte in der Alexa App.", numberWord("de", shown), itoa(more))
	},
	summaryHint: alexa.Sayf("Um die Namen zu hören, sag zeig mir meine Instanzen in, und eine Region."),
	notReached: func(places []string) alexa.SSML {
		return alexa.Sayf("%s habe ich nicht rechtzeitig erreicht.", list(texts(places), "und"))
	},
	notRead: func(places []string) alexa.SSML {
		return alexa.Sayf("%s konnte ich nicht lesen.", list(texts(places), "und"))
	},
	unknownRegion: func(spoken string) alexa.SSML {
		return alexa.Sayf("Eine Region namens %s kenne ich nicht. Versuche es mit einer Stadt, zum Beispiel Irland oder Frankfurt.", spoken)
	},
	regionNotUsed: func(place string) alexa.SSML {
		return alexa.Sayf("%s gehört nicht zu den Regionen, in denen einfach cloud in deinem Konto nachsieht.", place)
	},
	noStreams: func(place string) alexa.SSML {
		if place == "" {
			return alexa.Sayf("Du hast keine Kinesis Streams.")
		}
		return alexa.Sayf("Du hast keine Kinesis Streams in %s.", place)
	},
	oneStream: func(shards int, place, name string) alexa.SSML {
		return alexa.Sayf("Du hast einen Kinesis Stream mit %s in %s, namens %s.", deShards(shards, true), place, name)
	},
	streamsIntro: func(n int) alexa.SSML { return alexa.Sayf("Du hast %s Kinesis Streams.", numberWord("de", n)) },
	streamItem: func(name string, shards int) alexa.SSML {
		return alexa.Sayf("%s, %s", name, deShards(shards, false))
	},

	whichInstance: func(action string) alexa.SSML {
		if action == actionStop {
			return alexa.Sayf("Welche Instanz soll ich stoppen?")
		}
		return alexa.Sayf("Welche Instanz soll ich starten?")
	},
	notFound: func(spoken string, examples []alexa.SSML) alexa.SSML {
		if len(examples) == 0 {
			return alexa.Sayf("Eine Instanz namens %s habe ich nicht gefunden, und auch sonst keine Instanzen.", spoken)
		}
		return alexa.Sayf("Eine Instanz namens %s habe ich nicht gefunden. Du hast %s.", spoken, list(examples, "und"))
	},
	didYouMean: func(options []alexa.SSML) alexa.SSML { return alexa.Sayf("Meinst du %s?", list(options, "oder")) },
	instanceIn: func(name alexa.SSML, place string) alexa.SSML { return alexa.Sayf("%s in %s", name, place) },
	notControllable: func(name alexa.SSML) alexa.SSML {
		return alexa.Sayf("%s ist nicht für die Sprachsteuerung freigegeben.", name)
	},
	already: func(name alexa.SSML, state string) alexa.SSML {
		if state == "running" {
			return alexa.Sayf("%s läuft schon.", name)
		}
		return alexa.Sayf("%s ist schon %s.", name, deState(state))
	},
	busy: func(name alexa.SSML, state string) alexa.SSML {
		switch state {
		case "terminated", "shutting-down":
			return alexa.Sayf("%s wird beendet und kann nicht mehr geändert werden.", name)
		}
		return alexa.Sayf("%s: %s. Versuche es in einer Minute noch einmal.", name, deState(state))
	},
	done: func(name alexa.SSML, action string) alexa.SSML {
		if action == actionStop {
			return alexa.Sayf("Ich habe %s gestoppt.", name)
		}
		return alexa.Sayf("Ich habe %s gestartet.", name)
	},
	confirmStop: func(name alexa.SSML, place string) alexa.SSML {
		return alexa.Sayf("Soll ich %s in %s stoppen?", name, place)
	},
	offer: func(action string, name alexa.SSML) alexa.SSML {
		if action == actionStop {
			return alexa.Sayf("Soll ich %s jetzt stoppen?", name)
		}
		return alexa.Sayf("Soll ich %s jetzt starten?", name)
	},
	cancelled: func(action string, name alexa.SSML) alexa.SSML {
		if action == actionStop {
			return alexa.Sayf("OK, ich stoppe %s nicht.", name)
		}
		return alexa.Sayf("OK, ich starte %s nicht.", name)
	},
	needAuth:      alexa.Sayf("Du musst dich authentifizieren. Sag authentifiziere und den Code deines Tokens, oder sag authentifiziere per Textnachricht."),
	needAuthShort: alexa.Sayf("Sag authentifiziere und den Code deines Tokens, oder sag authentifiziere per Textnachricht."),

	accessGranted: alexa.Sayf("Zugriff gewährt."),
	invalidCode: func(n int) alexa.SSML {
		if n <= 0 {
			return alexa.Sayf("Dieser Code ist ungültig.")
		}
		if n == 1 {
			return alexa.Sayf("Dieser Code ist ungültig; du hast noch einen Versuch.")
		}
		return alexa.Sayf("Dieser Code ist ungültig; du hast noch %s Versuche.", numberWord("de", n))
	},
	tooManyAttempts: func(d time.Duration) alexa.SSML {
		return alexa.Sayf("Zu viele Versuche; versuche es in %s wieder.", deMinutes(d))
	},
	lockedOut: alexa.Sayf("Zu viele Fehlversuche; bitte deinen Administrator, dein Konto zu entsperren."),
	tooManyCodes: func(d time.Duration) alexa.SSML {
		return alexa.Sayf("Ich habe zu viele Codes gesendet; versuche es in %s wieder.", deMinutes(d))
	},
	usesToken:     alexa.Sayf("Dieses Konto nutzt ein Token; sag authentifiziere und die sechs Ziffern, die es anzeigt."),
	codeSent:      alexa.Sayf("Ich habe dir den Code aufs Handy geschickt. Wenn er ankommt, sag authentifiziere und die sechs Ziffern."),
	noChallenge:   alexa.Sayf("Es gibt gerade keinen gültigen Code. Sag authentifiziere per Textnachricht, um einen neuen zu bekommen."),
	malformedCode: alexa.Sayf("Ein Code hat sechs Ziffern. Sag authentifiziere und die sechs Ziffern."),
	noPhone:       alexa.Sayf("In deinem einfach cloud Konto steht keine Telefonnummer, deshalb kann ich dir keinen Code schicken. Bitte deinen Administrator, eine einzutragen."),
	checkBusy:     alexa.Sayf("Die Prüfung ist gerade ausgelastet; versuche es gleich noch einmal."),
	authHow:       alexa.Sayf("Sag authentifiziere und den Code deines Tokens, oder sag authentifiziere per Textnachricht."),
	locked:        alexa.Sayf("Erledigt. Jede Änderung braucht jetzt einen neuen Code."),
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

func deCounts(by []stateCount) alexa.SSML {
	items := make([]alexa.SSML, len(by))
	for i, c := range by {
		items[i] = alexa.Sayf("%s %s", itoa(c.n), deState(c.state))
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
