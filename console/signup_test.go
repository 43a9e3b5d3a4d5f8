package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/console"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// signUpAs fills in the sign-up page.
func (b *browser) signUpAs(org, email, password string, more ...string) response {
	b.h.t.Helper()
	b.h.logs.Secret("password", password)
	v := url.Values{"org": {org}, "email": {email}, "password": {password}}
	for i := 1; i < len(more); i += 2 {
		v.Set(more[i-1], more[i])
	}
	return b.submit("/signup", "/signup", v)
}

func TestSignUp(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	r := b.signUpAs("Acme Rockets", "ada@acme.example", testPassword)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Check your email") || !strings.Contains(r.Body, "ada@acme.example") {
		t.Fatalf("sign up: %d\n%s", r.Status, r.Body)
	}
	mustNotShow(t, r, testPassword)
	link := h.linkTo("ada@acme.example", "/signup/verify")

	// Opening the link (as a mail scanner would) uses nothing.
	before := h.countItems("")
	var page response
	for range 2 {
		page = b.get(link)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "Confirm your email address") || !strings.Contains(page.Body, "Acme Rockets") {
			t.Fatalf("GET the link: %d\n%s", page.Status, page.Body)
		}
	}
	if after := h.countItems(""); after != before {
		t.Errorf("GET wrote %d items", after-before)
	}

	r = b.submitOn(page, "/signup/verify", nil)
	if r.Status != http.StatusSeeOther || r.Location != "/console/connect" || !setsSession(r) {
		t.Fatalf("verify: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	u, err := h.store.UserByEmail(t.Context(), "ada@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	tn, err := h.store.GetTenant(t.Context(), u.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	if !u.IsAdmin() || tn.Name != "Acme Rockets" || tn.MFA.Kind != tenants.MFASMS || tn.Connected() {
		t.Errorf("stored %+v of %+v", u, tn)
	}
	if _, err := h.store.Authenticate(t.Context(), "ada@acme.example", testPassword); err != nil {
		t.Errorf("the chosen password: %v", err)
	}
	if o := b.get("/"); !strings.Contains(o.Body, "<h1>Acme Rockets</h1>") {
		t.Errorf("signed in as the new admin? %d\n%s", o.Status, o.Body)
	}
	dump, _ := json.Marshal(h.scan())
	for _, m := range h.mail.to("ada@acme.example") {
		dump = append(dump, m.Text...)
	}
	if strings.Contains(string(dump), testPassword) {
		t.Error("the password is in the table or a mail")
	}

	t.Run("Replay", func(t *testing.T) {
		before := h.countItems("")
		r := h.browser().submitOn(page, "/signup/verify", nil)
		if r.Status != http.StatusGone || !strings.Contains(r.Body, "This link has expired or has already been used") ||
			!strings.Contains(r.Body, `href="/console/signup"`) {
			t.Fatalf("second use: %d\n%s", r.Status, r.Body)
		}
		if r := h.browser().get(link); r.Status != http.StatusGone {
			t.Errorf("GET after use: %d", r.Status)
		}
		if after := h.countItems(""); after != before {
			t.Errorf("the replay wrote %d items", after-before)
		}
	})
}

func TestSignUpBadInput(t *testing.T) {
	h := newHarness(t)
	h.browser().get("/signup") // makes the console's key
	cases := []struct {
		name, org, email, password string
		want                       []string
	}{
		{"Empty", "", "", "", []string{"Enter the name of your organisation", "Enter your email address", "Enter a password"}},
		{"MalformedEmail", "Acme", "ada@acme", testPassword, []string{"Enter an email address in the correct format"}},
		{"NameInEmail", "Acme", "Ada <ada@acme.example>", testPassword, []string{"Enter an email address in the correct format"}},
		{"LongName", strings.Repeat("a", 129), "ada@acme.example", testPassword, []string{"at most 128 characters"}},
		{"ShortPassword", "Acme", "ada@acme.example", "Tr0ub4dor&3", []string{"at least 12 characters"}},
		{"WeakPassword", "Acme", "ada@acme.example", "password1234", []string{"harder to guess"}},
		{"PersonalPassword", "Acme", "ada@acme.example", "ada@acme.example1", []string{"harder to guess"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := h.countItems("")
			r := h.browser().signUpAs(c.org, c.email, c.password)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "There is a problem") || !strings.Contains(r.Body, "<title>Error: ") {
				t.Fatalf("%d\n%s", r.Status, r.Body)
			}
			for _, w := range c.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("no %q:\n%s", w, r.Body)
				}
			}
			mustNotShow(t, r, c.password)
			if got := fieldValue(t, r, "/signup", "org"); got != c.org {
				t.Errorf("org kept as %q", got)
			}
			if got := fieldValue(t, r, "/signup", "email"); got != c.email {
				t.Errorf("email kept as %q", got)
			}
			if got := fieldValue(t, r, "/signup", "password"); got != "" {
				t.Errorf("password kept")
			}
			if after := h.countItems(""); after != before {
				t.Errorf("wrote %d items", after-before)
			}
			if n := len(h.mail.to(c.email)); c.email != "" && n != 0 {
				t.Errorf("%d mails sent", n)
			}
		})
	}

	t.Run("CSRF", func(t *testing.T) {
		for name, token := range map[string]string{"Missing": "", "Forged": "4102444800.AAAA"} {
			b := h.browser()
			b.get("/signup")
			before := h.countItems("")
			r := b.post("/signup", url.Values{"org": {"Acme"}, "email": {"eve@acme.example"}, "password": {testPassword}, "csrf_token": {token}})
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This page had expired") {
				t.Errorf("%s: %d\n%s", name, r.Status, r.Body)
			}
			mustNotShow(t, r, testPassword)
			if got := fieldValue(t, r, "/signup", "email"); got != "eve@acme.example" {
				t.Errorf("%s: email kept as %q", name, got)
			}
			if after := h.countItems(""); after != before || len(h.mail.to("eve@acme.example")) != 0 {
				t.Errorf("%s: wrote %d items, sent %d mails", name, after-before, len(h.mail.to("eve@acme.example")))
			}
		}
	})
}

