package terraform_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	"github.com/zclconf/go-cty/cty/gocty"
)

// tenantSetup is what the tenant module or the CloudFormation template creates in a
// tenant's account for given inputs, in one form for both: the IAM roles, users,
// managed policies and access keys by symbol (tenantSymbols), and the outputs by the
// module's names. A reference to a resource is "<symbol>.<attribute>" on both sides.
type tenantSetup struct {
	Roles      map[string]iamRole
	Users      map[string]iamUser
	Policies   map[string]iamManagedPolicy
	AccessKeys map[string]iamAccessKey
	Outputs    map[string]string
}

type iamRole struct {
	Name, Description, Path, PermissionsBoundary string
	MaxSessionDuration                           int64
	Trust                                        policyDoc
	Policies                                     map[string]policyDoc // inline, by name
	ManagedPolicyARNs                            []string
}

type iamUser struct {
	Name, Path, PermissionsBoundary string
	Policies                        map[string]policyDoc
	ManagedPolicyARNs               []string
}

type iamManagedPolicy struct {
	Name, Description, Path string
	Document                policyDoc
}

type iamAccessKey struct{ User, Status string }

// policyDoc is an IAM policy document as IAM reads it: statements in no particular
// order, lists as sets.
type policyDoc struct {
	Version    string
	Statements []policyStatement
}

type policyStatement struct {
	Sid, Effect                                  string
	Principals                                   map[string][]string // type → identifiers; "*" → ["*"] for everyone
	Actions, NotActions, Resources, NotResources []string
	Conditions                                   map[string]map[string][]string // test → key → values
}

// tenantSymbols are the resources of the module and of the template that are the same
// thing. (The module's aws_iam_role_policy is its role's inline policy.)
var tenantSymbols = []struct{ module, template, symbol string }{
	{"aws_iam_role.easytocloud", "Role", "role"},
	{"aws_iam_policy.deny_all", "MFAVerifierBoundary", "boundary"},
	{"aws_iam_user.mfa_verifier", "MFAVerifier", "verifier"},
	{"aws_iam_access_key.mfa_verifier", "MFAVerifierAccessKey", "verifier_key"},
}

// tenantOutputs are the module's outputs and the template's that are the same.
var tenantOutputs = map[string]string{
	"role_arn":                       "RoleArn",
	"mfa_verifier_user_name":         "MFAVerifierUserName",
	"mfa_verifier_access_key_id":     "MFAVerifierAccessKeyId",
	"mfa_verifier_secret_access_key": "MFAVerifierSecretAccessKey",
}

// tenantInputs are what a tenant chooses: the module's variables, the template's
// parameters. Nil means unset (the default).
type tenantInputs struct {
	OperatorRoleARN, ExternalID string
	RoleName, VerifierName      *string
	ControlTag                  *controlTag
	Verifier                    *bool
}

type controlTag struct {
	Key   string
	Value *string
}

// The names each side gives the inputs.
var (
	tenantVariables  = []string{"control_tag", "create_mfa_verifier", "external_id", "mfa_verifier_user_name", "operator_role_arn", "role_name"}
	tenantParameters = []string{"ControlTagKey", "ControlTagValue", "CreateMFAVerifier", "ExternalId", "MFAVerifierUserName", "OperatorRoleArn", "RoleName"}
)

func (in tenantInputs) variables() map[string]cty.Value {
	v := map[string]cty.Value{
		"operator_role_arn": cty.StringVal(in.OperatorRoleARN),
		"external_id":       cty.StringVal(in.ExternalID),
	}
	if in.RoleName != nil {
		v["role_name"] = cty.StringVal(*in.RoleName)
	}
	if in.ControlTag != nil {
		tag := map[string]cty.Value{"key": cty.StringVal(in.ControlTag.Key)}
		if in.ControlTag.Value != nil {
			tag["value"] = cty.StringVal(*in.ControlTag.Value)
		}
		v["control_tag"] = cty.ObjectVal(tag)
	}
	if in.Verifier != nil {
		v["create_mfa_verifier"] = cty.BoolVal(*in.Verifier)
	}
	if in.VerifierName != nil {
		v["mfa_verifier_user_name"] = cty.StringVal(*in.VerifierName)
	}
	return v
}

