package console

import (
	"context"
	"errors"
	"time"

	"github.com/easytocloud/easytocloud/internal/ratelimit"
	"github.com/easytocloud/easytocloud/tenants"
)

// rule is one rate limit of the console: at most Limit attempts, each less than
// Window after the previous one, per key of its kind.
type rule struct {
	Name   string
	Limit  int
	Window time.Duration
}

// The console's limits. Keys are addresses, e-mail addresses, users or phone numbers,
// stored only as keyed hashes.
var (
	ruleSignInAccount = rule{"signin-account", 5, 15 * time.Minute}
	ruleSignInSource  = rule{"signin-source", 20, 15 * time.Minute}
	ruleSignUpSource  = rule{"signup-source", 10, time.Hour}
	ruleSignUpAddress = rule{"signup-address", 3, time.Hour}
	ruleResetSource   = rule{"reset-source", 10, time.Hour}
	ruleResetAddress  = rule{"reset-address", 3, time.Hour}
	ruleInviteSource  = rule{"invite-source", 20, time.Hour}
	ruleCodeSubject   = rule{"sms-subject", 3, 15 * time.Minute}
	ruleCodePhone     = rule{"sms-phone", 3, 15 * time.Minute}
)

const limitPKPrefix, limitSK = "CONSOLELIMIT#", "#LIMIT"

// errLimited means an attempt was refused, uncounted, at a limit.
var errLimited = errors.New("too many attempts")

func (s *Server) limiter() *ratelimit.Limiter {
	return &ratelimit.Limiter{Table: s.cfg.Table, SK: limitSK, Now: s.now, Log: s.log}
}

// limit counts one attempt of r for key, before the work it stands for; errLimited
// at the limit (nothing counted, nothing to do), or the table's error.
func (s *Server) limit(ctx context.Context, r rule, key string) (ratelimit.Slot, error) {
	h, err := s.sum(ctx, labelLimit, r.Name+"\x00"+key)
	if err != nil {
		return ratelimit.Slot{}, err
	}
	sl, err := s.limiter().Take(ctx, limitPKPrefix+r.Name+"#"+h, r.Limit, r.Window)
	if errors.Is(err, ratelimit.ErrLimited) {
		return ratelimit.Slot{}, errLimited
	}
	return sl, err
}

// limitAll counts one attempt against every (rule, key) pair, giving back those
// already counted when one refuses.
func (s *Server) limitAll(ctx context.Context, pairs ...limitPair) ([]ratelimit.Slot, error) {
	var slots []ratelimit.Slot
	for _, p := range pairs {
		sl, err := s.limit(ctx, p.rule, p.key)
		if err != nil {
			s.unlimit(ctx, slots...)
			return nil, err
		}
		slots = append(slots, sl)
	}
	return slots, nil
}

type limitPair struct {
	rule rule
	key  string
}

// signInAccount is the limit of password tries on the account of email: a sign-in,
// a re-authentication and a password change all count against it, keyed by the
// address as the store compares addresses, so that "Ada@" and "ada@" share it.
func signInAccount(email string) limitPair {
	return limitPair{ruleSignInAccount, tenants.NormalEmail(email)}
}

// unlimit gives attempts back: a right password, or work that was not done.
func (s *Server) unlimit(ctx context.Context, slots ...ratelimit.Slot) {
	s.limiter().Give(ctx, slots...)
}
