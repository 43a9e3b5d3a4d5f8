package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/account"
	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/mfa"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// recorder collects the failures of a conversation that is meant to fail.
type recorder struct{ msgs []string }

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// alwaysElevated is a broken second factor: everyone is elevated, no code needed.
type alwaysElevated struct{ skill.SecondFactor }

func (alwaysElevated) Elevation(context.Context, string, string, mfa.Origin) (mfa.Elevation, error) {
	return mfa.Elevation{Until: time.Now().Add(time.Hour)}, nil
}

// noStart is a broken EC2 client: starting reports success and does nothing.
type noStart struct{ account.EC2API }

func (noStart) StartInstances(context.Context, *ec2.StartInstancesInput, ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	return &ec2.StartInstancesOutput{}, nil
}

// otherAccount is broken tenant isolation: every user acts in one tenant's account.
type otherAccount struct {
	skill.AccountAccess
	tenant tenants.Tenant
}

func (o otherAccount) Config(base aws.Config, _ tenants.Tenant, userID string) aws.Config {
	return o.AccountAccess.Config(base, o.tenant, userID)
}

// testBrokenSkillFails proves the conversation test fails when a row regresses:
// every row's speech check refuses a wrong answer (on the Lambda run's real answers),
// and the conversation run against deliberately broken skills fails at the row that
// shows the defect.
func testBrokenSkillFails(t *testing.T, s *stack, answers []*alexa.ResponseEnvelope) {
	w := s.w
	t.Run("EveryRowChecksTheAnswer", func(t *testing.T) {
		steps := append(acmeSteps(t, w), globexSteps(t, w)...)
		if len(answers) != len(steps) {
			t.Fatalf("%d answers recorded for %d rows (did the Lambda run fail?)", len(answers), len(steps))
		}
		for i, st := range steps {
			st.check = nil // instance states are live; the broken skills below cover them
			real := &recorder{}
			if checkStep(real, i+1, st.say, st, answers[i]); len(real.msgs) > 0 {
				t.Fatalf("the real answer fails its own row: %v", real.msgs)
			}
			wrong := *answers[i]
			wrong.Response.OutputSpeech = &alexa.OutputSpeech{Type: alexa.SpeechSSML, SSML: "<speak>Sorry, I can't help with that.</speak>"}
			broken := &recorder{}
			if checkStep(broken, i+1, st.say, st, &wrong); len(broken.msgs) == 0 {
				t.Errorf("row %d (%q) accepts a wrong answer", i+1, st.say)
			}
		}
	})

	cfg := awstest.Config(t)
	globex, err := dynamo.NewStore(table.New(dynamodb.NewFromConfig(cfg), w.vars["EASYTOCLOUD_TABLE"]), kms.NewFromConfig(cfg), "").GetTenant(context.Background(), w.globex.id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		name    string
		breakIt func(h *skill.Handler)
		globex  bool // the conversation is globex's, else acme's
		wantRow int
	}{
		{"ElevationBypassed", func(h *skill.Handler) { h.MFA = alwaysElevated{h.MFA} }, false, 4},
		{"StartDoesNothing", func(h *skill.Handler) {
			h.Clients.EC2 = func(cfg aws.Config, region string) account.EC2API {
				return noStart{ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })}
			}
		}, true, 6},
		{"OtherTenantsAccount", func(h *skill.Handler) { h.Access = otherAccount{h.Access, globex} }, false, 2},
	} {
		t.Run(m.name, func(t *testing.T) {
			w.reset(t)
			h := s.lambdaHandler(t)
			m.breakIt(h)
			tw, token, steps := w.acme, s.acmeLink.token.AccessToken, acmeSteps(t, w)
			if m.globex {
				tw, token, steps = w.globex, s.globexLink.token.AccessToken, globexSteps(t, w)
			}
			c := newTalk(t, lambdaSender{h}, token, tw.phone)
			c.stopAtFailure = true
			r := &recorder{}
			_, row := c.run(t, r, steps)
			if row != m.wantRow {
				t.Errorf("the conversation with a broken skill failed at row %d, want row %d; failures: %q", row, m.wantRow, r.msgs)
			} else {
				t.Logf("fails as it should at row %d: %q", row, r.msgs)
			}
			s.lock(t, tw, token)
			w.reset(t)
		})
	}
}