func (in tenantInputs) parameters() map[string]string {
	p := map[string]string{"OperatorRoleArn": in.OperatorRoleARN, "ExternalId": in.ExternalID}
	if in.RoleName != nil {
		p["RoleName"] = *in.RoleName
	}
	if in.ControlTag != nil {
		p["ControlTagKey"] = in.ControlTag.Key
		p["ControlTagValue"] = ""
		if in.ControlTag.Value != nil {
			p["ControlTagValue"] = *in.ControlTag.Value
		}
	}
	if in.Verifier != nil {
		p["CreateMFAVerifier"] = fmt.Sprint(*in.Verifier)
	}
	if in.VerifierName != nil {
		p["MFAVerifierUserName"] = *in.VerifierName
	}
	return p
}

// --- The module's side: its HCL evaluated as Terraform would plan it.

// tfAttrs are the attributes of each resource type others refer to, as the suffix of
// the resource's symbol (the same as cfnTypes gives the template's).
var tfAttrs = map[string]map[string]string{
	"aws_iam_role":       {"arn": "arn", "name": "name", "id": "name", "unique_id": "id"},
	"aws_iam_user":       {"arn": "arn", "name": "name", "id": "name"},
	"aws_iam_policy":     {"arn": "arn", "id": "arn", "name": "name"},
	"aws_iam_access_key": {"id": "id", "secret": "secret"},
}

// tfFunctions are the Terraform functions the module's expressions may call.
var tfFunctions = map[string]function.Function{
	"can":   tryfunc.CanFunc,
	"try":   tryfunc.TryFunc,
	"regex": stdlib.RegexFunc,
	"length": function.New(&function.Spec{
		Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.Number),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if args[0].Type() == cty.String {
				return stdlib.Strlen(args[0])
			}
			return stdlib.Length(args[0])
		},
	}),
}