// TestSignUpNoEnumeration: signing up an address that has an account answers as
// for a new one (status, headers, page), and the address gets a mail saying so.
func TestSignUpNoEnumeration(t *testing.T) {
	h := newHarness(t)
	h.mustOrganisation("Old", "ada@acme.example", otherPassword)
	links := h.countItems("SIGNUP#")
	taken := h.browser().signUpAs("Acme", "ada@acme.example", testPassword)
	if got := h.countItems("SIGNUP#"); got != links+1 {
		t.Errorf("the taken address stored %d links", got-links)
	}
	fresh := h.browser().signUpAs("Acme", "bob@acme.example", testPassword)
	if got := h.countItems("SIGNUP#"); got != links+2 {
		t.Errorf("the new address stored %d links", got-links-1)
	}
	sameAnswer(t, taken, fresh, "ada@", "bob@")

	mails := h.mail.to("ada@acme.example")
	if len(mails) != 1 {
		t.Fatalf("%d mails to the taken address", len(mails))
	}
	m := mails[0].Text
	if !strings.Contains(m, "already has an easytocloud account") || !strings.Contains(m, h.base+"/signin") ||
		!strings.Contains(m, h.base+"/reset") || strings.Contains(m, "token=") {
		t.Errorf("the mail to the taken address:\n%s", m)
	}
	h.linkTo("bob@acme.example", "/signup/verify")
}

