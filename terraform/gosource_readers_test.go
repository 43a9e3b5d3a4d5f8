package terraform_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The source readers decide what the Terraform is compared with, so they are tested too.

func mustWriteFiles(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func TestEnvVars(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    []string
		wantErr bool
	}{
		{"OK", map[string]string{
			"main.go":      "package main\n\nconst table = \"EASYTOCLOUD_TABLE\"\n\nfunc f(get func(string) string) string { return get(\"EASYTOCLOUD_ISSUER\") + `EASYTOCLOUD_TABLE` }\n",
			"other.go":     "package main\n\nvar msg = \"EASYTOCLOUD_TABLE is not set\"\n",
			"main_test.go": "package main\n\nvar testOnly = \"EASYTOCLOUD_TEST_ONLY\"\n",
		}, []string{"EASYTOCLOUD_ISSUER", "EASYTOCLOUD_TABLE"}, false},
		{"NoSource", map[string]string{"README": "nothing"}, nil, true},
		{"NoVariables", map[string]string{"main.go": "package main\n"}, nil, true},
		{"SyntaxError", map[string]string{"main.go": "package main\n\nfunc {\n"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := envVars(mustWriteFiles(t, tt.files))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStringSliceVar(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []string
		wantErr bool
	}{
		{"OK", "package main\n\nvar iamActions = []string{\"sns:Publish\", \"dynamodb:GetItem\", \"sns:Publish\"}\n",
			[]string{"dynamodb:GetItem", "sns:Publish"}, false},
		{"InGroup", "package main\n\nvar (\n\tother = 1\n\tiamActions = []string{\"kms:Sign\"}\n)\n",
			[]string{"kms:Sign"}, false},
		{"Missing", "package main\n\nvar actions = []string{\"kms:Sign\"}\n", nil, true},
		{"NotALiteral", "package main\n\nvar iamActions = append([]string{}, \"kms:Sign\")\n", nil, true},
		{"NonStringElement", "package main\n\nconst sign = \"kms:Sign\"\n\nvar iamActions = []string{sign}\n", nil, true},
		{"Empty", "package main\n\nvar iamActions = []string{}\n", nil, true},
		{"WrongType", "package main\n\nvar iamActions = []any{\"kms:Sign\"}\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stringSliceVar(mustWriteFiles(t, map[string]string{"iam.go": tt.src}), "iamActions")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMuxPatterns(t *testing.T) {
	src := "package p\n\nimport \"net/http\"\n\nfunc routes(mux *http.ServeMux, h http.HandlerFunc) {\n" +
		"\tmux.HandleFunc(\"POST /mfa/v1/challenges\", h)\n" +
		"\tmux.Handle(\"/oauth/authorize\", h)\n" +
		"\tmux.HandleFunc(\"GET /mfa/v1/elevations/{tenant}/{user}\", h)\n" +
		"\tother.Handle(\"not a pattern\", h)\n}\n"
	got, err := muxPatterns(mustWriteFiles(t, map[string]string{"routes.go": src}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/oauth/authorize", "GET /mfa/v1/elevations/{tenant}/{user}", "POST /mfa/v1/challenges"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := muxPatterns(mustWriteFiles(t, map[string]string{"p.go": "package p\n"})); err == nil {
		t.Error("muxPatterns of a package without routes succeeded, want an error")
	}
}

func TestMapLiteralKeys(t *testing.T) {
	src := "package p\n\nvar outputs = map[string]func(){\n\t\"token_url\": nil,\n\t\"authorize_url\": nil,\n}\n\nvar other = 1\n"
	got, err := mapLiteralKeys(mustWriteFiles(t, map[string]string{"p.go": src}), "outputs")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"authorize_url", "token_url"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, name := range []string{"other", "missing"} {
		if _, err := mapLiteralKeys(mustWriteFiles(t, map[string]string{"p.go": src}), name); err == nil {
			t.Errorf("mapLiteralKeys(%q) succeeded, want an error", name)
		}
	}
}

func TestConstStringsAndSlogKeys(t *testing.T) {
	src := "package p\n\nimport \"log/slog\"\n\nconst (\n\tauditLockout = \"lockout\"\n\tKeyPurpose = \"mfa-otp\"\n\tcount = 3\n)\n\n" +
		"func f() { slog.Info(\"x\", slog.String(\"audit\", auditLockout), slog.Int(\"tries_left\", count)); keys.Key(nil, \"oauth-token\") }\n"
	dir := mustWriteFiles(t, map[string]string{"p.go": src})
	consts, err := constStrings(dir, "purpose")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"KeyPurpose": "mfa-otp"}, consts); diff != "" {
		t.Errorf("constStrings (-want +got):\n%s", diff)
	}
	keys, err := slogKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"audit": true, "tries_left": true}, keys); diff != "" {
		t.Errorf("slogKeys (-want +got):\n%s", diff)
	}
	purposes, err := keyringPurposes(dir, filepath.Join(dir, "missing"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"mfa-otp", "oauth-token"}, purposes); diff != "" {
		t.Errorf("keyringPurposes (-want +got):\n%s", diff)
	}
	if !stringLike("mfa-*", "mfa-otp") || stringLike("mfa-*", "oauth-token") || !stringLike("?*", "t") || stringLike("?*", "") {
		t.Error("stringLike does not match as IAM's StringLike does")
	}
}