// moduleTenantSetup evaluates the tenant module m with the variables given (the
// others take their defaults; each variable's type and validations apply).
func moduleTenantSetup(m *module, given map[string]cty.Value) (tenantSetup, error) {
	vars, err := moduleVariables(m, given)
	if err != nil {
		return tenantSetup{}, err
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}, Functions: tfFunctions}

	data := map[string]map[string]cty.Value{}
	for _, d := range m.find("data") {
		typ, name := d.Labels[0], d.Labels[1]
		if data[typ] == nil {
			data[typ] = map[string]cty.Value{}
		}
		switch typ {
		case "aws_partition":
			data[typ][name] = cty.ObjectVal(map[string]cty.Value{"partition": cty.StringVal(cfnPseudo["AWS::Partition"])})
		case "aws_caller_identity":
			data[typ][name] = cty.ObjectVal(map[string]cty.Value{"account_id": cty.StringVal(testAccountID)})
		case "aws_iam_policy_document":
			data[typ][name] = cty.ObjectVal(map[string]cty.Value{"json": cty.StringVal("doc:" + name)})
		default:
			return tenantSetup{}, fmt.Errorf("data source %s.%s is not one the comparison knows", typ, name)
		}
	}
	ctx.Variables["data"] = objectOfObjects(data)

	locals, err := moduleLocals(m, ctx)
	if err != nil {
		return tenantSetup{}, err
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)

	// Resources: how many of each (count), and what referring to them gives.
	symbols := map[string]string{}
	for _, s := range tenantSymbols {
		symbols[s.module] = s.symbol
	}
	type instance struct {
		b      *block
		symbol string
	}
	var instances []instance
	refs := map[string]map[string]cty.Value{}
	for _, r := range m.find("resource") {
		typ, name := r.Labels[0], r.Labels[1]
		addr := typ + "." + name
		if r.attr("for_each") != nil {
			return tenantSetup{}, fmt.Errorf("%s uses for_each, which the comparison does not follow", addr)
		}
		n, single := 1, true
		if r.attr("count") != nil {
			v, diags := r.attr("count").Expr.Value(ctx)
			if diags.HasErrors() {
				return tenantSetup{}, fmt.Errorf("%s count: %s", addr, diags.Error())
			}
			if err := gocty.FromCtyValue(v, &n); err != nil || n > 1 {
				return tenantSetup{}, fmt.Errorf("%s count = %#v: want 0 or 1", addr, v)
			}
			single = false
		}
		if typ == "aws_iam_role_policy" {
			if n == 1 {
				instances = append(instances, instance{r, ""})
			}
			continue
		}
		sym, ok := symbols[addr]
		if !ok {
			return tenantSetup{}, fmt.Errorf("resource %s has no counterpart in the template (tenantSymbols)", addr)
		}
		attrs := map[string]cty.Value{}
		for attr, suffix := range tfAttrs[typ] {
			attrs[attr] = cty.StringVal(sym + "." + suffix)
		}
		var ref cty.Value
		switch {
		case single:
			ref = cty.ObjectVal(attrs)
		case n == 0:
			ref = cty.EmptyTupleVal
		default:
			ref = cty.TupleVal([]cty.Value{cty.ObjectVal(attrs)})
		}
		if refs[typ] == nil {
			refs[typ] = map[string]cty.Value{}
		}
		refs[typ][name] = ref
		if n == 1 {
			instances = append(instances, instance{r, sym})
		}
	}
	for typ, byName := range refs {
		ctx.Variables[typ] = cty.ObjectVal(byName)
	}

	setup := tenantSetup{Roles: map[string]iamRole{}, Users: map[string]iamUser{}, Policies: map[string]iamManagedPolicy{}, AccessKeys: map[string]iamAccessKey{}, Outputs: map[string]string{}}
	var rolePolicies []instance
	for _, in := range instances {
		r := attrReader{m: m, b: in.b, ctx: ctx}
		switch in.b.Labels[0] {
		case "aws_iam_role":
			setup.Roles[in.symbol] = iamRole{
				Name: r.str("name"), Description: r.str("description"), Path: r.str("path"),
				PermissionsBoundary: r.str("permissions_boundary"), MaxSessionDuration: r.int("max_session_duration"),
				Trust: r.doc("assume_role_policy"), ManagedPolicyARNs: r.strs("managed_policy_arns"),
			}
		case "aws_iam_role_policy":
			rolePolicies = append(rolePolicies, in)
			continue
		case "aws_iam_user":
			setup.Users[in.symbol] = iamUser{Name: r.str("name"), Path: r.str("path"), PermissionsBoundary: r.str("permissions_boundary")}
		case "aws_iam_policy":
			setup.Policies[in.symbol] = iamManagedPolicy{Name: r.str("name"), Description: r.str("description"), Path: r.str("path"), Document: r.doc("policy")}
		case "aws_iam_access_key":
			setup.AccessKeys[in.symbol] = iamAccessKey{User: r.str("user"), Status: r.str("status")}
		default:
			return tenantSetup{}, fmt.Errorf("resource type %s is not one the comparison knows", in.b.Labels[0])
		}
		if err := r.done(); err != nil {
			return tenantSetup{}, err
		}
	}
	// Inline policies join their role, named by its symbol.
	for _, in := range rolePolicies {
		r := attrReader{m: m, b: in.b, ctx: ctx}
		role, name, doc := strings.TrimSuffix(r.str("role"), ".name"), r.str("name"), r.doc("policy")
		if err := r.done(); err != nil {
			return tenantSetup{}, err
		}
		got, ok := setup.Roles[role]
		if !ok {
			return tenantSetup{}, fmt.Errorf("aws_iam_role_policy.%s is on %q, not a role of the module", in.b.Labels[1], role)
		}
		if got.Policies == nil {
			got.Policies = map[string]policyDoc{}
		}
		got.Policies[name] = doc
		setup.Roles[role] = got
	}
	for _, o := range m.find("output") {
		v, diags := o.attr("value").Expr.Value(ctx)
		if diags.HasErrors() {
			return tenantSetup{}, fmt.Errorf("output %s: %s", o.Labels[0], diags.Error())
		}
		if v.IsNull() {
			continue
		}
		if v.Type() != cty.String {
			return tenantSetup{}, fmt.Errorf("output %s is not a string", o.Labels[0])
		}
		setup.Outputs[o.Labels[0]] = v.AsString()
	}
	return setup, nil
}

