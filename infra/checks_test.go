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
			// Exceptions only excuse failures: against the same plan without
			// the register, each excepted finding fails and every other one
			// keeps its status.
			raw := checks.Evaluate(p.exp, nil)
			if len(raw) != len(findings) {
				t.Fatalf("%d findings without the register, %d with it", len(raw), len(findings))
			}
			for i, f := range findings {
				switch {
				case f.Status == checks.Excepted && raw[i].Status != checks.Fail:
					t.Errorf("%s on %s is excepted, but without the register it is %s, not a failure", f.Control, f.URN, raw[i].Status)
				case f.Status != checks.Excepted && f.Status != raw[i].Status:
					t.Errorf("%s on %s is %s with the register and %s without it", f.Control, f.URN, f.Status, raw[i].Status)
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
