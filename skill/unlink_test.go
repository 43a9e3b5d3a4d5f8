package skill_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/oauth2"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/internal/accesstoken"
	"github.com/easytocloud/easytocloud/internal/app"
	"github.com/easytocloud/easytocloud/internal/app/skillapp"
	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/htmlform"
	"github.com/easytocloud/easytocloud/internal/leakcheck"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/oauth"
	"github.com/easytocloud/easytocloud/skill"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// linkWorld is the authorization server and the skill as their functions are wired,
// on one table in the emulator: a tenant with one user, the Alexa client, and the
// skill's table requests recorded.
type linkWorld struct {
	t        *testing.T
	store    *dynamo.Store
	tokens   *oauth.Tokens
	issuer   string
	oauthCfg *oauth2.Config
	h        *skill.Handler
	rec      *awstest.TableKeys
	logs     *leakcheck.Log
	user     tenants.User
	email    string
}

const (
	linkSkillID  = "amzn1.ask.skill.unlink-test"
	linkPassword = "correct horse battery staple"
	linkVendor   = "M2UNLINKTEST"
)

func newLinkWorld(t *testing.T) *linkWorld {
	t.Helper()
	ctx := context.Background()
	cfg := awstest.Config(t)
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	tableName, secretsKey := awstest.Table(t), awstest.SecretsKey(t)
	w := &linkWorld{t: t, logs: leakcheck.New(t), email: "unlink-" + awstest.NewAccountID(t) + "@example.com"}
	w.logs.Secret("password", linkPassword)
	w.logs.Phone("+15550100177")
	w.store = dynamo.NewStore(table.New(db, tableName), keys, secretsKey)
	w.store.Password = tenants.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	tn, err := w.store.CreateTenant(ctx, tenants.Tenant{Name: "Unlink", RoleARN: "arn:aws:iam::" + awstest.NewAccountID(t) + ":role/easytocloud",
		MFA: tenants.MFAPolicy{Kind: tenants.MFASMS}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.user, err = w.store.CreateUser(ctx, tenants.User{TenantID: tn.ID, Email: w.email, Phone: "+15550100177"}, linkPassword); err != nil {
		t.Fatal(err)
	}
	signer, err := accesstoken.NewFileSigner(filepath.Join(t.TempDir(), "signing.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	w.issuer = "http://" + ts.Listener.Addr().String()
	srv, err := oauth.NewServer(oauth.Config{Issuer: w.issuer, Audience: linkSkillID, Table: table.New(db, tableName),
		Keyring: dynamo.NewKeyring(table.New(db, tableName), keys, secretsKey), Users: w.store, Signer: signer, Logger: w.logs.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	client, secret, err := oauth.NewClients(table.New(db, tableName)).Create(ctx, oauth.Client{Name: "Alexa", VendorID: linkVendor})
	if err != nil {
		t.Fatal(err)
	}
	w.logs.Secret("client secret", secret)
	w.oauthCfg = &oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: oauth.AlexaRedirectURIs(linkVendor)[0], Scopes: []string{"easytocloud"},
		Endpoint: oauth2.Endpoint{AuthURL: w.issuer + "/oauth/authorize", TokenURL: w.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	// The console's side: the same token store on the same table.
	w.tokens = oauth.NewTokens(table.New(db, tableName), nil)

	// The skill as skillapp wires the Lambda function, its table requests recorded.
	w.rec = awstest.RecordTableKeys(db)
	c := app.Config{Table: tableName, SkillID: linkSkillID, Issuer: w.issuer}
	a := app.AWS{Config: cfg, DB: w.rec, KMS: keys, STS: sts.NewFromConfig(cfg)}
	w.h = skillapp.NewHandler(c, a, skillapp.Parts{Keys: signer, Revoker: oauth.NewTokens(app.NewTable(c, a), nil)}, w.logs.Logger())
	return w
}

// link runs account linking as the Alexa app does it: the sign-in page, the consent
// page's Link, the code exchanged for tokens.
func (w *linkWorld) link() *oauth2.Token {
	t := w.t
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := oauth2.GenerateVerifier()
	page := w.fetch(b, http.MethodGet, w.oauthCfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), nil)
	form := w.form(page, "email")
	form.Set("email", w.email)
	form.Set("password", linkPassword)
	consent := w.fetch(b, http.MethodPost, w.issuer+"/oauth/authorize", form)
	form = w.form(consent, "consent")
	form.Set("decision", "allow")
	req, _ := http.NewRequest(http.MethodPost, w.issuer+"/oauth/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("Link answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	w.logs.Secret("code", loc.Query().Get("code"))
	tok, err := w.oauthCfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	w.logs.Secret("token", tok.AccessToken, tok.RefreshToken)
	return tok
}

func (w *linkWorld) fetch(b *http.Client, method, u string, form url.Values) string {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("%s %s: %d\n%s", method, u, resp.StatusCode, page)
	}
	return string(page)
}

// form returns the fields of the page's form that has field, hidden ones filled in.
func (w *linkWorld) form(page, field string) url.Values {
	w.t.Helper()
	p, err := htmlform.Parse(page)
	if err != nil {
		w.t.Fatal(err)
	}
	f, ok := p.PostFormWith(field)
	if !ok {
		w.t.Fatalf("no form with %s:\n%s", field, page)
	}
	return f.Hidden()
}

// launch opens the skill from the Alexa account alexaUser with token and returns the
// answer and the table requests it made.
func (w *linkWorld) launch(alexaUser, token string) (*alexa.ResponseEnvelope, []awstest.KeyAccess) {
	w.t.Helper()
	before := len(w.rec.Accesses())
	user := alexa.User{UserID: alexaUser, AccessToken: token}
	app := alexa.Application{ApplicationID: linkSkillID}
	env := &alexa.RequestEnvelope{Version: "1.0",
		Session: alexa.Session{New: true, SessionID: "s-" + alexaUser, Application: app, User: user},
		Context: alexa.Context{System: alexa.System{Application: app, User: user, Device: alexa.Device{DeviceID: "amzn1.ask.device." + alexaUser}}},
		Request: alexa.Request{Type: alexa.LaunchRequestType, RequestID: "r", Locale: "en-US", Timestamp: time.Now().UTC().Format(time.RFC3339)},
	}
	resp, err := w.h.Handle(context.Background(), env)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := json.Marshal(resp)
	var out alexa.ResponseEnvelope
	_ = json.Unmarshal(b, &out)
	return &out, w.rec.Accesses()[before:]
}

func launchSpeech(r *alexa.ResponseEnvelope) string {
	if r.Response.OutputSpeech == nil {
		return ""
	}
	return r.Response.OutputSpeech.SSML
}

func linkCard(r *alexa.ResponseEnvelope) bool {
	return r.Response.Card != nil && r.Response.Card.Type == alexa.CardLinkAccount
}

// TestUnlinkRefusesTheNextRequest: a user links two Alexa accounts through the real
// sign-in pages; the skill records each link with its grant. Unlinking one as the
// console does (RevokeGrant of the link's grant, DeleteAlexaLink) refuses that
// account's very next request, its access token not yet expired, with the
// account-linking card, and its refresh token gives no new one; the other link keeps
// working. A warm request still reads the table twice (the user and the revocation
// mark), before the unlink and after.
func TestUnlinkRefusesTheNextRequest(t *testing.T) {
	w := newLinkWorld(t)
	ctx := context.Background()
	p := tenants.Principal{TenantID: w.user.TenantID, UserID: w.user.ID}
	const kitchen, office = "amzn1.ask.account.KITCHEN", "amzn1.ask.account.OFFICE"
	kitchenTok, officeTok := w.link(), w.link()
	for alexaUser, tok := range map[string]*oauth2.Token{kitchen: kitchenTok, office: officeTok} {
		if r, _ := w.launch(alexaUser, tok.AccessToken); !strings.Contains(launchSpeech(r), "Welcome") {
			t.Fatalf("%s before the unlink: %q", alexaUser, launchSpeech(r))
		}
	}
	warmReads := func(when string, reads []awstest.KeyAccess) {
		t.Helper()
		var gets []string
		for _, a := range reads {
			if a.Action == "dynamodb:GetItem" {
				gets = append(gets, a.Key)
			}
		}
		if len(gets) != 2 {
			t.Errorf("%s: a warm request read %v, want the user and the revocation mark", when, gets)
		}
	}
	_, reads := w.launch(office, officeTok.AccessToken)
	warmReads("before the unlink", reads)

	// The console's Alexa accounts page: each link names its grant.
	links, err := w.store.AlexaLinks(ctx, p.TenantID, p.UserID)
	if err != nil || len(links) != 2 {
		t.Fatalf("AlexaLinks = %+v, %v", links, err)
	}
	grants, err := w.tokens.Grants(ctx, p)
	if err != nil || len(grants) != 2 {
		t.Fatalf("Grants = %+v, %v", grants, err)
	}
	var kitchenLink tenants.AlexaLink
	for _, l := range links {
		if l.ID == tenants.AlexaLinkID(kitchen) {
			kitchenLink = l
		}
		if l.GrantID == "" || (l.GrantID != grants[0].ID && l.GrantID != grants[1].ID) {
			t.Errorf("link %s names grant %q, not one of the user's", l.ID, l.GrantID)
		}
	}
	if kitchenLink.GrantID == "" || links[0].GrantID == links[1].GrantID {
		t.Fatalf("the links %+v do not name a grant each", links)
	}

	// Unlink, as the console does.
	if err := w.tokens.RevokeGrant(ctx, p, kitchenLink.GrantID); err != nil {
		t.Fatal(err)
	}
	if err := w.store.DeleteAlexaLink(ctx, p.TenantID, p.UserID, kitchenLink.ID); err != nil {
		t.Fatal(err)
	}

	r, _ := w.launch(kitchen, kitchenTok.AccessToken)
	if !linkCard(r) || !strings.Contains(launchSpeech(r), "link your account") {
		t.Errorf("the unlinked account's next request: %q (card %+v), want the account-linking answer", launchSpeech(r), r.Response.Card)
	}
	if _, err := w.oauthCfg.TokenSource(ctx, &oauth2.Token{RefreshToken: kitchenTok.RefreshToken}).Token(); err == nil {
		t.Error("the unlinked account's refresh token still gives access tokens")
	}
	r, reads = w.launch(office, officeTok.AccessToken)
	if linkCard(r) || !strings.Contains(launchSpeech(r), "Welcome") {
		t.Errorf("the other account after the unlink: %q", launchSpeech(r))
	}
	warmReads("after the unlink", reads)
	fresh, err := w.oauthCfg.TokenSource(ctx, &oauth2.Token{RefreshToken: officeTok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("the other account's refresh: %v", err)
	}
	w.logs.Secret("token", fresh.AccessToken)
	if r, _ := w.launch(office, fresh.AccessToken); !strings.Contains(launchSpeech(r), "Welcome") {
		t.Errorf("the other account's refreshed token: %q", launchSpeech(r))
	}
	if links, err := w.store.AlexaLinks(ctx, p.TenantID, p.UserID); err != nil || len(links) != 1 || links[0].ID != tenants.AlexaLinkID(office) {
		t.Errorf("after the unlink: %+v, %v; want the office's link only", links, err)
	}
}