// moduleVariables are the module's variables: given, or their defaults, converted to
// their types; every validation must hold.
func moduleVariables(m *module, given map[string]cty.Value) (map[string]cty.Value, error) {
	vars := map[string]cty.Value{}
	var declared []string
	for _, v := range m.find("variable") {
		name := v.Labels[0]
		declared = append(declared, name)
		ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(v.attr("type").Expr)
		if diags.HasErrors() {
			return nil, fmt.Errorf("variable %s type: %s", name, diags.Error())
		}
		val, ok := given[name]
		if !ok {
			if v.attr("default") == nil {
				return nil, fmt.Errorf("variable %s is required and not given", name)
			}
			if val, diags = v.attr("default").Expr.Value(nil); diags.HasErrors() {
				return nil, fmt.Errorf("variable %s default: %s", name, diags.Error())
			}
		}
		if defaults != nil {
			val = defaults.Apply(val)
		}
		val, err := convert.Convert(val, ty)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
		vars[name] = val
	}
	sort.Strings(declared)
	if !slices.Equal(declared, tenantVariables) {
		return nil, fmt.Errorf("the module's variables are %q; the comparison knows %q (tenantInputs)", declared, tenantVariables)
	}
	for name := range given {
		if _, ok := vars[name]; !ok {
			return nil, fmt.Errorf("variable %s is given but not declared", name)
		}
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}, Functions: tfFunctions}
	for _, v := range m.find("variable") {
		for _, val := range v.nested("validation") {
			ok, diags := val.attr("condition").Expr.Value(ctx)
			if diags.HasErrors() {
				return nil, fmt.Errorf("variable %s validation: %s", v.Labels[0], diags.Error())
			}
			if !ok.True() {
				return nil, fmt.Errorf("variable %s = %#v is refused by its validation", v.Labels[0], vars[v.Labels[0]])
			}
		}
	}
	return vars, nil
}

// moduleLocals evaluates the locals, each once what it refers to is known.
func moduleLocals(m *module, ctx *hcl.EvalContext) (map[string]cty.Value, error) {
	pending := map[string]*hclsyntax.Attribute{}
	for _, b := range m.find("locals") {
		maps.Copy(pending, b.Body.Attributes)
	}
	locals := map[string]cty.Value{}
	for len(pending) > 0 {
		var last hcl.Diagnostics
		progress := false
		for name, a := range pending {
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{"local": cty.ObjectVal(locals)}
			v, diags := a.Expr.Value(child)
			if diags.HasErrors() {
				last = diags
				continue
			}
			locals[name] = v
			delete(pending, name)
			progress = true
		}
		if !progress {
			return nil, fmt.Errorf("locals %q: %s", slices.Sorted(maps.Keys(pending)), last.Error())
		}
	}
	return locals, nil
}

func objectOfObjects(m map[string]map[string]cty.Value) cty.Value {
	out := map[string]cty.Value{}
	for k, v := range m {
		out[k] = cty.ObjectVal(v)
	}
	return cty.ObjectVal(out)
}

// attrReader reads a resource's attributes, remembering which, so that done can
// refuse the ones the comparison does not know (they might grant more).
type attrReader struct {
	m    *module
	b    *block
	ctx  *hcl.EvalContext
	read map[string]bool
	err  error
}

func (r *attrReader) value(name string) cty.Value {
	if r.read == nil {
		r.read = map[string]bool{}
	}
	r.read[name] = true
	a := r.b.attr(name)
	if a == nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	v, diags := a.Expr.Value(r.ctx)
	if diags.HasErrors() && r.err == nil {
		r.err = fmt.Errorf("%s.%s %s: %s", r.b.Labels[0], r.b.Labels[1], name, diags.Error())
	}
	return v
}

func (r *attrReader) str(name string) string {
	v := r.value(name)
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	if v.Type() != cty.String && r.err == nil {
		r.err = fmt.Errorf("%s.%s %s is not a string", r.b.Labels[0], r.b.Labels[1], name)
		return ""
	}
	return v.AsString()
}

