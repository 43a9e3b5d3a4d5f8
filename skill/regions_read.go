package skill

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
)

// regionsEntry is a tenant's enabled regions as DescribeRegions last said.
type regionsEntry struct {
	regions []string
	until   time.Time
}

// tenantRegions returns the regions to look in: the tenant's list when it has one,
// else the regions enabled in its account (opted in, or needing no opt-in), asked
// once per DefaultRegionsTTL.
func (t reader) tenantRegions(ctx context.Context) ([]string, error) {
	if len(t.tenant.Regions) > 0 {
		return slices.Sorted(slices.Values(t.tenant.Regions)), nil
	}
	h := t.h
	key := t.tenant.ID + "\x00" + t.tenant.RoleARN
	now := h.now()
	h.mu.Lock()
	e, ok := h.regions[key]
	h.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.regions, nil
	}
	ctx, cancel := context.WithTimeout(ctx, h.callTimeout())
	defer cancel()
	regions, err := t.acct.Regions.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.regions == nil {
		h.regions = map[string]regionsEntry{}
	}
	for k, old := range h.regions {
		if !now.Before(old.until) {
			delete(h.regions, k)
		}
	}
	h.regions[key] = regionsEntry{regions: regions, until: now.Add(h.regionsTTL())}
	h.mu.Unlock()
	return regions, nil
}

// regionScope is what a request's region slot asks for.
type regionScope struct {
	regions []string // to look in
	place   string   // the one region's place name, "" for all
}

// scope reads the optional region slot against the tenant's regions. ok false comes
// with the reply to give instead (unknown region, region not used, failure).
func (t reader) scope(ctx context.Context) (regionScope, reply, bool) {
	all, err := t.tenantRegions(ctx)
	if err != nil {
		return regionScope{}, t.failed(ctx, "list regions", err), false
	}
	slot, filled := t.env.Slot("region")
	if !filled {
		return regionScope{regions: all}, reply{}, true
	}
	code := ""
	if v, ok := slot.Resolved(false); ok {
		code = v.ID
	} else if c, ok := regionFromPlace(slot.Value); ok {
		code = c
	} else {
		return regionScope{}, t.answer(t.msg.unknownRegion(slot.Value)), false
	}
	place := placeName(t.msg.lang, code)
	if !slices.Contains(all, code) {
		return regionScope{}, t.answer(t.msg.regionNotUsed(place)), false
	}
	return regionScope{regions: []string{code}, place: place}, reply{}, true
}

// progressAfter is how many regions make the work long enough (about a second or
// more) to say something first.
const progressAfter = 3

// regionFailures sorts the regions that did not answer into those out of time and
// those that failed otherwise. fatal is set when no region answered and they all
// failed the same way that is not about reaching a region (role, permission,
// throttling): then that failure is the answer.
type regionFailures struct {
	timedOut, failed []string
	fatal            error
}

func (t reader) failures(ctx context.Context, what string, answered int, errs map[string]error) regionFailures {
	var f regionFailures
	kinds := map[account.Kind]int{}
	var sample error
	for _, region := range slices.Sorted(maps.Keys(errs)) {
		err := errs[region]
		k := account.Classify(err)
		kinds[k]++
		sample = err
		t.log.WarnContext(ctx, what+" failed in a region", slog.String("region", region), slog.String("error", err.Error()))
		if k == account.Timeout {
			f.timedOut = append(f.timedOut, region)
		} else {
			f.failed = append(f.failed, region)
		}
	}
	if answered == 0 && len(kinds) == 1 && len(errs) > 0 {
		for k := range kinds {
			if k == account.Role || k == account.Denied || k == account.Throttled {
				f.fatal = sample
			}
		}
	}
	return f
}

// speak names the regions that did not answer.
func (f regionFailures) speak(msg *catalog) alexa.SSML {
	places := func(codes []string) []string {
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = placeName(msg.lang, c)
		}
		return out
	}
	var parts []alexa.SSML
	if len(f.timedOut) > 0 {
		parts = append(parts, msg.notReached(places(f.timedOut)))
	}
	if len(f.failed) > 0 {
		parts = append(parts, msg.notRead(places(f.failed)))
	}
	return alexa.Join(parts...)
}
