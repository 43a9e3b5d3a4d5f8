package skill

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
)

// describeKinesis answers DescribeKinesisIntent: the streams with their open shard
// counts, by region ("You have a four shard Kinesis stream in Ireland, called
// clickstream").
func (t reader) describeKinesis(ctx context.Context) reply {
	sc, r, ok := t.scope(ctx)
	if !ok {
		return r
	}
	wait := func() {}
	if len(sc.regions) >= progressAfter {
		wait = t.progress(ctx, t.msg.checkingStreams(len(sc.regions)))
	}
	vals, errs := account.EachRegion(ctx, sc.regions, t.h.callTimeout(), t.log, t.acct.Streams.List)
	wait()
	fails := t.failures(ctx, "list streams", len(vals), errs)
	if fails.fatal != nil {
		return t.failed(ctx, "list streams", fails.fatal)
	}
	missing := fails.speak(t.msg)
	if len(vals) == 0 && len(errs) > 0 {
		return t.answer(missing)
	}
	var all []account.Stream
	for _, region := range sc.regions {
		all = append(all, vals[region]...)
	}
	msg := t.msg
	place := func(s account.Stream) string { return placeName(msg.lang, s.Region) }
	slices.SortFunc(all, func(a, b account.Stream) int {
		return cmp.Or(cmp.Compare(place(a), place(b)), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)))
	})
	var speech alexa.SSML
	switch len(all) {
	case 0:
		speech = msg.noStreams(sc.place)
	case 1:
		speech = msg.oneStream(all[0].OpenShards, place(all[0]), all[0].Name)
	default:
		parts := []alexa.SSML{msg.streamsIntro(len(all))}
		for i := 0; i < len(all); {
			j := i
			var items []alexa.SSML
			for ; j < len(all) && all[j].Region == all[i].Region; j++ {
				items = append(items, msg.streamItem(all[j].Name, all[j].OpenShards))
			}
			parts = append(parts, msg.regionGroup(place(all[i]), items))
			i = j
		}
		speech = alexa.Join(parts...)
	}
	return t.answer(alexa.Join(speech, missing)).withCard(msg.cardTitle, "")
}