func (r *attrReader) int(name string) int64 {
	v := r.value(name)
	var n int64
	if !v.IsNull() {
		if err := gocty.FromCtyValue(v, &n); err != nil && r.err == nil {
			r.err = fmt.Errorf("%s.%s %s: %w", r.b.Labels[0], r.b.Labels[1], name, err)
		}
	}
	return n
}

func (r *attrReader) strs(name string) []string {
	v := r.value(name)
	if v.IsNull() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	sort.Strings(out)
	return out
}

// doc reads an attribute that holds data.aws_iam_policy_document.<name>.json.
func (r *attrReader) doc(name string) policyDoc {
	ref := r.str(name)
	docName, ok := strings.CutPrefix(ref, "doc:")
	if !ok {
		if r.err == nil {
			r.err = fmt.Errorf("%s.%s %s = %q, not a policy document of the module", r.b.Labels[0], r.b.Labels[1], name, ref)
		}
		return policyDoc{}
	}
	d, err := modulePolicyDocument(r.m, docName, r.ctx)
	if err != nil && r.err == nil {
		r.err = err
	}
	return d
}

// meta are the attributes Terraform itself reads, not the resource.
var meta = []string{"count", "depends_on", "provider"}

func (r *attrReader) done() error {
	if r.err != nil {
		return r.err
	}
	for name := range r.b.Body.Attributes {
		if !r.read[name] && !slices.Contains(meta, name) {
			return fmt.Errorf("%s.%s sets %s, which the comparison does not know", r.b.Labels[0], r.b.Labels[1], name)
		}
	}
	for _, n := range r.b.Body.Blocks {
		if n.Type != "lifecycle" {
			return fmt.Errorf("%s.%s has a %s block, which the comparison does not know", r.b.Labels[0], r.b.Labels[1], n.Type)
		}
	}
	return nil
}

// scopedBody is a block's body with the context its expressions are evaluated in
// (a dynamic block's content sees its iterator).
type scopedBody struct {
	body *hclsyntax.Body
	ctx  *hcl.EvalContext
}

// expand returns body's blocks of type typ, the content of `dynamic "typ"` blocks
// included, once per element of their for_each.
func expand(body *hclsyntax.Body, typ string, ctx *hcl.EvalContext) ([]scopedBody, error) {
	var out []scopedBody
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, scopedBody{b.Body, ctx})
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			iter := typ
			if a := b.Body.Attributes["iterator"]; a != nil {
				iter = hcl.ExprAsKeyword(a.Expr)
			}
			each, diags := b.Body.Attributes["for_each"].Expr.Value(ctx)
			if diags.HasErrors() {
				return nil, fmt.Errorf("dynamic %q for_each: %s", typ, diags.Error())
			}
			var content *hclsyntax.Body
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					content = c.Body
				}
			}
			if content == nil {
				return nil, fmt.Errorf("dynamic %q has no content", typ)
			}
			for it := each.ElementIterator(); it.Next(); {
				k, v := it.Element()
				child := ctx.NewChild()
				child.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
				out = append(out, scopedBody{content, child})
			}
		}
	}
	return out, nil
}

// bodyReader reads a policy document's or statement's attributes and refuses the
// ones (and the blocks) it was not asked for.
type bodyReader struct {
	scopedBody
	where string
	read  map[string]bool
	err   error
}

func (r *bodyReader) value(name string) cty.Value {
	if r.read == nil {
		r.read = map[string]bool{}
	}
	r.read[name] = true
	a := r.body.Attributes[name]
	if a == nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	v, diags := a.Expr.Value(r.ctx)
	if diags.HasErrors() && r.err == nil {
		r.err = fmt.Errorf("%s %s: %s", r.where, name, diags.Error())
	}
	return v
}

func (r *bodyReader) str(name string) string {
	v := r.value(name)
	if v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

func (r *bodyReader) strs(name string) []string {
	v := r.value(name)
	if v.IsNull() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() != cty.String {
			r.err = fmt.Errorf("%s %s holds a %s", r.where, name, e.Type().FriendlyName())
			continue
		}
		out = append(out, e.AsString())
	}
	sort.Strings(out)
	return out
}

