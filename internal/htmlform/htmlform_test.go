package htmlform_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/internal/htmlform"
)

func mustParse(tb testing.TB, page string) *htmlform.Page {
	tb.Helper()
	p, err := htmlform.Parse(page)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestParseForms(t *testing.T) {
	for _, tt := range []struct {
		name string
		page string
		want []htmlform.Form
	}{
		{"NoForm", `<!doctype html><p>Nothing to fill in.</p>`, nil},
		{"AttributeOrder", `<form action="a" method="post"><input value="v1" type="hidden" name="n1"><input name="n2" value="v2" type="hidden"></form>`,
			[]htmlform.Form{{Action: "a", Method: "post", Inputs: []htmlform.Input{{"n1", "hidden", "v1"}, {"n2", "hidden", "v2"}}}}},
		{"Entities", `<form method=post action="/x?a=1&amp;b=2"><input type=hidden name=q value="&lt;&quot;&#39;&amp;&gt; &eacute;"></form>`,
			[]htmlform.Form{{Action: "/x?a=1&b=2", Method: "post", Inputs: []htmlform.Input{{"q", "hidden", `<"'&> é`}}}}},
		{"SingleQuotesAndCase", `<FORM METHOD='POST' ACTION='go'><INPUT TYPE='Hidden' NAME='csrf_token' VALUE='t"k'></FORM>`,
			[]htmlform.Form{{Action: "go", Method: "post", Inputs: []htmlform.Input{{"csrf_token", "hidden", `t"k`}}}}},
		{"DefaultsAndButtons", `<form><input name="email"><button>Go</button><button type="button" name="x">No</button>` +
			`<button type="submit" name="decision" value="allow"> Link </button><input type="submit" name="s" value="Send"></form>`,
			[]htmlform.Form{{Method: "get", Inputs: []htmlform.Input{{"email", "text", ""}},
				Buttons: []htmlform.Button{{Text: "Go"}, {Name: "decision", Value: "allow", Text: "Link"}, {Name: "s", Value: "Send", Text: "Send"}}}}},
		{"SeveralForms", `<form method="get" action="one"><input name="a" value="1"></form><form method="post" action="two"><input name="b" value="2"></form>`,
			[]htmlform.Form{{Action: "one", Method: "get", Inputs: []htmlform.Input{{"a", "text", "1"}}},
				{Action: "two", Method: "post", Inputs: []htmlform.Input{{"b", "text", "2"}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, mustParse(t, tt.page).Forms); diff != "" {
				t.Errorf("Forms (-want +got):\n%s", diff)
			}
		})
	}
}

// consentPage is the shape of the authorization server's pages: a GET search form,
// then two POST forms.
const consentPage = `<!doctype html><html><head><style>
body { font: 16px sans-serif; }
</style></head><body>
<form action="search"><input name="q"></form>
<form method="post" action="authorize">
<input type="hidden" name="csrf_token" value="c1">
<input id="email" name="email" type="email" value="ada@example.com">
<input id="password" name="password" type="password">
<input type="checkbox">
<button type="submit">Sign in</button>
</form>
<form method="post" action="authorize">
<input type="hidden" name="csrf_token" value="c2">
<input type="hidden" name="consent" value="ticket&amp;1">
<button type="submit" name="decision" value="allow">Link</button>
<button type="submit" name="decision" value="deny" class="secondary">Cancel</button>
</form></body></html>`

func TestPostForms(t *testing.T) {
	p := mustParse(t, consentPage)
	if got := len(p.PostForms()); got != 2 {
		t.Fatalf("%d POST forms, want 2", got)
	}
	login, ok := p.PostFormWith("password")
	if !ok {
		t.Fatal("no POST form with a password")
	}
	if diff := cmp.Diff(url.Values{"csrf_token": {"c1"}, "email": {"ada@example.com"}, "password": {""}}, login.Fields()); diff != "" {
		t.Errorf("login Fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(url.Values{"csrf_token": {"c1"}}, login.Hidden()); diff != "" {
		t.Errorf("login Hidden (-want +got):\n%s", diff)
	}
	consent, ok := p.PostFormWith("consent")
	if !ok {
		t.Fatal("no POST form with consent")
	}
	if diff := cmp.Diff(url.Values{"csrf_token": {"c2"}, "consent": {"ticket&1"}}, consent.Fields()); diff != "" {
		t.Errorf("consent Fields (-want +got):\n%s", diff)
	}
	if b, ok := consent.Button("decision", "allow"); !ok || b.Text != "Link" {
		t.Errorf("Button(decision, allow) = %+v, %v; want Link", b, ok)
	}
	if _, ok := login.Button("decision", "allow"); ok {
		t.Error("the login form has a Link button")
	}
	if _, ok := p.PostFormWith("q"); ok {
		t.Error("PostFormWith found the GET form")
	}
	if _, ok := p.PostFormWith("nothing"); ok {
		t.Error("PostFormWith found a form with no such input")
	}
}

func TestStyles(t *testing.T) {
	if got, want := mustParse(t, consentPage).Styles, []string{"\nbody { font: 16px sans-serif; }\n"}; !cmp.Equal(got, want) {
		t.Errorf("Styles = %q, want %q", got, want)
	}
	if got := mustParse(t, `<p>plain</p>`).Styles; got != nil {
		t.Errorf("Styles of a page without style = %q, want none", got)
	}
	// Style text is not unescaped: a CSP hash is over the bytes as written.
	if got := mustParse(t, `<style>a::after { content: "&amp;" }</style>`).Styles; !cmp.Equal(got, []string{`a::after { content: "&amp;" }`}) {
		t.Errorf("Styles = %q, want the text as written", got)
	}
}
