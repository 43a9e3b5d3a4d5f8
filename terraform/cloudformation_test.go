package terraform_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// tenantTemplateFile is the CloudFormation template of the tenant's role, the tenant
// module's equivalent for a quick-create link (relative to this package).
const tenantTemplateFile = "tenant/cloudformation.json"

// testAccountID is the account the tenant's resources are evaluated in.
const testAccountID = "123456789012"

// cfnTemplate is a CloudFormation template in JSON, with the sections it may have.
type cfnTemplate struct {
	AWSTemplateFormatVersion string
	Description              string
	Metadata                 map[string]any
	Parameters               map[string]cfnParameter
	Conditions               map[string]any
	Resources                map[string]cfnResource
	Outputs                  map[string]cfnOutput
}

type cfnParameter struct {
	Type                  string
	Description           string
	Default               *string
	AllowedPattern        string
	AllowedValues         []string
	MinLength, MaxLength  *int
	ConstraintDescription string
	NoEcho                bool
}

type cfnResource struct {
	Type                string
	Condition           string
	Metadata            map[string]any
	Properties          map[string]any
	DependsOn           any
	DeletionPolicy      string
	UpdateReplacePolicy string
}

type cfnOutput struct {
	Description string
	Condition   string
	Value       any
	Export      map[string]any
}

// parseTemplate decodes a template, refusing keys CloudFormation does not know in its
// sections, parameters, resources and outputs.
func parseTemplate(src []byte) (*cfnTemplate, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var t cfnTemplate
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("decode %s: %w", tenantTemplateFile, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: data after the template", tenantTemplateFile)
	}
	return &t, nil
}

