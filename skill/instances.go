package skill

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
)

const (
	// maxListed is how many instances are read out by name; more are summarised.
	maxListed = 20
	// maxEntities bounds the dynamic entities sent to Alexa.
	maxEntities = 100
)

// spoken is how an instance is named in speech: its Name tag, or its type and the
// last characters of its ID.
func spoken(msg *catalog, in account.Instance) alexa.SSML {
	if in.Name != "" {
		return alexa.Sayf("%s", in.Name)
	}
	return msg.unnamed(in.Type, idTail(in.ID))
}

// idTail is the last four characters of an instance ID.
func idTail(id string) string {
	id = strings.TrimPrefix(id, "i-")
	if len(id) > 4 {
		return id[len(id)-4:]
	}
	return id
}

// sortInstances orders by name (unnamed last, by ID), then region.
func sortInstances(all []account.Instance) {
	slices.SortFunc(all, func(a, b account.Instance) int {
		if (a.Name == "") != (b.Name == "") {
			if a.Name == "" {
				return 1
			}
			return -1
		}
		if c := compareFold(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.ID, b.ID))
	})
}

// compareFold is cmp.Compare(strings.ToLower(a), strings.ToLower(b)) without
// lower-casing whole strings on every comparison of a sort: ASCII is compared byte
// by byte, and only a rest that is not ASCII is lower-cased.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// reader is the reading intents of a turn: instances, streams and the regions to
// look in.
type reader struct{ *turn }

// readInstances lists the instances of all regions at once, saying first that it
// is looking when there are many regions.
func (t reader) readInstances(ctx context.Context, regions []string) ([]account.Instance, regionFailures) {
	wait := func() {}
	if len(regions) >= progressAfter {
		wait = t.progress(ctx, t.msg.checkingInstances(len(regions)))
	}
	vals, errs := account.EachRegion(ctx, regions, t.h.callTimeout(), t.log, t.acct.Instances.List)
	wait()
	var all []account.Instance
	for _, region := range regions {
		all = append(all, vals[region]...)
	}
	return all, t.failures(ctx, "list instances", len(vals), errs)
}

// listInstances answers ListInstancesIntent: the instances by region with their
// state, summarised when there are many, naming regions that did not answer.
func (t reader) listInstances(ctx context.Context) reply {
	sc, r, ok := t.scope(ctx)
	if !ok {
		return r
	}
	all, fails := t.readInstances(ctx, sc.regions)
	if fails.fatal != nil {
		return t.failed(ctx, "list instances", fails.fatal)
	}
	missing := fails.speak(t.msg)
	if len(all) == 0 && len(sc.regions) > 0 && len(fails.timedOut)+len(fails.failed) == len(sc.regions) {
		return t.answer(missing)
	}
	speech, card := t.describeInstances(all, sc)
	r = t.answer(alexa.Join(speech, missing)).withCard(t.msg.cardTitle, card)
	if d, ok := instanceEntities(all); ok {
		r.directives = append(r.directives, d)
	}
	return r
}

