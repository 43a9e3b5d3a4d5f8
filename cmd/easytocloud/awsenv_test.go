package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/awstest"
	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// TestMain starts the emulator for the whole package (one TestMain per package:
// add other setup here rather than a second one).
func TestMain(m *testing.M) { awstest.Main(m) }

var updateTenantsGolden = flag.Bool("update-tenants-golden", false, "rewrite the testdata golden files of the tenant and user commands")

// cliNow is the clock of the stores the CLI opens in tests.
var cliNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// awsCLI runs the CLI in process against the emulator, with a fresh table and KMS key.
type awsCLI struct {
	t    *testing.T
	vars map[string]string
}

func newAWSCLI(t *testing.T) *awsCLI {
	t.Helper()
	prev := configureStore
	configureStore = func(s *dynamo.Store) {
		s.Now = func() time.Time { return cliNow }
		s.Password = tenants.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	}
	t.Cleanup(func() { configureStore = prev })
	// The SDK reads the AWS settings from the process's environment itself.
	setAWSEnv(t, map[string]string{
		"AWS_ENDPOINT_URL":      awstest.Endpoint(t),
		"AWS_REGION":            awstest.DefaultRegion,
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
	})
	return &awsCLI{t: t, vars: map[string]string{
		envTable:      awstest.Table(t),
		envSecretsKey: awstest.SecretsKey(t),
	}}
}

// setAWSEnv sets the AWS_* variables of the process for the test, and clears the
// others the SDK reads, so that the machine's own settings play no part.
func setAWSEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range []string{"AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// run runs the CLI with stdin and returns its exit status, stdout and stderr.
func (c *awsCLI) run(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return c.vars[k] }}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, env, args)
	return code, stdout.String(), stderr.String()
}

// ok runs the CLI and fails the test unless it exits 0; it returns stdout.
func (c *awsCLI) ok(stdin string, args ...string) string {
	c.t.Helper()
	code, stdout, stderr := c.run(stdin, args...)
	if code != 0 {
		c.t.Fatalf("easytocloud %s: exit %d, stderr %s", strings.Join(args, " "), code, stderr)
	}
	if stderr != "" {
		c.t.Errorf("easytocloud %s wrote to stderr: %s", strings.Join(args, " "), stderr)
	}
	return stdout
}

// store opens the CLI's table directly.
func (c *awsCLI) store() *dynamo.Store {
	cfg := awstest.Config(c.t)
	s := dynamo.NewStore(table.New(dynamodb.NewFromConfig(cfg), c.vars[envTable]), kms.NewFromConfig(cfg), c.vars[envSecretsKey])
	configureStore(s)
	return s
}

var createdRE = regexp.MustCompile(`Created tenant (t-[a-z2-7]+) .*\nExternalId: (\S+)\n`)

// createTenant runs tenant create and returns the new ID and ExternalId.
func (c *awsCLI) createTenant(stdin string, args ...string) (id, externalID string) {
	c.t.Helper()
	out := c.ok(stdin, append([]string{"tenant", "create"}, args...)...)
	m := createdRE.FindStringSubmatch(out)
	if m == nil {
		c.t.Fatalf("tenant create printed no ID and ExternalId:\n%s", out)
	}
	return m[1], m[2]
}

// golden compares got with testdata/name, after replacing each old value with its
// placeholder (IDs are random), padded with "_" to the value's length so that columns
// stay aligned; -update-tenants-golden rewrites the file.
func golden(t *testing.T, name, got string, replace ...string) {
	t.Helper()
	for i := 1; i < len(replace); i += 2 {
		if n := len(replace[i-1]) - len(replace[i]); n > 0 {
			replace[i] += strings.Repeat("_", n)
		}
	}
	got = strings.NewReplacer(replace...).Replace(got)
	path := filepath.Join("testdata", name)
	if *updateTenantsGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-tenants-golden to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s\nwant:\n%s", name, got, want)
	}
}