func mustTenantTemplate(tb testing.TB) []byte {
	tb.Helper()
	src, err := os.ReadFile(tenantTemplateFile)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// cfnPseudo are the pseudo parameters a template may Ref, as in the test account.
var cfnPseudo = map[string]string{
	"AWS::AccountId": testAccountID,
	"AWS::Partition": "aws",
	"AWS::Region":    "eu-west-1",
	"AWS::StackName": "easytocloud",
	"AWS::URLSuffix": "amazonaws.com",
}

// cfnType is what the test knows of a resource type: its properties (required ones
// marked) and what Ref and Fn::GetAtt of such a resource stand for, as the suffix of
// the resource's symbol (see tenantSetup).
type cfnType struct {
	properties map[string]bool // name → required
	ref        string
	attrs      map[string]string
}

var cfnTypes = map[string]cfnType{
	"AWS::IAM::Role": {
		properties: map[string]bool{"AssumeRolePolicyDocument": true, "Description": false, "ManagedPolicyArns": false, "MaxSessionDuration": false, "Path": false, "PermissionsBoundary": false, "Policies": false, "RoleName": false, "Tags": false},
		ref:        "name",
		attrs:      map[string]string{"Arn": "arn", "RoleId": "id"},
	},
	"AWS::IAM::ManagedPolicy": {
		properties: map[string]bool{"Description": false, "Groups": false, "ManagedPolicyName": false, "Path": false, "PolicyDocument": true, "Roles": false, "Users": false},
		ref:        "arn",
		attrs:      map[string]string{"PolicyArn": "arn"},
	},
	"AWS::IAM::User": {
		properties: map[string]bool{"Groups": false, "LoginProfile": false, "ManagedPolicyArns": false, "Path": false, "PermissionsBoundary": false, "Policies": false, "Tags": false, "UserName": false},
		ref:        "name",
		attrs:      map[string]string{"Arn": "arn"},
	},
	"AWS::IAM::AccessKey": {
		properties: map[string]bool{"Serial": false, "Status": false, "UserName": true},
		ref:        "id",
		attrs:      map[string]string{"SecretAccessKey": "secret"},
	},
}

// subVariable matches a ${…} of Fn::Sub; ${!…} is a literal.
var subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

// cfnStack is a template as CloudFormation creates a stack of it: parameters given or
// defaulted and checked against their constraints, conditions decided, resources
// whose condition is false left out. Ref and Fn::GetAtt of a resource evaluate to
// "<symbol>.<suffix>": symbols names each resource (its logical ID when nil).
type cfnStack struct {
	tmpl    *cfnTemplate
	params  map[string]string
	conds   map[string]bool
	symbols map[string]string
}

// noValue is what Ref AWS::NoValue evaluates to: the property or element is left out.
type noValueType struct{}

var noValue = noValueType{}

func newStack(t *cfnTemplate, given map[string]string, symbols map[string]string) (*cfnStack, error) {
	s := &cfnStack{tmpl: t, params: map[string]string{}, conds: map[string]bool{}, symbols: symbols}
	for name := range given {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter %s is given but the template has none of that name", name)
		}
	}
	for name, p := range t.Parameters {
		v, ok := given[name]
		if !ok {
			if p.Default == nil {
				return nil, fmt.Errorf("parameter %s has no value and no default", name)
			}
			v = *p.Default
		}
		if err := checkParameter(p, v); err != nil {
			return nil, fmt.Errorf("parameter %s = %q: %w", name, v, err)
		}
		s.params[name] = v
	}
	for name := range t.Conditions {
		if _, err := s.condition(name, nil); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// checkParameter applies a parameter's constraints to v as CloudFormation does (an
// AllowedPattern matches the whole value).
func checkParameter(p cfnParameter, v string) error {
	if p.Type != "String" {
		return fmt.Errorf("type %q: only String parameters are used here", p.Type)
	}
	if p.AllowedValues != nil && !slices.Contains(p.AllowedValues, v) {
		return fmt.Errorf("not one of %q", p.AllowedValues)
	}
	if p.AllowedPattern != "" {
		re, err := regexp.Compile("^(?:" + p.AllowedPattern + ")$")
		if err != nil {
			return fmt.Errorf("AllowedPattern %q: %w", p.AllowedPattern, err)
		}
		if !re.MatchString(v) {
			return fmt.Errorf("does not match %q", p.AllowedPattern)
		}
	}
	n := utf8.RuneCountInString(v)
	if p.MinLength != nil && n < *p.MinLength {
		return fmt.Errorf("shorter than %d", *p.MinLength)
	}
	if p.MaxLength != nil && n > *p.MaxLength {
		return fmt.Errorf("longer than %d", *p.MaxLength)
	}
	return nil
}

// condition decides the template's condition name (seen guards against cycles).
func (s *cfnStack) condition(name string, seen []string) (bool, error) {
	if v, ok := s.conds[name]; ok {
		return v, nil
	}
	expr, ok := s.tmpl.Conditions[name]
	if !ok {
		return false, fmt.Errorf("condition %s does not exist", name)
	}
	if slices.Contains(seen, name) {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	v, err := s.decide(expr, append(seen, name))
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	s.conds[name] = v
	return v, nil
}

// decide evaluates a condition function.
func (s *cfnStack) decide(expr any, seen []string) (bool, error) {
	fn, arg, ok := intrinsic(expr)
	if !ok {
		return false, fmt.Errorf("%v is not a condition function", expr)
	}
	args, _ := arg.([]any)
	switch fn {
	case "Condition":
		name, ok := arg.(string)
		if !ok {
			return false, fmt.Errorf("Condition %v is not a name", arg)
		}
		return s.condition(name, seen)
	case "Fn::Equals":
		if len(args) != 2 {
			return false, fmt.Errorf("Fn::Equals takes two values, got %v", arg)
		}
		a, err := s.evalString(args[0])
		if err != nil {
			return false, err
		}
		b, err := s.evalString(args[1])
		if err != nil {
			return false, err
		}
		return a == b, nil
	case "Fn::Not":
		if len(args) != 1 {
			return false, fmt.Errorf("Fn::Not takes one condition, got %v", arg)
		}
		v, err := s.decide(args[0], seen)
		return !v, err
	case "Fn::And", "Fn::Or":
		if len(args) < 2 {
			return false, fmt.Errorf("%s takes two conditions or more, got %v", fn, arg)
		}
		and := fn == "Fn::And"
		for _, a := range args {
			v, err := s.decide(a, seen)
			if err != nil {
				return false, err
			}
			if v != and {
				return v, nil
			}
		}
		return and, nil
	}
	return false, fmt.Errorf("%s is not a condition function", fn)
}

// intrinsic reports whether v is a call of an intrinsic function (an object of one
// key, "Ref", "Condition" or "Fn::…"), and which.
func intrinsic(v any) (fn string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// included reports whether the resource name is created (its condition holds).
func (s *cfnStack) included(name string) (bool, error) {
	r, ok := s.tmpl.Resources[name]
	if !ok {
		return false, fmt.Errorf("resource %s does not exist", name)
	}
	if r.Condition == "" {
		return true, nil
	}
	v, ok := s.conds[r.Condition]
	if !ok {
		return false, fmt.Errorf("resource %s: condition %s does not exist", name, r.Condition)
	}
	return v, nil
}

// symbol returns what Ref (attr "") or Fn::GetAtt of resource name evaluates to.
func (s *cfnStack) symbol(name, attr string) (string, error) {
	ok, err := s.included(name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("resource %s is referred to but its condition is false", name)
	}
	typ, known := cfnTypes[s.tmpl.Resources[name].Type]
	if !known {
		return "", fmt.Errorf("resource %s: type %s is not known here", name, s.tmpl.Resources[name].Type)
	}
	suffix := typ.ref
	if attr != "" {
		if suffix, known = typ.attrs[attr]; !known {
			return "", fmt.Errorf("resource %s (%s) has no attribute %s", name, s.tmpl.Resources[name].Type, attr)
		}
	}
	sym := name
	if s.symbols != nil {
		if sym, known = s.symbols[name]; !known {
			return "", fmt.Errorf("resource %s is not one the module has", name)
		}
	}
	return sym + "." + suffix, nil
}

// ref evaluates Ref name.
func (s *cfnStack) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue, nil
	}
	if v, ok := s.params[name]; ok {
		return v, nil
	}
	if v, ok := cfnPseudo[name]; ok {
		return v, nil
	}
	return s.symbol(name, "")
}

// eval resolves the intrinsic functions in v and leaves out what evaluates to
// AWS::NoValue.
func (s *cfnStack) eval(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := intrinsic(x); ok {
			return s.call(fn, arg)
		}
		out := map[string]any{}
		for k, e := range x {
			r, err := s.eval(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if r != noValue {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := []any{}
		for i, e := range x {
			r, err := s.eval(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if r != noValue {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (s *cfnStack) evalString(v any) (string, error) {
	r, err := s.eval(v)
	if err != nil {
		return "", err
	}
	str, ok := r.(string)
	if !ok {
		return "", fmt.Errorf("%v is not a string", v)
	}
	return str, nil
}

func (s *cfnStack) call(fn string, arg any) (any, error) {
	args, _ := arg.([]any)
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("Ref %v is not a name", arg)
		}
		return s.ref(name)
	case "Fn::GetAtt":
		var res, attr string
		switch a := arg.(type) {
		case string:
			res, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) == 2 {
				res, _ = a[0].(string)
				attr, _ = a[1].(string)
			}
		}
		if res == "" || attr == "" {
			return nil, fmt.Errorf("Fn::GetAtt %v is not [resource, attribute]", arg)
		}
		return s.symbol(res, attr)
	case "Fn::If":
		if len(args) != 3 {
			return nil, fmt.Errorf("Fn::If takes a condition and two values, got %v", arg)
		}
		name, _ := args[0].(string)
		v, ok := s.conds[name]
		if !ok {
			return nil, fmt.Errorf("Fn::If: condition %v does not exist", args[0])
		}
		if v {
			return s.eval(args[1])
		}
		return s.eval(args[2])
	case "Fn::Join":
		if len(args) != 2 {
			return nil, fmt.Errorf("Fn::Join takes a separator and a list, got %v", arg)
		}
		sep, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Join separator %v is not a string", args[0])
		}
		list, err := s.eval(args[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join of %v, not a list", args[1])
		}
		parts := make([]string, len(items))
		for i, it := range items {
			if parts[i], ok = it.(string); !ok {
				return nil, fmt.Errorf("Fn::Join element %v is not a string", it)
			}
		}
		return strings.Join(parts, sep), nil
	case "Fn::Sub":
		return s.sub(arg)
	}
	return nil, fmt.Errorf("intrinsic function %s is not supported here", fn)
}

// sub evaluates Fn::Sub: a string, or a string and a map of its own variables.
func (s *cfnStack) sub(arg any) (string, error) {
	text, vars := "", map[string]string{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		var ok bool
		if len(a) != 2 {
			return "", fmt.Errorf("Fn::Sub takes a string or [string, variables], got %v", arg)
		}
		if text, ok = a[0].(string); !ok {
			return "", fmt.Errorf("Fn::Sub string %v is not a string", a[0])
		}
		m, ok := a[1].(map[string]any)
		if !ok {
			return "", fmt.Errorf("Fn::Sub variables %v are not a map", a[1])
		}
		for k, v := range m {
			str, err := s.evalString(v)
			if err != nil {
				return "", fmt.Errorf("Fn::Sub variable %s: %w", k, err)
			}
			vars[k] = str
		}
	default:
		return "", fmt.Errorf("Fn::Sub takes a string or [string, variables], got %v", arg)
	}
	var firstErr error
	out := subVariable.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return v
		}
		var v any
		var err error
		if res, attr, ok := strings.Cut(name, "."); ok {
			v, err = s.symbol(res, attr)
		} else {
			v, err = s.ref(name)
		}
		str, isString := v.(string)
		if err == nil && !isString {
			err = fmt.Errorf("${%s} is not a string", name)
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub: %w", err)
		}
		return str
	})
	return out, firstErr
}

// The template is one CloudFormation accepts: its format version, resource types and
// properties, every Ref, Fn::GetAtt, Fn::Sub variable and condition naming something
// that exists, parameters whose defaults meet their constraints, and no parameter or
// condition that nothing uses. Also run on a broken copy to prove it can fail.
func TestTenantTemplateIsValidCloudFormation(t *testing.T) {
	src := mustTenantTemplate(t)
	if problems := templateProblems(src); len(problems) > 0 {
		t.Errorf("%s is not a valid template:\n%s", tenantTemplateFile, strings.Join(problems, "\n"))
	}
	broken := []struct {
		name string
		edit func(doc map[string]any)
	}{
		{"UnknownParameter", func(doc map[string]any) {
			jsonAt(doc, "Resources", "Role", "Properties")["RoleName"] = map[string]any{"Ref": "RoleNames"}
		}},
		{"UnknownCondition", func(doc map[string]any) { jsonAt(doc, "Resources", "MFAVerifier")["Condition"] = "WithVerifier" }},
		{"UnknownAttribute", func(doc map[string]any) {
			jsonAt(doc, "Outputs", "RoleArn")["Value"] = map[string]any{"Fn::GetAtt": []any{"Role", "ARN"}}
		}},
		{"UnknownType", func(doc map[string]any) { jsonAt(doc, "Resources", "MFAVerifierAccessKey")["Type"] = "AWS::IAM::Key" }},
		{"UnknownProperty", func(doc map[string]any) { jsonAt(doc, "Resources", "Role", "Properties")["MaxSession"] = 3600 }},
		{"MissingProperty", func(doc map[string]any) {
			delete(jsonAt(doc, "Resources", "MFAVerifierAccessKey", "Properties"), "UserName")
		}},
		{"UnknownSubVariable", func(doc map[string]any) {
			jsonAt(doc, "Resources", "MFAVerifierBoundary", "Properties")["ManagedPolicyName"] = map[string]any{"Fn::Sub": "${VerifierName}-boundary"}
		}},
		{"UnknownFunction", func(doc map[string]any) {
			jsonAt(doc, "Resources", "Role", "Properties")["RoleName"] = map[string]any{"Fn::Concat": []any{"a", "b"}}
		}},
		{"ResourceOutsideItsCondition", func(doc map[string]any) {
			jsonAt(doc, "Outputs", "RoleArn")["Value"] = map[string]any{"Ref": "MFAVerifier"}
		}},
		{"DefaultOutsideConstraint", func(doc map[string]any) { jsonAt(doc, "Parameters", "CreateMFAVerifier")["Default"] = "no" }},
		{"UnusedParameter", func(doc map[string]any) {
			jsonAt(doc, "Parameters")["Extra"] = map[string]any{"Type": "String", "Description": "unused", "Default": ""}
		}},
		{"UnusedCondition", func(doc map[string]any) {
			jsonAt(doc, "Conditions")["Extra"] = map[string]any{"Fn::Equals": []any{"a", "a"}}
		}},
		{"UngroupedParameter", func(doc map[string]any) {
			groups := jsonAt(doc, "Metadata", "AWS::CloudFormation::Interface")["ParameterGroups"].([]any)
			jsonAt(doc, "Metadata", "AWS::CloudFormation::Interface")["ParameterGroups"] = groups[1:]
		}},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			problems := templateProblems(editJSON(t, src, b.edit))
			if len(problems) == 0 {
				t.Error("the check finds nothing wrong with the broken template")
			}
		})
	}
}

// editJSON returns the JSON document src changed by edit.
func editJSON(tb testing.TB, src []byte, edit func(doc map[string]any)) []byte {
	tb.Helper()
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		tb.Fatal(err)
	}
	edit(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// jsonAt returns the object at path in doc; it panics when there is none, as a test
// case that edits what is not there is wrong.
func jsonAt(doc map[string]any, path ...string) map[string]any {
	for _, k := range path {
		next, ok := doc[k].(map[string]any)
		if !ok {
			panic(fmt.Sprintf("no object at %q", path))
		}
		doc = next
	}
	return doc
}

// templateProblems lists what is wrong with the template src.
func templateProblems(src []byte) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	t, err := parseTemplate(src)
	if err != nil {
		return []string{err.Error()}
	}
	if t.AWSTemplateFormatVersion != "2010-09-09" {
		add("AWSTemplateFormatVersion = %q, want 2010-09-09", t.AWSTemplateFormatVersion)
	}
	if t.Description == "" {
		add("no Description")
	}
	if len(t.Resources) == 0 {
		add("no Resources")
	}
	used := map[string]bool{}
	for name, p := range t.Parameters {
		if p.Description == "" {
			add("parameter %s has no Description", name)
		}
		if p.Type != "String" {
			add("parameter %s: type %q; only String parameters are used here", name, p.Type)
		}
		if _, err := regexp.Compile(p.AllowedPattern); err != nil {
			add("parameter %s: AllowedPattern: %v", name, err)
		}
		if p.Default != nil {
			if err := checkParameter(p, *p.Default); err != nil {
				add("parameter %s: default %q: %v", name, *p.Default, err)
			}
		}
	}
	w := &templateWalker{t: t, used: used, add: add}
	for name, c := range t.Conditions {
		w.walk("Conditions."+name, c, true, "")
	}
	for name, r := range t.Resources {
		where := "Resources." + name
		typ, ok := cfnTypes[r.Type]
		if !ok {
			add("%s: type %q is not one this template may use", where, r.Type)
			continue
		}
		if r.Condition != "" {
			w.condition(where, r.Condition)
		}
		for p, required := range typ.properties {
			if _, ok := r.Properties[p]; required && !ok {
				add("%s: required property %s missing", where, p)
			}
		}
		for p, v := range r.Properties {
			if _, ok := typ.properties[p]; !ok {
				add("%s: %s has no property %s", where, r.Type, p)
			}
			w.walk(where+"."+p, v, false, r.Condition)
		}
		if r.DependsOn != nil {
			add("%s: DependsOn is not used here", where)
		}
	}
	for name, o := range t.Outputs {
		where := "Outputs." + name
		if o.Value == nil {
			add("%s has no Value", where)
		}
		if o.Description == "" {
			add("%s has no Description", where)
		}
		if o.Condition != "" {
			w.condition(where, o.Condition)
		}
		w.walk(where, o.Value, false, o.Condition)
	}
	for name := range t.Parameters {
		if !used[name] {
			add("parameter %s is not used", name)
		}
	}
	for name := range t.Conditions {
		if !used["condition:"+name] {
			add("condition %s is not used", name)
		}
	}
	// The quick-create page shows the parameters in the groups of the interface.
	if iface, ok := t.Metadata["AWS::CloudFormation::Interface"].(map[string]any); ok {
		grouped := map[string]int{}
		groups, _ := iface["ParameterGroups"].([]any)
		for _, g := range groups {
			params, _ := g.(map[string]any)["Parameters"].([]any)
			for _, p := range params {
				name, _ := p.(string)
				grouped[name]++
				if _, ok := t.Parameters[name]; !ok {
					add("ParameterGroups name %q, which is no parameter", p)
				}
			}
		}
		for name := range t.Parameters {
			if grouped[name] != 1 {
				add("parameter %s is in %d parameter groups, want 1", name, grouped[name])
			}
		}
		labels, _ := iface["ParameterLabels"].(map[string]any)
		for name := range labels {
			if _, ok := t.Parameters[name]; !ok {
				add("ParameterLabels name %q, which is no parameter", name)
			}
		}
	}
	return problems
}

// templateWalker checks the references in a template's values.
type templateWalker struct {
	t    *cfnTemplate
	used map[string]bool
	add  func(format string, args ...any)
}

func (w *templateWalker) condition(where, name string) {
	if _, ok := w.t.Conditions[name]; !ok {
		w.add("%s: condition %s does not exist", where, name)
	}
	w.used["condition:"+name] = true
}

// name checks a Ref or ${} of name (attr for Fn::GetAtt or ${name.attr}); a resource
// with a condition may only be named under the same condition.
func (w *templateWalker) name(where, name, attr string, inConditions bool, cond string) {
	if _, ok := w.t.Parameters[name]; ok && attr == "" {
		w.used[name] = true
		return
	}
	if _, ok := cfnPseudo[name]; ok && attr == "" {
		return
	}
	if name == "AWS::NoValue" && attr == "" && !inConditions {
		return
	}
	r, ok := w.t.Resources[name]
	switch {
	case !ok:
		w.add("%s: %s names nothing (no parameter, pseudo parameter or resource)", where, name)
	case inConditions:
		w.add("%s: a condition cannot refer to resource %s", where, name)
	case r.Condition != "" && r.Condition != cond:
		w.add("%s: refers to %s, which exists only under condition %s", where, name, r.Condition)
	case attr != "":
		if _, ok := cfnTypes[r.Type].attrs[attr]; !ok {
			w.add("%s: %s (%s) has no attribute %s", where, name, r.Type, attr)
		}
	}
}

func (w *templateWalker) walk(where string, v any, inConditions bool, cond string) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			w.walk(fmt.Sprintf("%s[%d]", where, i), e, inConditions, cond)
		}
		return
	case map[string]any:
	default:
		return
	}
	m := v.(map[string]any)
	fn, arg, ok := intrinsic(m)
	if !ok {
		for k, e := range m {
			w.walk(where+"."+k, e, inConditions, cond)
		}
		return
	}
	args, _ := arg.([]any)
	allowed := map[bool][]string{
		true:  {"Condition", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Ref"},
		false: {"Ref", "Fn::GetAtt", "Fn::If", "Fn::Join", "Fn::Sub"},
	}
	if !slices.Contains(allowed[inConditions], fn) {
		w.add("%s: %s is not allowed here", where, fn)
		return
	}
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		w.name(where, name, "", inConditions, cond)
	case "Condition":
		name, _ := arg.(string)
		w.condition(where, name)
	case "Fn::GetAtt":
		if len(args) != 2 {
			w.add("%s: Fn::GetAtt takes [resource, attribute]", where)
			return
		}
		name, _ := args[0].(string)
		attr, _ := args[1].(string)
		w.name(where, name, attr, inConditions, cond)
	case "Fn::If":
		if len(args) != 3 {
			w.add("%s: Fn::If takes a condition and two values", where)
			return
		}
		name, _ := args[0].(string)
		w.condition(where, name)
		w.walk(where+".then", args[1], inConditions, cond)
		w.walk(where+".else", args[2], inConditions, cond)
	case "Fn::Sub":
		text, _ := arg.(string)
		vars := map[string]any{}
		if len(args) == 2 {
			text, _ = args[0].(string)
			vars, _ = args[1].(map[string]any)
		}
		for k, e := range vars {
			w.walk(where+".${"+k+"}", e, inConditions, cond)
		}
		for _, m := range subVariable.FindAllStringSubmatch(text, -1) {
			name := m[1]
			if strings.HasPrefix(name, "!") {
				continue
			}
			if _, ok := vars[name]; ok {
				continue
			}
			res, attr, _ := strings.Cut(name, ".")
			w.name(where, res, attr, inConditions, cond)
		}
	default:
		for i, e := range args {
			w.walk(fmt.Sprintf("%s.%s[%d]", where, fn, i), e, inConditions, cond)
		}
	}
}