func (r *bodyReader) done(blocks ...string) error {
	if r.err != nil {
		return r.err
	}
	for name := range r.body.Attributes {
		if !r.read[name] {
			return fmt.Errorf("%s sets %s, which the comparison does not know", r.where, name)
		}
	}
	for _, b := range r.body.Blocks {
		typ := b.Type
		if typ == "dynamic" && len(b.Labels) == 1 {
			typ = b.Labels[0]
		}
		if !slices.Contains(blocks, typ) {
			return fmt.Errorf("%s has a %s block, which the comparison does not know", r.where, typ)
		}
	}
	return nil
}

// modulePolicyDocument evaluates data.aws_iam_policy_document.<name> into the policy
// document the provider renders.
func modulePolicyDocument(m *module, name string, ctx *hcl.EvalContext) (policyDoc, error) {
	docs := m.find("data", "aws_iam_policy_document", name)
	if len(docs) != 1 {
		return policyDoc{}, fmt.Errorf("want one policy document %s, found %d", name, len(docs))
	}
	r := &bodyReader{scopedBody: scopedBody{docs[0].Body, ctx}, where: "policy document " + name}
	doc := policyDoc{Version: r.str("version")}
	if doc.Version == "" {
		doc.Version = "2012-10-17"
	}
	statements, err := expand(docs[0].Body, "statement", ctx)
	if err != nil {
		return policyDoc{}, fmt.Errorf("policy document %s: %w", name, err)
	}
	for i, sb := range statements {
		sr := &bodyReader{scopedBody: sb, where: fmt.Sprintf("policy document %s statement %d", name, i)}
		s := policyStatement{
			Sid: sr.str("sid"), Effect: sr.str("effect"),
			Actions: sr.strs("actions"), NotActions: sr.strs("not_actions"),
			Resources: sr.strs("resources"), NotResources: sr.strs("not_resources"),
		}
		if s.Effect == "" {
			s.Effect = "Allow"
		}
		principals, err := expand(sb.body, "principals", sb.ctx)
		if err != nil {
			return policyDoc{}, err
		}
		for _, pb := range principals {
			pr := &bodyReader{scopedBody: pb, where: sr.where + " principals"}
			typ, ids := pr.str("type"), pr.strs("identifiers")
			if err := pr.done(); err != nil {
				return policyDoc{}, err
			}
			if s.Principals == nil {
				s.Principals = map[string][]string{}
			}
			s.Principals[typ] = sorted(append(s.Principals[typ], ids...))
		}
		conditions, err := expand(sb.body, "condition", sb.ctx)
		if err != nil {
			return policyDoc{}, err
		}
		for _, cb := range conditions {
			cr := &bodyReader{scopedBody: cb, where: sr.where + " condition"}
			test, variable, values := cr.str("test"), cr.str("variable"), cr.strs("values")
			if err := cr.done(); err != nil {
				return policyDoc{}, err
			}
			if s.Conditions == nil {
				s.Conditions = map[string]map[string][]string{}
			}
			if s.Conditions[test] == nil {
				s.Conditions[test] = map[string][]string{}
			}
			s.Conditions[test][variable] = sorted(append(s.Conditions[test][variable], values...))
		}
		if err := sr.done("principals", "condition"); err != nil {
			return policyDoc{}, err
		}
		doc.Statements = append(doc.Statements, s)
	}
	if err := r.done("statement"); err != nil {
		return policyDoc{}, err
	}
	sortStatements(doc.Statements)
	return doc, nil
}

