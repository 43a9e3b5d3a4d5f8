package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/interactionmodel"
)

var updateSkillPackage = flag.Bool("update-skillpackage", false, "rewrite testdata/skillpackage golden files")

const (
	testLambdaARN    = "arn:aws:lambda:eu-west-1:123456789012:function:easytocloud-skill"
	testAuthorizeURL = "https://api.example.com/oauth/authorize"
	testTokenURL     = "https://api.example.com/oauth/token"
)

// runCLI runs the CLI in process and returns its exit status, stdout and stderr.
func runSkillPackageCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := run(context.Background(), env, args)
	return code, stdout.String(), stderr.String()
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSkillPackageGolden(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runSkillPackageCLI(t, "", "skill-package", "--out", out, "--lambda-arn", testLambdaARN,
		"--authorize-url", testAuthorizeURL, "--token-url", testTokenURL, "--client-id", "alexa-skill",
		"--privacy-url", "https://easytocloud.example.com/privacy?lang=en&v=1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "account-linking.json") {
		t.Errorf("stdout does not name the files written: %s", stdout)
	}
	got := readTree(t, out)

	wantNames := []string{"account-linking.json", "ask-resources.json", "skill-package/skill.json"}
	for _, loc := range interactionmodel.Locales() {
		name := "skill-package/interactionModels/custom/" + loc + ".json"
		wantNames = append(wantNames, name)
		raw, _ := interactionmodel.Raw(loc)
		if got[name] != string(raw) {
			t.Errorf("%s differs from the embedded model", name)
		}
	}
	var gotNames []string
	for n := range got {
		gotNames = append(gotNames, n)
	}
	if diff := cmp.Diff(wantNames, gotNames, cmpSortStrings); diff != "" {
		t.Errorf("files written (-want +got):\n%s", diff)
	}

	for _, name := range []string{"skill-package/skill.json", "account-linking.json", "ask-resources.json"} {
		golden := filepath.Join("testdata", "skillpackage", filepath.FromSlash(name))
		if *updateSkillPackage {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(got[name]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update-skillpackage)", err)
		}
		if diff := cmp.Diff(string(want), got[name]); diff != "" {
			t.Errorf("%s (-golden +got):\n%s", name, diff)
		}
	}

	// Running again gives byte-identical output.
	out2 := t.TempDir()
	runSkillPackageCLI(t, "", "skill-package", "--out", out2, "--lambda-arn", testLambdaARN,
		"--authorize-url", testAuthorizeURL, "--token-url", testTokenURL, "--client-id", "alexa-skill",
		"--privacy-url", "https://easytocloud.example.com/privacy?lang=en&v=1")
	if diff := cmp.Diff(got, readTree(t, out2)); diff != "" {
		t.Errorf("second run differs (-first +second):\n%s", diff)
	}
}

var cmpSortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
})

func TestSkillPackageFromTerraform(t *testing.T) {
	tf := `{
  "skill_function_arn": {"sensitive": false, "type": "string", "value": "` + testLambdaARN + `"},
  "authorize_url": {"sensitive": false, "type": "string", "value": "https://tf.example.com/oauth/authorize"},
  "token_url": {"sensitive": false, "type": "string", "value": "` + testTokenURL + `"},
  "table_name": {"sensitive": false, "type": "string", "value": "easytocloud"}
}`
	out := t.TempDir()
	// The --authorize-url flag overrides the Terraform output.
	code, _, stderr := runSkillPackageCLI(t, tf, "skill-package", "--from-terraform", "--out", out, "--client-id", "alexa-skill",
		"--authorize-url", testAuthorizeURL)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var linking accountLinkingFile
	mustUnmarshalFile(t, filepath.Join(out, "account-linking.json"), &linking)
	want := accountLinkingRequest{
		Type: "AUTH_CODE", AuthorizationURL: testAuthorizeURL, AccessTokenURL: testTokenURL, ClientID: "alexa-skill",
		AccessTokenScheme: "HTTP_BASIC", Scopes: []string{"easytocloud"}, DefaultTokenExpirationInSeconds: 3600,
	}
	if diff := cmp.Diff(want, linking.AccountLinkingRequest); diff != "" {
		t.Errorf("account linking (-want +got):\n%s", diff)
	}
	var m skillManifestFile
	mustUnmarshalFile(t, filepath.Join(out, "skill-package", "skill.json"), &m)
	if m.Manifest.APIs.Custom.Endpoint.URI != testLambdaARN || m.Manifest.Events.Endpoint.URI != testLambdaARN {
		t.Errorf("endpoints = %q, %q; want the Terraform ARN", m.Manifest.APIs.Custom.Endpoint.URI, m.Manifest.Events.Endpoint.URI)
	}
	if m.Manifest.PrivacyAndCompliance.Locales != nil {
		t.Errorf("privacy locales without --privacy-url: %v", m.Manifest.PrivacyAndCompliance.Locales)
	}
}

