package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/emulator"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestSeedDemoWorldIsIdempotent seeds the demo world twice into one emulator (its
// own: the demo's accounts and table are fixed) with changes in between, and checks
// that the second run finds what the first made, puts it back as seeded, hands out
// a client secret and passwords that work, and the console's sender may send.
func TestSeedDemoWorldIsIdempotent(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Stop)
	ctx := ctx(t)
	cfg := demoAWSConfig(emu.Endpoint)
	first, err := seedDemoWorld(ctx, cfg)
	if err != nil {
		t.Fatalf("first seed: %v", err)
	}

	acme, err := demoAccountConfig(ctx, cfg, "222222222222")
	if err != nil {
		t.Fatal(err)
	}
	eu := ec2.NewFromConfig(acme, func(o *ec2.Options) { o.Region = "eu-west-1" })
	ids := demoInstanceIDs(t, eu)
	if len(ids["splunk"]) != 1 || len(ids["jenkins"]) != 1 {
		t.Fatalf("instances in acme's eu-west-1 after seeding: %v", ids)
	}
	if _, err := eu.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids["splunk"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := eu.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids["jenkins"]}); err != nil {
		t.Fatal(err)
	}
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	store := dynamo.NewStore(table.New(db, demoTable), keys, first.SecretsKeyID)
	alice := first.Users["acme"]
	if err := store.SetPassword(ctx, alice.TenantID, alice.ID, "a password someone changed"); err != nil {
		t.Fatal(err)
	}

	second, err := seedDemoWorld(ctx, cfg)
	if err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if second.SecretsKeyID != first.SecretsKeyID || second.ClientID != first.ClientID {
		t.Errorf("the second seed made a new key or client: %+v then %+v", first, second)
	}
	for name, u := range first.Users {
		if second.Users[name].ID != u.ID || second.Users[name].TenantID != u.TenantID {
			t.Errorf("user of %s: %+v then %+v", name, u, second.Users[name])
		}
	}
	after := demoInstanceIDs(t, eu)
	if len(after["splunk"]) != 1 || after["splunk"][0] != ids["splunk"][0] || len(after["jenkins"]) != 1 {
		t.Errorf("instances after the second seed: %v, before: %v", after, ids)
	}
	for name, want := range map[string]string{"splunk": "stopped", "jenkins": "running"} {
		if got := demoInstanceState(t, eu, after[name][0]); got != want {
			t.Errorf("%s is %s after the second seed, want %s", name, got, want)
		}
	}
	streams, err := kinesis.NewFromConfig(acme, func(o *kinesis.Options) { o.Region = "eu-west-1" }).ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil || len(streams.StreamNames) != 1 {
		t.Errorf("streams in acme's eu-west-1: %v, %v", streams, err)
	}
	all, err := store.ListTenants(ctx)
	if err != nil || len(all) != 2 {
		t.Errorf("tenants after two seeds: %d, %v", len(all), err)
	}
	for _, tn := range all {
		if tn.Name == "globex" && (tn.MFA.Kind != tenants.MFAToken || tn.AccountID() != "333333333333") {
			t.Errorf("globex: %+v", tn)
		}
		if tn.AccountID() == demoSpare.account {
			t.Errorf("a tenant holds the spare account: %+v", tn)
		}
	}
	// The spare account has its instances, in their seeded states, and no role yet
	// (local-role create makes it).
	spare, err := demoAccountConfig(ctx, cfg, demoSpare.account)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range demoSpare.instances {
		client := ec2.NewFromConfig(spare, func(o *ec2.Options) { o.Region = in.region })
		ids := demoInstanceIDs(t, client)[in.name]
		if len(ids) != 1 || demoInstanceState(t, client, ids[0]) != in.state {
			t.Errorf("spare account's %s in %s: %v, want one %s", in.name, in.region, ids, in.state)
		}
	}
	if _, err := iam.NewFromConfig(spare).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(localRoleName)}); err == nil {
		t.Error("the spare account has a role easytocloud before anyone made it")
	}
	if _, err := store.Authenticate(ctx, alice.Email, demoPassword); err != nil {
		t.Errorf("the demo password does not work after the second seed: %v", err)
	}
	if _, err := sesv2.NewFromConfig(cfg).SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(demoMailFrom),
		Destination:      &sestypes.Destination{ToAddresses: []string{"ann@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Verify your e-mail address")},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String("http://127.0.0.1/console/signup/verify?token=x")}},
		}},
	}); err != nil {
		t.Errorf("the emulator does not send from the console's demo sender %s: %v", demoMailFrom, err)
	}
	clients, err := oauth.NewClients(table.New(db, demoTable)).List(ctx)
	if err != nil || len(clients) != 1 {
		t.Fatalf("OAuth clients after two seeds: %d, %v", len(clients), err)
	}
	if !clients[0].VerifyPassword(second.ClientSecret) || clients[0].VerifyPassword(first.ClientSecret) {
		t.Error("the client's secret is not the one the second seed returned")
	}
}