// sortStatements orders statements by Sid, then by their content: IAM reads them in
// no order.
func sortStatements(s []policyStatement) {
	key := func(st policyStatement) string {
		b, _ := json.Marshal(st)
		return st.Sid + "\x00" + string(b)
	}
	sort.Slice(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}

// --- The template's side: a stack created from it with the parameters given.

// templateTenantSetup evaluates the template src as CloudFormation creates a stack
// with parameters (the others take their defaults; the constraints apply).
func templateTenantSetup(src []byte, parameters map[string]string) (tenantSetup, error) {
	t, err := parseTemplate(src)
	if err != nil {
		return tenantSetup{}, err
	}
	names := slices.Sorted(maps.Keys(t.Parameters))
	if !slices.Equal(names, tenantParameters) {
		return tenantSetup{}, fmt.Errorf("the template's parameters are %q; the comparison knows %q (tenantInputs)", names, tenantParameters)
	}
	symbols := map[string]string{}
	for _, s := range tenantSymbols {
		symbols[s.template] = s.symbol
	}
	s, err := newStack(t, parameters, symbols)
	if err != nil {
		return tenantSetup{}, err
	}
	setup := tenantSetup{Roles: map[string]iamRole{}, Users: map[string]iamUser{}, Policies: map[string]iamManagedPolicy{}, AccessKeys: map[string]iamAccessKey{}, Outputs: map[string]string{}}
	for name, res := range t.Resources {
		if ok, err := s.included(name); err != nil || !ok {
			if err != nil {
				return tenantSetup{}, err
			}
			continue
		}
		sym, ok := symbols[name]
		if !ok {
			return tenantSetup{}, fmt.Errorf("resource %s has no counterpart in the module (tenantSymbols)", name)
		}
		v, err := s.eval(res.Properties)
		if err != nil {
			return tenantSetup{}, fmt.Errorf("resource %s: %w", name, err)
		}
		p := &propReader{where: "resource " + name, props: v.(map[string]any)}
		switch res.Type {
		case "AWS::IAM::Role":
			role := iamRole{
				Name: p.str("RoleName"), Description: p.str("Description"), Path: p.str("Path"),
				PermissionsBoundary: p.str("PermissionsBoundary"), MaxSessionDuration: p.int("MaxSessionDuration"),
				Trust: p.doc("AssumeRolePolicyDocument"), ManagedPolicyARNs: p.strs("ManagedPolicyArns"),
				Policies: p.inlinePolicies("Policies"),
			}
			if role.Path == "/" {
				role.Path = ""
			}
			setup.Roles[sym] = role
		case "AWS::IAM::User":
			user := iamUser{Name: p.str("UserName"), Path: p.str("Path"), PermissionsBoundary: p.str("PermissionsBoundary"), ManagedPolicyARNs: p.strs("ManagedPolicyArns"), Policies: p.inlinePolicies("Policies")}
			if user.Path == "/" {
				user.Path = ""
			}
			setup.Users[sym] = user
		case "AWS::IAM::ManagedPolicy":
			policy := iamManagedPolicy{Name: p.str("ManagedPolicyName"), Description: p.str("Description"), Path: p.str("Path"), Document: p.doc("PolicyDocument")}
			if policy.Path == "/" {
				policy.Path = ""
			}
			setup.Policies[sym] = policy
		case "AWS::IAM::AccessKey":
			setup.AccessKeys[sym] = iamAccessKey{User: p.str("UserName"), Status: p.str("Status")}
		default:
			return tenantSetup{}, fmt.Errorf("resource %s: type %s is not one the comparison knows", name, res.Type)
		}
		if err := p.done(); err != nil {
			return tenantSetup{}, err
		}
	}
	module := map[string]string{}
	for m, tmpl := range tenantOutputs {
		module[tmpl] = m
	}
	for name, o := range t.Outputs {
		if o.Condition != "" && !s.conds[o.Condition] {
			continue
		}
		v, err := s.evalString(o.Value)
		if err != nil {
			return tenantSetup{}, fmt.Errorf("output %s: %w", name, err)
		}
		key, ok := module[name]
		if !ok {
			key = "template output " + name
		}
		setup.Outputs[key] = v
	}
	return setup, nil
}

// propReader reads a resource's evaluated properties and refuses the ones it was not
// asked for.
type propReader struct {
	where string
	props map[string]any
	err   error
}

func (p *propReader) take(name string) any {
	v := p.props[name]
	delete(p.props, name)
	return v
}

func (p *propReader) fail(err error) {
	if p.err == nil {
		p.err = fmt.Errorf("%s: %w", p.where, err)
	}
}

func (p *propReader) str(name string) string {
	v := p.take(name)
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(fmt.Errorf("%s = %v is not a string", name, v))
	}
	return s
}

func (p *propReader) int(name string) int64 {
	v := p.take(name)
	if v == nil {
		return 0
	}
	n, ok := v.(json.Number)
	if !ok {
		p.fail(fmt.Errorf("%s = %v is not a number", name, v))
		return 0
	}
	i, err := n.Int64()
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", name, err))
	}
	return i
}

