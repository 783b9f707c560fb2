package checks

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/internal/naming"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"gopkg.in/yaml.v3"
)

// Exception is one deliberate, documented departure from a control.
type Exception struct {
	// Control is the control ID excepted.
	Control string `yaml:"control" json:"control"`
	// Stacks are the stacks the exception applies to; PreviewStacks names
	// every preview.
	Stacks []string `yaml:"stacks" json:"stacks"`
	// Resources, when set, limits the exception to resources with these logical names.
	Resources []string `yaml:"resources" json:"resources,omitempty"`
	// Why explains the trade-off.
	Why string `yaml:"why" json:"why"`
	// CompensatedBy are controls that must pass in the same stack for the
	// exception to hold.
	CompensatedBy []string `yaml:"compensatedBy" json:"compensatedBy"`
	// Compensation says in words what keeps the risk acceptable.
	Compensation string `yaml:"compensation" json:"compensation"`
}

// Register is the exception register.
type Register struct {
	Exceptions []Exception `yaml:"exceptions"`
}

// ReadRegister reads and validates an exception register file.
func ReadRegister(path string) (*Register, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Register
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// Validate refuses exceptions that name unknown controls or lack a reason or a
// compensating control.
func (r *Register) Validate() error {
	seen := map[string]bool{}
	for i, e := range r.Exceptions {
		where := fmt.Sprintf("exceptions[%d] (%s)", i, e.Control)
		switch {
		case ControlByID(e.Control) == nil:
			return fmt.Errorf("%s: unknown control", where)
		case len(e.Stacks) == 0:
			return fmt.Errorf("%s: names no stack", where)
		case strings.TrimSpace(e.Why) == "" || strings.TrimSpace(e.Compensation) == "":
			return fmt.Errorf("%s: needs both why and compensation", where)
		case len(e.CompensatedBy) == 0:
			return fmt.Errorf("%s: names no compensating control; an exception must be compensated", where)
		}
		for _, c := range e.CompensatedBy {
			if ControlByID(c) == nil {
				return fmt.Errorf("%s: compensating control %s is unknown", where, c)
			}
			if c == e.Control {
				return fmt.Errorf("%s: cannot compensate itself", where)
			}
		}
		for _, s := range e.Stacks {
			key := e.Control + "/" + s
			if seen[key] {
				return fmt.Errorf("%s: stack %s is excepted twice", where, s)
			}
			seen[key] = true
		}
	}
	return nil
}

// PreviewStacks, in an exception's stacks, names every pull request preview
// (stacks pr<number>).
const PreviewStacks = "pr<number>"

// For returns the exception for a control in a stack, or nil.
func (r *Register) For(control, stack string) *Exception {
	for i := range r.Exceptions {
		if r.Exceptions[i].Control == control && (slices.Contains(r.Exceptions[i].Stacks, stack) ||
			naming.IsPreviewStack(stack) && slices.Contains(r.Exceptions[i].Stacks, PreviewStacks)) {
			return &r.Exceptions[i]
		}
	}
	return nil
}

// covers reports whether the exception applies to the resource with this URN.
func (e *Exception) covers(urn string) bool {
	if len(e.Resources) == 0 {
		return true
	}
	return slices.Contains(e.Resources, (&graph.Resource{URN: resource.URN(urn)}).Name())
}

// apply turns the failures an exception covers into excepted findings, but only
// while every compensating control has passing findings and no failure.
func (r *Register) apply(stack string, findings []Finding) []Finding {
	passed, failed := map[string]int{}, map[string]int{}
	for _, f := range findings {
		switch f.Status {
		case Pass:
			passed[f.Control]++
		case Fail:
			failed[f.Control]++
		}
	}
	out := make([]Finding, len(findings))
	for i, f := range findings {
		out[i] = f
		if f.Status != Fail {
			continue
		}
		e := r.For(f.Control, stack)
		if e == nil || !e.covers(f.URN) {
			continue
		}
		applied := &AppliedException{Why: e.Why, CompensatedBy: e.CompensatedBy, Compensation: e.Compensation}
		for _, c := range e.CompensatedBy {
			if failed[c] > 0 || passed[c] == 0 {
				applied.Broken = append(applied.Broken, c)
			}
		}
		out[i].Exception = applied
		if len(applied.Broken) == 0 {
			out[i].Status = Excepted
		}
	}
	return out
}
