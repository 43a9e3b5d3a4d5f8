package terraform_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/easytocloud/easytocloud/internal/table"
)

// functions are the Lambda functions, each built from cmd/<name>.
var functions = []string{"skill", "oauth", "mfa", "console"}

// tableShape is what the Go schema and the Terraform must agree on.
type tableShape struct {
	BillingMode  string
	HashKey      string
	RangeKey     string
	Attributes   map[string]string // name → type
	Indexes      map[string]indexShape
	TTLAttribute string
}

type indexShape struct {
	HashKey, RangeKey, Projection string
}

func TestTableMatchesGoSchema(t *testing.T) {
	def := table.Definition("easytocloud")
	want := tableShape{
		BillingMode:  string(def.BillingMode),
		Attributes:   map[string]string{},
		Indexes:      map[string]indexShape{},
		TTLAttribute: table.TTLAttribute,
	}
	want.HashKey, want.RangeKey = goKeys(def.KeySchema)
	for _, a := range def.AttributeDefinitions {
		want.Attributes[aws.ToString(a.AttributeName)] = string(a.AttributeType)
	}
	for _, g := range def.GlobalSecondaryIndexes {
		hash, rng := goKeys(g.KeySchema)
		want.Indexes[aws.ToString(g.IndexName)] = indexShape{hash, rng, string(g.Projection.ProjectionType)}
	}

	m := mustLoadModule(t, stackDir)
	table := m.mustFind(t, "resource", "aws_dynamodb_table", "main")
	got := tableShape{
		BillingMode: table.mustString(t, "billing_mode"),
		HashKey:     table.mustString(t, "hash_key"),
		RangeKey:    table.mustString(t, "range_key"),
		Attributes:  map[string]string{},
		Indexes:     map[string]indexShape{},
	}
	for _, a := range table.nested("attribute") {
		got.Attributes[a.mustString(t, "name")] = a.mustString(t, "type")
	}
	for _, g := range table.nested("global_secondary_index") {
		got.Indexes[g.mustString(t, "name")] = indexShape{g.mustString(t, "hash_key"), g.mustString(t, "range_key"), g.mustString(t, "projection_type")}
	}
	ttl := mustOne(t, table.nested("ttl"), "ttl")
	got.TTLAttribute = ttl.mustString(t, "attribute_name")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("aws_dynamodb_table.main differs from table.Definition (-go +terraform):\n%s", diff)
	}

	// Durable and encrypted, as the design asks.
	expect(t, "", []check{
		{"ttl enabled", ttl.text("enabled"), "true"},
		{"point-in-time recovery", mustOne(t, table.nested("point_in_time_recovery"), "point_in_time_recovery").text("enabled"), "true"},
		{"deletion protection", table.text("deletion_protection_enabled"), "true"},
		{"encryption", mustOne(t, table.nested("server_side_encryption"), "server_side_encryption").text("enabled"), "true"},
		{"encryption key", mustOne(t, table.nested("server_side_encryption"), "server_side_encryption").text("kms_key_arn"), "aws_kms_key.table.arn"},
	})
}

// mustLambdaFunctions returns aws_lambda_function.function, one function per key of
// local.lambda_functions, and that local's value; its keys must be the functions.
func mustLambdaFunctions(tb testing.TB, m *module) (*block, cty.Value) {
	tb.Helper()
	f := m.mustFind(tb, "resource", "aws_lambda_function", "function")
	expect(tb, "aws_lambda_function.function ", []check{{"for_each", f.text("for_each"), "local.lambda_functions"}})
	v, ok := m.locals["lambda_functions"]
	if !ok {
		tb.Fatal("local.lambda_functions is missing or not a literal")
	}
	var keys []string
	for it := v.ElementIterator(); it.Next(); {
		k, _ := it.Element()
		keys = append(keys, k.AsString())
	}
	if diff := cmp.Diff(sorted(functions), keys); diff != "" {
		tb.Fatalf("local.lambda_functions keys differ from the functions (-want +got):\n%s", diff)
	}
	return f, v
}

func TestFunctionEnvironmentMatchesWhatTheCodeReads(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	f, settings := mustLambdaFunctions(t, m)
	env := mustOne(t, f.nested("environment"), "environment")
	expect(t, "aws_lambda_function.function environment ", []check{
		{"variables", env.text("variables"), "{ for name in each.value.environment : name => local.function_environment[name] }"},
	})
	read := map[string]bool{}
	for _, fn := range functions {
		t.Run(fn, func(t *testing.T) {
			want := mustListed(t, mustFunction(t, fn).Env, "EASYTOCLOUD_ variable", fn)
			got := mustStrings(t, settings.GetAttr(fn).GetAttr("environment"))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the environment of aws_lambda_function.function[%q] differs from the EASYTOCLOUD_ variables cmd/%s reads (app.Functions; -code +terraform):\n%s", fn, fn, diff)
			}
		})
		for _, name := range mustFunction(t, fn).Env {
			read[name] = true
		}
	}
	// Every variable a function reads has a value, and no value is set for nothing.
	values := mustObjectKeys(t, m.mustLocal(t, "function_environment").attr("function_environment").Expr)
	if diff := cmp.Diff(sortedKeys(read), values); diff != "" {
		t.Errorf("local.function_environment differs from the EASYTOCLOUD_ variables the functions read (-code +terraform):\n%s", diff)
	}
}

func TestFunctionsRunTheBuiltZips(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	f, _ := mustLambdaFunctions(t, m)
	expect(t, "aws_lambda_function.function ", []check{
		{"runtime", f.text("runtime"), `"provided.al2023"`},
		{"architectures", f.text("architectures"), `["arm64"]`},
		{"handler", f.text("handler"), `"bootstrap"`},
		{"filename", f.text("filename"), `"${local.build_dir}/${each.key}.zip"`},
		{"source_code_hash", f.text("source_code_hash"), `filebase64sha256("${local.build_dir}/${each.key}.zip")`},
		{"role", f.text("role"), `aws_iam_role.function[each.key].arn`},
		{"tracing", mustOne(t, f.nested("tracing_config"), "tracing_config").text("mode"), "local.tracing_mode"},
	})
}

func TestOnlyAlexaInvokesTheSkill(t *testing.T) {
	m := mustLoadModule(t, stackDir)
	var skillPermissions []*block
	for _, p := range m.find("resource", "aws_lambda_permission") {
		if strings.Contains(p.text("function_name"), `aws_lambda_function.function["skill"].`) {
			skillPermissions = append(skillPermissions, p)
		}
	}
	p := mustOne(t, skillPermissions, "aws_lambda_permission for the skill")
	expect(t, "", []check{
		{"principal", p.text("principal"), `"alexa-appkit.amazon.com"`},
		{"action", p.text("action"), `"lambda:InvokeFunction"`},
		{"event_source_token", p.text("event_source_token"), "var.skill_id"},
	})
}

// goKeys returns the hash and range key names of a key schema.
func goKeys(schema []types.KeySchemaElement) (hash, rng string) {
	for _, k := range schema {
		switch k.KeyType {
		case types.KeyTypeHash:
			hash = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			rng = aws.ToString(k.AttributeName)
		}
	}
	return hash, rng
}

// mustOne returns the only element of blocks.
func mustOne(tb testing.TB, blocks []*block, what string) *block {
	tb.Helper()
	if len(blocks) != 1 {
		tb.Fatalf("want one %s block, got %d", what, len(blocks))
	}
	return blocks[0]
}