func demoInstanceIDs(t *testing.T, client *ec2.Client) map[string][]string {
	t.Helper()
	out, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string][]string{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			for _, tag := range i.Tags {
				if aws.ToString(tag.Key) == "Name" && i.State.Name != ec2types.InstanceStateNameTerminated {
					ids[aws.ToString(tag.Value)] = append(ids[aws.ToString(tag.Value)], aws.ToString(i.InstanceId))
				}
			}
		}
	}
	return ids
}

func demoInstanceState(t *testing.T, client *ec2.Client, id string) string {
	t.Helper()
	out, err := client.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) == 0 {
		t.Fatalf("describe %s: %v", id, err)
	}
	return string(out.Reservations[0].Instances[0].State.Name)
}

// fakeEmulator serves the emulator's read-only routes (SMS and e-mail) from what the
// test adds.
type fakeEmulator struct {
	mu    sync.Mutex
	msgs  []emulator.Message
	mails []emulator.Email
}

func (f *fakeEmulator) add(m emulator.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, m)
}

func (f *fakeEmulator) mail(m emulator.Email) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mails = append(f.mails, m)
}

func (f *fakeEmulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/_easytocloud/sms":
		_ = json.NewEncoder(w).Encode(append([]emulator.Message{}, f.msgs...))
	case "/_easytocloud/email":
		_ = json.NewEncoder(w).Encode(append([]emulator.Email{}, f.mails...))
	default:
		http.NotFound(w, r)
	}
}