// TestSignUpTakenMeanwhile: of two pending sign-ups of one address, the second to be
// confirmed is refused with a page that says why, and writes nothing.
func TestSignUpTakenMeanwhile(t *testing.T) {
	h := newHarness(t)
	b1, b2 := h.browser(), h.browser()
	b1.signUpAs("First", "ada@acme.example", testPassword)
	first := b1.get(h.linkTo("ada@acme.example", "/signup/verify"))
	b2.signUpAs("Second", "ada@acme.example", otherPassword)
	second := b2.get(h.linkTo("ada@acme.example", "/signup/verify"))

	if r := b1.submitOn(first, "/signup/verify", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("first: %d\n%s", r.Status, r.Body)
	}
	before := h.countItems("")
	r := b2.submitOn(second, "/signup/verify", nil)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "already has an account") ||
		!strings.Contains(r.Body, `href="/console/signin"`) || !strings.Contains(r.Body, `href="/console/reset"`) || setsSession(r) {
		t.Fatalf("second: %d\n%s", r.Status, r.Body)
	}
	if after := h.countItems(""); after != before {
		t.Errorf("the refused sign-up wrote %d items", after-before)
	}
	if _, err := h.store.Authenticate(t.Context(), "ada@acme.example", testPassword); err != nil {
		t.Errorf("the first sign-up's password: %v", err)
	}
}

func TestSignUpExpired(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signUpAs("Acme", "ada@acme.example", testPassword)
	link := h.linkTo("ada@acme.example", "/signup/verify")
	page := b.get(link)
	h.clock.Advance(24*time.Hour + time.Second)
	if r := b.get(link); r.Status != http.StatusGone || !strings.Contains(r.Body, "This link has expired or has already been used") {
		t.Errorf("GET: %d\n%s", r.Status, r.Body)
	}
	before := h.countItems("")
	if r := b.submitOn(page, "/signup/verify", nil); r.Status != http.StatusGone {
		t.Errorf("POST: %d\n%s", r.Status, r.Body)
	}
	if after := h.countItems(""); after != before {
		t.Errorf("wrote %d items", after-before)
	}
	if _, err := h.store.UserByEmail(t.Context(), "ada@acme.example"); err == nil {
		t.Error("an expired link made an account")
	}
}

func TestSignUpLimits(t *testing.T) {
	h := newHarness(t)
	for i := range 3 {
		if r := h.browser().signUpAs("Acme", "ada@acme.example", testPassword); r.Status != http.StatusOK {
			t.Fatalf("sign-up %d: %d", i, r.Status)
		}
	}
	r := h.browser().signUpAs("Acme", "ada@acme.example", testPassword)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many sign-ups") {
		t.Fatalf("the fourth for one address: %d\n%s", r.Status, r.Body)
	}
	mustNotShow(t, r, testPassword)
	if n := len(h.mail.to("ada@acme.example")); n != 3 {
		t.Errorf("%d mails", n)
	}
	// The refused one was not counted against the source: seven more addresses
	// make ten.
	for i := range 7 {
		if r := h.browser().signUpAs("Acme", string(rune('b'+i))+"@acme.example", testPassword); r.Status != http.StatusOK {
			t.Fatalf("address %d: %d", i, r.Status)
		}
	}
	if r := h.browser().signUpAs("Acme", "zed@acme.example", testPassword); r.Status != http.StatusTooManyRequests {
		t.Errorf("the eleventh from one source: %d", r.Status)
	}
}

// codeKeyring is the console's keyring of h (its key exists once a page with a form
// was served).
func codeKeyring(h *harness) *dynamo.Keyring {
	h.browser().get("/signup")
	return dynamo.NewKeyring(h.tbl, kms.NewFromConfig(h.cfg), "")
}

