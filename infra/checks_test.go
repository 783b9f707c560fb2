package infra_test

import (
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/internal/checks"
)

func TestStacksPassChecksWithRegisteredExceptionsOnly(t *testing.T) {
	reg, err := checks.ReadRegister("../exceptions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			findings := checks.Evaluate(p.exp, reg)
			for _, f := range checks.Failed(findings) {
				t.Errorf("%s fails on %s: %s", f.Control, f.URN, f.Reason)
			}
			for _, f := range findings {
				if f.Status == checks.Excepted && reg.For(f.Control, stack) == nil {
					t.Errorf("%s excepted without a registered exception", f.Control)
				}
			}
			// Every registered exception for this stack is still needed: an
			// exception for a control that passes is stale.
			for _, e := range reg.Exceptions {
				for _, s := range e.Stacks {
					if s == stack && checks.ControlStatus(findings, e.Control) != string(checks.Excepted) {
						t.Errorf("exception %s for %s is stale: the control is %s", e.Control, stack, checks.ControlStatus(findings, e.Control))
					}
				}
			}
		})
	}
	// Prod's only exception is the deploy role's service-wide rights.
	for _, f := range checks.Evaluate(planFor(t, "prod").exp, reg) {
		if f.Status == checks.Excepted && !(f.Control == "IAM.21" && strings.HasSuffix(f.URN, "::github-deploy")) {
			t.Errorf("prod excepts %s on %s", f.Control, f.URN)
		}
	}
}
