// Package graph is the resource graph that plans, cost estimates and checks share:
// the subset of the `pulumi stack export` format (version 3) that fargo reads and
// writes. A plan made offline and a real stack export decode into the same types.
package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// RootStackType is the type of the root resource, whose outputs are the stack outputs.
const RootStackType = "pulumi:pulumi:Stack"

// Export is a `pulumi stack export` document.
type Export struct {
	Version    int        `json:"version"`
	Deployment Deployment `json:"deployment"`
	// OnRead, when set, is told each type a reader looks up: the tests of
	// cost and checks learn from it which types each reads, to hold the
	// catalogue (internal/awstypes) to the truth.
	OnRead func(typ string) `json:"-"`
}

// Deployment holds the resources of a stack.
type Deployment struct {
	Manifest  Manifest   `json:"manifest"`
	Resources []Resource `json:"resources"`
}

// Manifest records what produced the deployment.
type Manifest struct {
	Time    string `json:"time"`
	Magic   string `json:"magic"`
	Version string `json:"version"`
}

// Resource is one resource of the graph.
type Resource struct {
	URN     string         `json:"urn"`
	Custom  bool           `json:"custom"`
	ID      string         `json:"id,omitempty"`
	Type    string         `json:"type"`
	Inputs  map[string]any `json:"inputs,omitempty"`
	Outputs map[string]any `json:"outputs,omitempty"`
	Parent  string         `json:"parent,omitempty"`
	Protect bool           `json:"protect,omitempty"`
	// RetainOnDelete leaves the cloud resource in place when the stack deletes it.
	RetainOnDelete bool     `json:"retainOnDelete,omitempty"`
	Dependencies   []string `json:"dependencies,omitempty"`
	Provider       string   `json:"provider,omitempty"`
	IgnoreChanges  []string `json:"ignoreChanges,omitempty"`
	// ReplaceOnChanges are the inputs whose change replaces the resource.
	ReplaceOnChanges []string `json:"replaceOnChanges,omitempty"`
	// Aliases are URNs the resource was known by before, which the engine
	// reads as this resource rather than one to delete.
	Aliases []string `json:"aliases,omitempty"`
	// ResourceHooks name the hooks the engine runs around the resource's steps,
	// by kind (BeforeDelete, ...), as the state records them.
	ResourceHooks map[string][]string `json:"resourceHooks,omitempty"`
}

// Name is the resource's logical name, the last part of its URN.
func (r *Resource) Name() string {
	if u := resource.URN(r.URN); u.IsValid() {
		return u.Name()
	}
	return r.URN
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
		if e.Deployment.Resources[i].Type == typ {
			out = append(out, &e.Deployment.Resources[i])
		}
	}
	return out
}

// ByURN returns the resource with the URN, or nil.
func (e *Export) ByURN(urn string) *Resource {
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
		if u := resource.URN(r.URN); u.IsValid() {
			return string(u.Stack())
		}
	}
	return ""
}

// ProjectName returns the project's name from the root stack's URN.
func (e *Export) ProjectName() string {
	for _, r := range e.Resources(RootStackType) {
		if u := resource.URN(r.URN); u.IsValid() {
			return string(u.Project())
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

// Decode reads an export document, or the raw deployment, from r.
func Decode(r io.Reader) (*Export, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var e Export
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("not a pulumi stack export: %w", err)
	}
	if len(e.Deployment.Resources) == 0 {
		// `pulumi stack export` may also be given just the deployment object.
		var d Deployment
		if err := json.Unmarshal(data, &d); err == nil && len(d.Resources) > 0 {
			e = Export{Version: 3, Deployment: d}
		}
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