func (p *propReader) strs(name string) []string {
	v := p.take(name)
	if v == nil {
		return nil
	}
	out, err := jsonStrings(v)
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", name, err))
	}
	return out
}

func (p *propReader) doc(name string) policyDoc {
	d, err := jsonPolicyDocument(p.take(name))
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", name, err))
	}
	return d
}

func (p *propReader) inlinePolicies(name string) map[string]policyDoc {
	v := p.take(name)
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		p.fail(fmt.Errorf("%s is not a list", name))
		return nil
	}
	out := map[string]policyDoc{}
	for _, e := range list {
		item := &propReader{where: p.where + " " + name, props: e.(map[string]any)}
		n, d := item.str("PolicyName"), item.doc("PolicyDocument")
		if err := item.done(); err != nil {
			p.fail(err)
		}
		out[n] = d
	}
	return out
}

func (p *propReader) done() error {
	if p.err != nil {
		return p.err
	}
	if len(p.props) > 0 {
		return fmt.Errorf("%s sets %q, which the comparison does not know", p.where, slices.Sorted(maps.Keys(p.props)))
	}
	return nil
}

// jsonStrings reads an IAM policy value that is a string or a list of strings (a
// number or boolean as its text), as a sorted set.
func jsonStrings(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case json.Number, bool:
		return []string{fmt.Sprint(x)}, nil
	case []any:
		var out []string
		for _, e := range x {
			s, err := jsonStrings(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return sorted(out), nil
	}
	return nil, fmt.Errorf("%v is neither a string nor a list of strings", v)
}

// jsonPolicyDocument reads an IAM policy document, an object or its JSON text.
func jsonPolicyDocument(v any) (policyDoc, error) {
	if text, ok := v.(string); ok {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return policyDoc{}, fmt.Errorf("policy document %q is not JSON: %w", text, err)
		}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return policyDoc{}, fmt.Errorf("policy document %v is not an object", v)
	}
	p := &propReader{where: "policy document", props: obj}
	doc := policyDoc{Version: p.str("Version")}
	raw := p.take("Statement")
	list, ok := raw.([]any)
	if !ok {
		list = []any{raw}
	}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return policyDoc{}, fmt.Errorf("statement %d is not an object", i)
		}
		sp := &propReader{where: fmt.Sprintf("statement %d", i), props: m}
		s := policyStatement{
			Sid: sp.str("Sid"), Effect: sp.str("Effect"),
			Actions: sp.strs("Action"), NotActions: sp.strs("NotAction"),
			Resources: sp.strs("Resource"), NotResources: sp.strs("NotResource"),
		}
		switch pr := sp.take("Principal").(type) {
		case nil:
		case string:
			s.Principals = map[string][]string{pr: {pr}}
		case map[string]any:
			s.Principals = map[string][]string{}
			for typ, ids := range pr {
				var err error
				if s.Principals[typ], err = jsonStrings(ids); err != nil {
					return policyDoc{}, err
				}
			}
		default:
			return policyDoc{}, fmt.Errorf("statement %d: Principal %v", i, pr)
		}
		if c := sp.take("Condition"); c != nil {
			tests, ok := c.(map[string]any)
			if !ok {
				return policyDoc{}, fmt.Errorf("statement %d: Condition %v is not an object", i, c)
			}
			s.Conditions = map[string]map[string][]string{}
			for test, keys := range tests {
				km, ok := keys.(map[string]any)
				if !ok {
					return policyDoc{}, fmt.Errorf("statement %d: Condition %s is not an object", i, test)
				}
				s.Conditions[test] = map[string][]string{}
				for k, values := range km {
					var err error
					if s.Conditions[test][k], err = jsonStrings(values); err != nil {
						return policyDoc{}, err
					}
				}
			}
		}
		if err := sp.done(); err != nil {
			return policyDoc{}, err
		}
		doc.Statements = append(doc.Statements, s)
	}
	if err := p.done(); err != nil {
		return policyDoc{}, err
	}
	sortStatements(doc.Statements)
	return doc, nil
}
