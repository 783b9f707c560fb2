// Package graph is the resource graph that plans, cost estimates and checks share:
// a `pulumi stack export` document on the SDK's own types (apitype.DeploymentV3
// and ResourceV3), with the accessors fargo reads it by. A plan made offline and
// a real stack export decode into the same types.
package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// RootStackType is the type of the root resource, whose outputs are the stack
// outputs: resource.RootStackType, untyped so that it compares with a string
// and with a tokens.Type alike.
const RootStackType = "pulumi:pulumi:Stack"

// Export is a `pulumi stack export` document: apitype.UntypedDeployment's
// envelope around its deployment, decoded.
type Export struct {
	Version int `json:"version"`
	// Features are those a version 4 deployment declares it uses.
	Features   []string   `json:"features,omitempty"`
	Deployment Deployment `json:"deployment"`
	// OnRead, when set, is told each type a reader looks up: the tests of
	// cost and checks learn from it which types each reads, to hold the
	// catalogue (internal/awstypes) to the truth.
	OnRead func(typ string) `json:"-"`
}

// Deployment is apitype.DeploymentV3 with its resources as fargo's Resource.
// Resources shadows the embedded DeploymentV3.Resources, in Go and in JSON
// alike, so the embedded one stays empty: use V3 for the SDK's whole value.
type Deployment struct {
	apitype.DeploymentV3
	Resources []Resource `json:"resources,omitempty"`
}

// V3 is the deployment as the SDK's type, resources included.
func (d *Deployment) V3() *apitype.DeploymentV3 {
	v3 := d.DeploymentV3
	v3.Resources = make([]apitype.ResourceV3, len(d.Resources))
	for i, r := range d.Resources {
		v3.Resources[i] = apitype.ResourceV3(r)
	}
	return &v3
}

// ToUntypedDeployment is apitype.DeploymentV3's, over the whole deployment:
// the promoted one would leave the resources out.
func (d *Deployment) ToUntypedDeployment(version int, features []string) (*apitype.UntypedDeployment, error) {
	return d.V3().ToUntypedDeployment(version, features)
}

// NormalizeURNReferences is apitype.DeploymentV3's, over the whole deployment:
// the promoted one would leave the resources out.
func (d *Deployment) NormalizeURNReferences() (*apitype.DeploymentV3, error) {
	return d.V3().NormalizeURNReferences()
}

// Resource is one resource of the graph: apitype.ResourceV3 itself, so a
// *apitype.ResourceV3 converts to a *Resource, with fargo's accessors.
type Resource apitype.ResourceV3

// Name is the resource's logical name, the last part of its URN.
func (r *Resource) Name() string {
	if r.URN.IsValid() {
		return r.URN.Name()
	}
	return string(r.URN)
}

// Input returns the input at a path of map keys, or nil.
func (r *Resource) Input(path ...string) any { return lookup(r.Inputs, path) }

// Output returns the output at a path of map keys, or nil.
func (r *Resource) Output(path ...string) any { return lookup(r.Outputs, path) }

// Value returns the output at path, falling back to the input: a plan has few
// outputs, a real export has both.
func (r *Resource) Value(path ...string) any {
	if v := r.Output(path...); v != nil {
		return v
	}
	return r.Input(path...)
}

// String returns Value(path) as a string, or "".
func (r *Resource) String(path ...string) string {
	s, _ := r.Value(path...).(string)
	return s
}

// Number returns Value(path) as a number, and whether it was one.
func (r *Resource) Number(path ...string) (float64, bool) {
	return AsNumber(r.Value(path...))
}

// Bool returns Value(path) as a bool, and whether it was one.
func (r *Resource) Bool(path ...string) (bool, bool) {
	b, ok := r.Value(path...).(bool)
	return b, ok
}

// List returns Value(path) as a list, or nil.
func (r *Resource) List(path ...string) []any {
	l, _ := r.Value(path...).([]any)
	return l
}

// LoadBalancerSubnets returns the distinct subnets a load balancer is placed in,
// from its subnets and its subnetMappings. A plan holds what the program set (one
// of the two); a real export holds both, as the provider reads each back for the
// same subnets, so they are counted once.
func (r *Resource) LoadBalancerSubnets() []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, s := range r.List("subnets") {
		id, _ := s.(string)
		add(id)
	}
	for _, m := range r.List("subnetMappings") {
		mapping, _ := m.(map[string]any)
		id, _ := mapping["subnetId"].(string)
		add(id)
	}
	return out
}

// AsNumber reads a JSON number, or a string holding one (ECS CPU and memory are strings).
func AsNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case string:
		var f float64
		if _, err := fmt.Sscanf(n, "%g", &f); err == nil {
			return f, true
		}
	}
	return 0, false
}

