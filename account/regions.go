package account

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// EachRegion runs fn in every region at once, each under timeout, and gathers what
// arrives before ctx ends: the values and the errors by region. A region whose
// answer is still out when ctx ends is reported with ctx's error. It does not wait
// for stragglers: their calls are cancelled with ctx. A panic in fn is logged to log
// and reported as that region's error.
func EachRegion[T any](ctx context.Context, regions []string, timeout time.Duration, log *slog.Logger, fn func(ctx context.Context, region string) (T, error)) (map[string]T, map[string]error) {
	type result struct {
		region string
		val    T
		err    error
	}
	ch := make(chan result, len(regions))
	for _, region := range regions {
		go func() {
			defer func() {
				if p := recover(); p != nil {
					log.Error("panic reading a region", slog.String("region", region), slog.Any("panic", p))
					ch <- result{region: region, err: fmt.Errorf("panic: %v", p)}
				}
			}()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			v, err := fn(cctx, region)
			ch <- result{region, v, err}
		}()
	}
	vals, errs := map[string]T{}, map[string]error{}
	for range regions {
		select {
		case r := <-ch:
			if r.err != nil {
				errs[r.region] = r.err
			} else {
				vals[r.region] = r.val
			}
		case <-ctx.Done():
			for _, region := range regions {
				_, done := vals[region]
				if _, failed := errs[region]; !done && !failed {
					errs[region] = ctx.Err()
				}
			}
			return vals, errs
		}
	}
	return vals, errs
}