func TestSignUpCode(t *testing.T) {
	h := newHarness(t, withSignUp(console.SignUpCode))
	keys := codeKeyring(h)
	code, err := console.NewSignUpCode(t.Context(), h.tbl, keys, 1, time.Hour, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.logs.Secret("invitation code", code)
	if p := h.browser().get("/signup"); !strings.Contains(p.Body, `name="code"`) {
		t.Fatalf("no code field:\n%s", p.Body)
	}

	for name, c := range map[string]struct{ code, want string }{
		"Missing": {"", "Enter your invitation code"},
		"Wrong":   {"aaaaa-bbbbb-ccccc-ddddd", "That invitation code is not right"},
		"Garbage": {"let me in", "That invitation code is not right"},
	} {
		t.Run(name, func(t *testing.T) {
			r := h.browser().signUpAs("Acme", "ada@acme.example", testPassword, "code", c.code)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, c.want) || !strings.Contains(r.Body, `aria-describedby="code-hint code-error"`) {
				t.Fatalf("%d\n%s", r.Status, r.Body)
			}
			if got := fieldValue(t, r, "/signup", "code"); got != c.code {
				t.Errorf("code kept as %q", got)
			}
			if n := len(h.mail.to("ada@acme.example")); n != 0 {
				t.Errorf("%d mails", n)
			}
		})
	}

	// Two sign-ups with a code of one use: both pass the form, the first to be
	// confirmed takes the use, the second is refused and writes nothing.
	b1, b2 := h.browser(), h.browser()
	if r := b1.signUpAs("First", "bob@acme.example", testPassword, "code", strings.ToUpper(code)); r.Status != http.StatusOK {
		t.Fatalf("sign-up with the code: %d\n%s", r.Status, r.Body)
	}
	first := b1.get(h.linkTo("bob@acme.example", "/signup/verify"))
	if r := b2.signUpAs("Second", "cat@acme.example", testPassword, "code", code); r.Status != http.StatusOK {
		t.Fatalf("second sign-up with the code: %d\n%s", r.Status, r.Body)
	}
	second := b2.get(h.linkTo("cat@acme.example", "/signup/verify"))
	if r := b1.submitOn(first, "/signup/verify", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("first: %d\n%s", r.Status, r.Body)
	}
	before := h.countItems("")
	r := b2.submitOn(second, "/signup/verify", nil)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "The invitation code has been used up") {
		t.Fatalf("second: %d\n%s", r.Status, r.Body)
	}
	if after := h.countItems(""); after != before {
		t.Errorf("the refused sign-up wrote %d items", after-before)
	}
	var left struct {
		Uses int `dynamodbav:"uses"`
	}
	for _, it := range h.items("SIGNUPCODE#") {
		_ = attributevalue.UnmarshalMap(it, &left)
	}
	if left.Uses != 0 {
		t.Errorf("%d uses left", left.Uses)
	}
	if r := h.browser().signUpAs("Third", "dan@acme.example", testPassword, "code", code); !strings.Contains(r.Body, "That invitation code is not right") {
		t.Errorf("a used-up code: %d\n%s", r.Status, r.Body)
	}

	t.Run("Expired", func(t *testing.T) {
		code, err := console.NewSignUpCode(t.Context(), h.tbl, keys, 5, time.Hour, h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Hour)
		if r := h.browser().signUpAs("Late", "eve@acme.example", testPassword, "code", code); !strings.Contains(r.Body, "That invitation code is not right") {
			t.Errorf("an expired code: %d\n%s", r.Status, r.Body)
		}
	})

	t.Run("Bounds", func(t *testing.T) {
		for _, c := range []struct {
			uses int
			ttl  time.Duration
		}{{0, time.Hour}, {console.MaxSignUpCodeUses + 1, time.Hour}, {1, time.Second}, {1, console.MaxSignUpCodeTTL + time.Hour}} {
			if _, err := console.NewSignUpCode(t.Context(), h.tbl, keys, c.uses, c.ttl, h.clock.Now()); err == nil || !strings.Contains(err.Error(), "invalid") {
				t.Errorf("uses %d, ttl %s: %v", c.uses, c.ttl, err)
			}
		}
	})
}

// TestSignUpVerifyRace: two confirmations of one link at once make one organisation;
// the other is told the link was used.
func TestSignUpVerifyRace(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.signUpAs("Acme", "ada@acme.example", testPassword)
	page := b.get(h.linkTo("ada@acme.example", "/signup/verify"))
	form, ok := page.Page(t).PostFormWith("token")
	if !ok {
		t.Fatalf("no form:\n%s", page.Body)
	}
	statuses := make(chan int, 2)
	for range 2 {
		go func() {
			resp, err := b.client.PostForm(b.url(form.Action), form.Fields())
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	got := map[int]int{}
	for range 2 {
		got[<-statuses]++
	}
	if diff := cmp.Diff(map[int]int{http.StatusSeeOther: 1, http.StatusGone: 1}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if n := h.countItems("TENANT#"); n != 2 { // the tenant and its admin
		t.Errorf("%d tenant items", n)
	}
}