// TestSMSInTheDialog: messages show before the next "You:", once each and with the
// phone masked; {sms} becomes the newest code to the user's phone at the moment the
// line is read (not when the script was opened), outside comments only; a script
// line with {sms} and no SMS yet is an error, an interactive one goes as typed.
func TestSMSInTheDialog(t *testing.T) {
	fake := &fakeEmulator{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var out strings.Builder
	phone := newInbox(&out, srv.URL)
	const alice = "+15555550100"

	script := "# say {sms} here and nothing happens\nauthenticate {sms}\nauthenticate {sms}\n"
	lines := &smsLines{r: bufio.NewReader(strings.NewReader(script)), strict: true, code: func() (string, error) { return phone.newestCode(alice) }}
	sc := bufio.NewScanner(lines)
	next := func() string {
		t.Helper()
		if !sc.Scan() {
			t.Fatalf("no line: %v", sc.Err())
		}
		return sc.Text()
	}
	if got := next(); got != "# say {sms} here and nothing happens" {
		t.Errorf("comment: %q", got)
	}
	fake.add(emulator.Message{ID: "1", PhoneNumber: alice, Text: "Your easy to cloud code is 111111. It expires in 5 minutes."})
	fake.add(emulator.Message{ID: "2", PhoneNumber: "+4915112345678", Text: "Your easy to cloud code is 222222."})
	if got := next(); got != "authenticate 111111" {
		t.Errorf("first {sms}: %q", got)
	}
	fake.add(emulator.Message{ID: "3", PhoneNumber: alice, Text: "Your easy to cloud code is 333333."})
	_, _ = io.WriteString(phone, "You: authenticate 111111\n")
	if got := next(); got != "authenticate 333333" {
		t.Errorf("second {sms}: %q", got)
	}
	want := "📱 SMS to +1…00: Your easy to cloud code is 111111. It expires in 5 minutes.\n" +
		"📱 SMS to +4…78: Your easy to cloud code is 222222.\n" +
		"📱 SMS to +1…00: Your easy to cloud code is 333333.\n" +
		"You: authenticate 111111\n"
	if out.String() != want {
		t.Errorf("the phone shows:\n%s\nwant:\n%s", out.String(), want)
	}
	// The codes are for the eyes of whoever watches the demo; the numbers are not.
	leak := leakcheck.New(t)
	leak.Phone(alice, "+4915112345678")
	leak.Scan(t, "the dialog's phone display", out.String())
	if sc.Scan() {
		t.Errorf("a line after the script: %q", sc.Text())
	}

	empty := newInbox(io.Discard, srv.URL)
	for _, strict := range []bool{true, false} {
		lines := &smsLines{r: bufio.NewReader(strings.NewReader("authenticate {sms}\n")), strict: strict,
			code: func() (string, error) { return empty.newestCode("+15555550199") }}
		b, err := io.ReadAll(lines)
		switch {
		case strict && (err == nil || !strings.Contains(err.Error(), "authenticate text")):
			t.Errorf("script without an SMS: %q, %v", b, err)
		case !strict && (err != nil || string(b) != "authenticate {sms}\n"):
			t.Errorf("interactive without an SMS: %q, %v", b, err)
		}
	}
}

// TestMailInTheDialog: e-mails show before the next "You:" with the recipient masked
// and each link on a line of its own; while the dialog waits at its prompt, new
// messages show above the prompt, which follows them again (on a terminal the
// prompt's line is replaced); while it is busy they wait for the next prompt; an
// emulator that cannot be read is reported before a prompt, never by the poll.
func TestMailInTheDialog(t *testing.T) {
	fake := &fakeEmulator{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var out strings.Builder
	b := newInbox(&out, srv.URL)
	fake.mail(emulator.Email{ID: "m1", To: []string{"ann@example.com"}, Subject: "Verify your e-mail address",
		Body: "Open this link within an hour:\nhttp://127.0.0.1:8080/console/signup/verify?token=abc\n\nNot you? Ignore it."})
	_, _ = io.WriteString(b, "You: open easy to cloud\n")
	_, _ = io.WriteString(b, "Alexa: Welcome.\n")
	b.poll() // not at a prompt: nothing
	_, _ = io.WriteString(b, dialogPrompt)
	b.poll() // at the prompt, nothing new
	fake.add(emulator.Message{ID: "s1", PhoneNumber: "+15555550100", Text: "Your code is 123456."})
	fake.mail(emulator.Email{ID: "m2", To: []string{"bob@globex.example", "carol@globex.example"}, Subject: "You are invited",
		Body: "Accept: http://127.0.0.1:8080/console/invite?token=xyz. Or https://example.com/help."})
	b.poll()
	b.poll() // nothing new
	b.typed()
	fake.mail(emulator.Email{ID: "m3", To: []string{"dave@example.com"}, Subject: "Reset your password", Body: "http://127.0.0.1:8080/console/reset/confirm?token=r"})
	b.poll() // busy: waits for the prompt
	_, _ = io.WriteString(b, "Alexa: Goodbye.\n")
	_, _ = io.WriteString(b, dialogPrompt)
	want := "✉ Mail to a…@example.com: Verify your e-mail address\n" +
		"    http://127.0.0.1:8080/console/signup/verify?token=abc\n" +
		"You: open easy to cloud\n" +
		"Alexa: Welcome.\n" +
		"You: \n" +
		"📱 SMS to +1…00: Your code is 123456.\n" +
		"✉ Mail to b…@globex.example, c…@globex.example: You are invited\n" +
		"    http://127.0.0.1:8080/console/invite?token=xyz\n" +
		"    https://example.com/help\n" +
		"You: Alexa: Goodbye.\n" +
		"✉ Mail to d…@example.com: Reset your password\n" +
		"    http://127.0.0.1:8080/console/reset/confirm?token=r\n" +
		"You: "
	if out.String() != want {
		t.Errorf("the inbox shows:\n%q\nwant:\n%q", out.String(), want)
	}

	t.Run("Terminal", func(t *testing.T) {
		var out strings.Builder
		b := newInbox(&out, srv.URL)
		b.tty = true
		b.show()
		_, _ = io.WriteString(b, dialogPrompt)
		fake.mail(emulator.Email{ID: "m4", To: []string{"erin@example.com"}, Subject: "Welcome"})
		b.poll()
		if got, want := out.String()[strings.Index(out.String(), "You: "):], "You: \r\033[K✉ Mail to e…@example.com: Welcome\nYou: "; got != want {
			t.Errorf("on a terminal the prompt line becomes %q, want %q", got, want)
		}
	})

	t.Run("EmulatorGone", func(t *testing.T) {
		gone := httptest.NewServer(http.NotFoundHandler())
		defer gone.Close()
		var out strings.Builder
		b := newInbox(&out, gone.URL)
		_, _ = io.WriteString(b, dialogPrompt)
		before := out.String()
		if want := "(cannot read the emulator's messages: read sms: emulator answered 404"; !strings.HasPrefix(before, want) || !strings.HasSuffix(before, dialogPrompt) {
			t.Errorf("a failed read before a prompt shows %q, want %q… and the prompt", before, want)
		}
		b.poll()
		if out.String() != before {
			t.Errorf("a failed poll shows %q", strings.TrimPrefix(out.String(), before))
		}
	})
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{"alice@acme.example": "a…@acme.example", "Ö@x.example": "Ö…@x.example", "nobody": "…", "@x.example": "…"} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"+15555550100": "+1…00", "+31612345678": "+3…78", "": "…", "+123": "…"} {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDemoUsage: mistakes in the call are usage errors before anything starts.
func TestDemoUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"Argument":      {"now"},
		"UnknownLocale": {"--locale", "xx-XX"},
		"NoScript":      {"--script", "/nonexistent/conversation.txt"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			env := &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
			c, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if code := run(c, env, append([]string{"demo", "--dir", t.TempDir()}, args...)); code != 2 || stdout.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and nothing started", code, stdout.String(), stderr.String())
			}
			leakcheck.New(t).Scan(t, "demo's stderr", stderr.String())
		})
	}
}