// describeInstances says which instances there are, by region. Up to maxListed are
// named; more are counted by region and state, and the card lists them all.
func (t reader) describeInstances(all []account.Instance, sc regionScope) (alexa.SSML, string) {
	msg := t.msg
	if len(all) == 0 {
		return msg.noInstances(sc.place), ""
	}
	byRegion := map[string][]account.Instance{}
	for _, in := range all {
		byRegion[in.Region] = append(byRegion[in.Region], in)
	}
	regions := slices.SortedFunc(maps.Keys(byRegion), func(a, b string) int {
		return cmp.Compare(placeName(msg.lang, a), placeName(msg.lang, b))
	})
	group := func(region string, ins []account.Instance) alexa.SSML {
		items := make([]alexa.SSML, len(ins))
		for i, in := range ins {
			items[i] = msg.instanceItem(spoken(msg, in), msg.state(in.State))
		}
		return msg.regionGroup(placeName(msg.lang, region), items)
	}
	var card strings.Builder
	for _, region := range regions {
		ins := byRegion[region]
		sortInstances(ins)
		card.WriteString(placeName(msg.lang, region))
		card.WriteString(":\n")
		for _, in := range ins {
			if in.Name == "" {
				writeAll(&card, "  (", in.Type, ")")
			} else {
				writeAll(&card, "  ", in.Name)
			}
			writeAll(&card, ", ", msg.state(in.State), " (", in.ID, ")\n")
		}
	}
	switch {
	case len(all) <= maxListed:
		parts := []alexa.SSML{msg.instancesIntro}
		for _, region := range regions {
			parts = append(parts, group(region, byRegion[region]))
		}
		return alexa.Join(parts...), card.String()
	case sc.place != "":
		ins := byRegion[regions[0]]
		return alexa.Join(msg.regionSummary(sc.place, len(ins), countStates(ins)),
			msg.firstOf(maxListed, len(ins)-maxListed), group(regions[0], ins[:maxListed])), card.String()
	default:
		parts := []alexa.SSML{msg.summary(len(all), len(regions), countStates(all))}
		for _, region := range regions {
			parts = append(parts, msg.regionSummary(placeName(msg.lang, region), len(byRegion[region]), countStates(byRegion[region])))
		}
		return alexa.Join(append(parts, msg.summaryHint)...), card.String()
	}
}

func writeAll(b *strings.Builder, parts ...string) {
	for _, p := range parts {
		b.WriteString(p)
	}
}

// stateOrder is the order states are counted in.
var stateOrder = []string{"running", "stopped", "pending", "stopping", "shutting-down"}

func countStates(ins []account.Instance) []stateCount {
	n := map[string]int{}
	for _, in := range ins {
		n[in.State]++
	}
	var out []stateCount
	for _, s := range stateOrder {
		if n[s] > 0 {
			out = append(out, stateCount{s, n[s]})
		}
	}
	return out
}

// instanceEntities teaches Alexa the tenant's instance names (Dialog.UpdateDynamicEntities
// on INSTANCE_NAME), so that "start web one" resolves to the instance web-1. The id
// is the instance ID; synonyms spell the name the way it is said.
func instanceEntities(all []account.Instance) (alexa.Directive, bool) {
	var values []alexa.EntityValue
	sorted := slices.Clone(all)
	sortInstances(sorted)
	for _, in := range sorted {
		if in.Name == "" || len(values) == maxEntities {
			continue
		}
		v := alexa.EntityValue{ID: in.ID, Name: alexa.EntityName{Value: in.Name}}
		for _, syn := range []string{strings.Join(nameWords(in.Name), " "), strings.Join(spokenNumbers(nameTokens(in.Name)), " ")} {
			if syn != "" && syn != in.Name && !slices.Contains(v.Name.Synonyms, syn) {
				v.Name.Synonyms = append(v.Name.Synonyms, syn)
			}
		}
		values = append(values, v)
	}
	if len(values) == 0 {
		return alexa.Directive{}, false
	}
	return alexa.Directive{Type: alexa.DirectiveUpdateDynamicEntities, UpdateBehavior: alexa.UpdateReplace,
		Types: []alexa.DynamicEntity{{Name: "INSTANCE_NAME", Values: values}}}, true
}

// nameWords splits a name into its words, punctuation dropped ("web-1" → web, 1).
func nameWords(name string) []string {
	return strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
}

// spokenNumbers says the numbers among tokens as English words ("1" → "one"); a
// number written with a leading zero ("01") stays as it is.
func spokenNumbers(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		out[i] = tok
		if !isDecimal(tok) {
			continue // most tokens are words: no parse, no error value
		}
		if n, err := strconv.Atoi(tok); err == nil && strconv.Itoa(n) == tok {
			out[i] = numberWord("en", n)
		}
	}
	return out
}

// isDecimal reports whether s is a non-empty run of ASCII digits.
func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