func lookup(m map[string]any, path []string) any {
	var cur any = m
	for _, k := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// Resources returns the deployment's resources of the given type.
func (e *Export) Resources(typ string) []*Resource {
	if e.OnRead != nil {
		e.OnRead(typ)
	}
	var out []*Resource
	for i := range e.Deployment.Resources {
		if string(e.Deployment.Resources[i].Type) == typ {
			out = append(out, &e.Deployment.Resources[i])
		}
	}
	return out
}

// ByURN returns the resource with the URN, or nil.
func (e *Export) ByURN(urn resource.URN) *Resource {
	for i := range e.Deployment.Resources {
		if e.Deployment.Resources[i].URN == urn {
			return &e.Deployment.Resources[i]
		}
	}
	return nil
}

// Find returns the first resource of typ whose output or input key equals value.
func (e *Export) Find(typ, key, value string) *Resource {
	for _, r := range e.Resources(typ) {
		if r.String(key) == value {
			return r
		}
	}
	return nil
}

// StackOutputs returns the root stack's outputs.
func (e *Export) StackOutputs() map[string]any {
	for _, r := range e.Resources(RootStackType) {
		return r.Outputs
	}
	return nil
}

// PreviewPorts are the listener ports the stack opens to its previews (its
// previewHost output's ports), false when it hosts none.
func (e *Export) PreviewPorts() (from, to int, ok bool) {
	f, okFrom := AsNumber(lookup(e.StackOutputs(), []string{"previewHost", "ports", "from"}))
	t, okTo := AsNumber(lookup(e.StackOutputs(), []string{"previewHost", "ports", "to"}))
	return int(f), int(t), okFrom && okTo
}

// StackName returns the stack's name from the root stack's URN.
func (e *Export) StackName() string {
	for _, r := range e.Resources(RootStackType) {
		if r.URN.IsValid() {
			return string(r.URN.Stack())
		}
	}
	return ""
}

// ProjectName returns the project's name from the root stack's URN.
func (e *Export) ProjectName() string {
	for _, r := range e.Resources(RootStackType) {
		if r.URN.IsValid() {
			return string(r.URN.Project())
		}
	}
	return ""
}

// Region returns the AWS region of the stack, from the aws provider or the stack outputs.
func (e *Export) Region() string {
	for _, r := range e.Deployment.Resources {
		if r.Type == "pulumi:providers:aws" {
			if s, ok := r.Inputs["region"].(string); ok && s != "" {
				return s
			}
		}
	}
	if s, ok := e.StackOutputs()["region"].(string); ok {
		return s
	}
	return ""
}

// Decode reads an export document, or the raw deployment, from r. Like the
// engine's stack.DeserializeUntypedDeployment (in pulumi/pkg, which fargo
// does not import), it decodes the envelope (apitype.UntypedDeployment),
// refuses a schema version newer than the SDK knows, and decodes versions 3
// and 4 as DeploymentV3; unlike it, it refuses versions 1 and 2, which the
// engine would migrate, and does not refuse a version 4 feature it does not
// know: fargo only reads the resources.
func Decode(r io.Reader) (*Export, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var u apitype.UntypedDeployment
	if err := json.Unmarshal(data, &u); err != nil {
		return nil, fmt.Errorf("not a pulumi stack export: %w", err)
	}
	if u.Deployment == nil {
		// `pulumi stack export` may also be given just the deployment object.
		u = apitype.UntypedDeployment{Version: apitype.DeploymentSchemaVersionCurrent, Deployment: data}
	}
	return FromUntyped(u)
}

// FromUntyped decodes the deployment an apitype.UntypedDeployment holds, as
// the automation API's Stack.Export returns it.
func FromUntyped(u apitype.UntypedDeployment) (*Export, error) {
	if u.Version < apitype.DeploymentSchemaVersionCurrent || u.Version > apitype.DeploymentSchemaVersionLatest {
		return nil, fmt.Errorf("not a pulumi stack export: version %d; fargo reads versions %d to %d",
			u.Version, apitype.DeploymentSchemaVersionCurrent, apitype.DeploymentSchemaVersionLatest)
	}
	e := Export{Version: u.Version, Features: u.Features}
	if err := json.Unmarshal(u.Deployment, &e.Deployment); err != nil {
		return nil, fmt.Errorf("not a pulumi stack export: %w", err)
	}
	if len(e.Deployment.Resources) == 0 {
		return nil, fmt.Errorf("not a pulumi stack export: no deployment.resources")
	}
	return &e, nil
}

// ReadFile decodes an export document from a file.
func ReadFile(path string) (*Export, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}