// TestDemoHeader: what the demo says about its world and how to connect the spare
// account, as README shows it.
func TestDemoHeader(t *testing.T) {
	seed := demoSeed{Users: map[string]tenants.User{}}
	for _, dt := range demoTenants {
		seed.Users[dt.name] = tenants.User{Email: dt.email}
	}
	var out strings.Builder
	printDemoWorld(&out, seed)
	printDemoConnect(&out, "http://127.0.0.1:36241", ".demo/bin/easytocloud")
	golden(t, "demo-header.golden", out.String())
}

// TestDemoConnectCommand runs the command the demo prints, as a newcomer pastes it
// (its variables in the environment), against the emulator: as printed it is
// refused for its placeholder; with a tenant's ExternalId in its place it makes the
// role, which the console's role check accepts for that tenant.
func TestDemoConnectCommand(t *testing.T) {
	c := newAWSCLI(t)
	var out strings.Builder
	printDemoConnect(&out, awstest.Endpoint(t), "easytocloud")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	words := strings.Fields(lines[len(lines)-1])
	vars := map[string]string{}
	for len(words) > 0 && strings.Contains(words[0], "=") {
		k, v, _ := strings.Cut(words[0], "=")
		vars[k] = v
		words = words[1:]
	}
	if len(words) == 0 || words[0] != "easytocloud" || vars["AWS_ENDPOINT_URL"] != awstest.Endpoint(t) {
		t.Fatalf("the printed command is not the emulator's variables and easytocloud:\n%s", out.String())
	}
	setAWSEnv(t, vars)
	args := words[1:]

	code, _, stderr := c.run("", args...)
	if code != 2 || !strings.Contains(stderr, "give the ExternalId the console's connect page shows") {
		t.Errorf("the command with its placeholder: exit %d, %q; want 2 and what to put there", code, stderr)
	}
	// The test emulator is shared by the package's tests (and runs): the role goes in
	// an account of this test's own.
	ext, acct := tenants.NewExternalID(), awstest.NewAccountID(t)
	for i, a := range args {
		switch a {
		case demoPlaceholderExternalID:
			args[i] = ext
		case demoSpare.account:
			args[i] = acct
		}
	}
	role := "arn:aws:iam::" + acct + ":role/" + localRoleName
	if got := lastLine(c.ok("", args...)); got != role {
		t.Errorf("the command printed %q last, want the role %s", got, role)
	}
	if err := verifyLocalRole(t, role, ext); err != nil {
		t.Errorf("the role check refuses the spare account's role: %v", err)
	}
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		".demo/bin/easytocloud":  ".demo/bin/easytocloud",
		"http://127.0.0.1:36241": "http://127.0.0.1:36241",
		"/home/me/my demo/e2c":   "'/home/me/my demo/e2c'",
		"it's":                   `'it'\''s'`,
		"":                       "''",
	} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", in, got, want)
		}
	}
	if _, err := os.Stat(demoExecutable()); err != nil {
		t.Errorf("demoExecutable() = %q, which is not there from here: %v", demoExecutable(), err)
	}
}