// TestSkillPackageASKProject: the output directory is an ASK CLI project that ask
// deploy runs in unchanged, deploying to the skill given with --skill-id.
func TestSkillPackageASKProject(t *testing.T) {
	const skillID = "amzn1.ask.skill.0f4a6c3e-9b2d-4e71-8a55-3c1d2e9f7b60"
	out := t.TempDir()
	code, stdout, stderr := runSkillPackageCLI(t, "", "skill-package", "--out", out, "--lambda-arn", testLambdaARN,
		"--authorize-url", testAuthorizeURL, "--token-url", testTokenURL, "--client-id", "alexa-skill", "--skill-id", skillID)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var resources askResourcesFile
	mustUnmarshalFile(t, filepath.Join(out, "ask-resources.json"), &resources)
	wantResources := askResourcesFile{Version: "2020-03-31", Profiles: map[string]askResources{
		"default": {SkillMetadata: askSkillMetadata{Src: "./skill-package"}},
	}}
	if diff := cmp.Diff(wantResources, resources); diff != "" {
		t.Errorf("ask-resources.json (-want +got):\n%s", diff)
	}
	var states askStatesFile
	mustUnmarshalFile(t, filepath.Join(out, ".ask", "ask-states.json"), &states)
	wantStates := askStatesFile{Version: "2020-03-31", Profiles: map[string]askStates{"default": {SkillID: skillID}}}
	if diff := cmp.Diff(wantStates, states); diff != "" {
		t.Errorf(".ask/ask-states.json (-want +got):\n%s", diff)
	}
	// The skill-package source the resources name is where the manifest is.
	if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(resources.Profiles["default"].SkillMetadata.Src), "skill.json")); err != nil {
		t.Errorf("skillMetadata.src has no skill.json: %v", err)
	}
	if strings.Contains(stdout, "creates a new skill") {
		t.Errorf("with --skill-id, stdout still says ask deploy creates a skill: %s", stdout)
	}

	// The JSON as the ASK CLI reads it: exactly these keys, nothing else.
	for name, want := range map[string]string{
		"ask-resources.json":   `{"askcliResourcesVersion":"2020-03-31","profiles":{"default":{"skillMetadata":{"src":"./skill-package"}}}}`,
		".ask/ask-states.json": `{"askcliStatesVersion":"2020-03-31","profiles":{"default":{"skillId":"` + skillID + `"}}}`,
	} {
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil || compact.String() != want {
			t.Errorf("%s = %s (%v), want %s", name, compact.String(), err, want)
		}
	}

	// Without --skill-id there is no state: ask deploy creates the skill.
	bare := t.TempDir()
	if code, _, stderr := runSkillPackageCLI(t, "", "skill-package", "--out", bare, "--lambda-arn", testLambdaARN,
		"--authorize-url", testAuthorizeURL, "--token-url", testTokenURL, "--client-id", "alexa-skill"); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(bare, ".ask")); !os.IsNotExist(err) {
		t.Errorf("without --skill-id, .ask exists (%v)", err)
	}
}

func mustUnmarshalFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestSkillManifestFields checks the manifest has every field a custom skill with
// account linking and skill events needs, and that each example phrase is one the
// model understands.
func TestSkillManifestFields(t *testing.T) {
	files, err := renderSkillPackage(skillPackageConfig{LambdaARN: testLambdaARN, AuthorizeURL: testAuthorizeURL, TokenURL: testTokenURL, ClientID: "c", Scopes: []string{"s"}})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(files["skill-package/skill.json"], &doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"manifest.manifestVersion",
		"manifest.publishingInformation.locales.en-US.name",
		"manifest.publishingInformation.locales.en-GB.examplePhrases",
		"manifest.publishingInformation.locales.de-DE.summary",
		"manifest.publishingInformation.distributionCountries",
		"manifest.publishingInformation.category",
		"manifest.privacyAndCompliance.isExportCompliant",
		"manifest.privacyAndCompliance.usesPersonalInfo",
		"manifest.apis.custom.endpoint.uri",
		"manifest.apis.custom.interfaces",
		"manifest.events.endpoint.uri",
		"manifest.events.subscriptions",
	} {
		var cur any = doc
		for _, key := range strings.Split(path, ".") {
			obj, _ := cur.(map[string]any)
			cur = obj[key]
		}
		if cur == nil {
			t.Errorf("manifest lacks %s", path)
		}
	}
	var m skillManifestFile
	if err := json.Unmarshal(files["skill-package/skill.json"], &m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]eventSubscription{{"SKILL_ACCOUNT_LINKED"}, {"SKILL_DISABLED"}}, m.Manifest.Events.Subscriptions); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
	for loc, p := range m.Manifest.PublishingInformation.Locales {
		matcher, err := interactionmodel.NewLocaleMatcher(loc, "skill")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.ExamplePhrases) == 0 || len(p.ExamplePhrases) > 3 {
			t.Errorf("%s: %d example phrases, want 1 to 3", loc, len(p.ExamplePhrases))
		}
		for i, phrase := range p.ExamplePhrases {
			c := &interactionmodel.Conversation{Matcher: matcher, Locale: loc, SkillID: "skill"}
			env, err := c.Utter(phrase)
			if err != nil {
				t.Errorf("%s example phrase %q is not understood: %v", loc, phrase, err)
				continue
			}
			if i == 0 && env.Request.Type != alexa.LaunchRequestType {
				t.Errorf("%s first example phrase %q should open the skill", loc, phrase)
			}
		}
	}
}

func TestSkillPackageUsageErrors(t *testing.T) {
	base := []string{"--lambda-arn", testLambdaARN, "--authorize-url", testAuthorizeURL, "--token-url", testTokenURL, "--client-id", "c"}
	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantErr string
	}{
		{"MissingOut", base, "", "--out is required"},
		{"BadARN", append([]string{"--out", "x", "--lambda-arn", "arn:aws:iam::1:role/x"}, base[2:]...), "", "not a Lambda function ARN"},
		{"PlainHTTP", []string{"--out", "x", "--lambda-arn", testLambdaARN, "--authorize-url", "http://api.example.com/a", "--token-url", testTokenURL, "--client-id", "c"}, "", `--authorize-url "http://api.example.com/a" must be an https URL`},
		{"MissingClientID", []string{"--out", "x", "--lambda-arn", testLambdaARN, "--authorize-url", testAuthorizeURL, "--token-url", testTokenURL}, "", "--client-id is required"},
		{"UnknownFlag", []string{"--nope"}, "", "flag provided but not defined"},
		{"BadSkillID", append([]string{"--out", "x", "--skill-id", "amzn1.ask.account.x"}, base...), "", `--skill-id "amzn1.ask.account.x" is not an Alexa skill ID`},
		{"ExtraArgument", append([]string{"--out", "x", "extra"}, base...), "", `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runSkillPackageCLI(t, tt.stdin, append([]string{"skill-package"}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.wantErr)
			}
		})
	}
}

func TestSkillPackageBadTerraformJSON(t *testing.T) {
	code, _, stderr := runSkillPackageCLI(t, "not json", "skill-package", "--from-terraform", "--out", t.TempDir(), "--client-id", "c")
	if code != 1 || !strings.Contains(stderr, "terraform output -json") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
