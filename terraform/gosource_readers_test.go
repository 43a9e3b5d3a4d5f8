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
