package infra_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/checks"
	"github.com/fargo-dev/fargo/internal/cost"
	"github.com/fargo-dev/fargo/outputs"
	"github.com/fargo-dev/fargo/plan/mocks"
)

// The README's generated tables sit between these markers. Regenerate them with
// UPDATE_README=1 go test ./infra -run TestReadme
const (
	costStart, costEnd     = "<!-- cost-table:start -->", "<!-- cost-table:end -->"
	checksStart, checksEnd = "<!-- checks-table:start -->", "<!-- checks-table:end -->"
	planStart, planEnd     = "<!-- address-plan:start -->", "<!-- address-plan:end -->"
)

// addressPlanTable lists every subnet slot of 10.0.0.0/16.
func addressPlanTable(t *testing.T) string {
	var b strings.Builder
	b.WriteString("| zone index | public subnet | private subnet (when `nat` is not `none`) |\n|---:|---|---|\n")
	for z := range config.MaxAvailabilityZones {
		pub, err := config.SubnetCidr("10.0.0.0/16", config.TierPublic, z)
		if err != nil {
			t.Fatal(err)
		}
		priv, err := config.SubnetCidr("10.0.0.0/16", config.TierPrivate, z)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "| %d | %s | %s |\n", z, pub, priv)
	}
	return b.String()
}

func costTable(t *testing.T) string {
	var b strings.Builder
	b.WriteString("| stack | network | monthly, at minTasks | monthly, at maxTasks |\n|---|---|---:|---:|\n")
	estimate := func(p planned) *cost.Estimate {
		est, err := cost.EstimateGraph(p.exp, cost.Assumptions{})
		if err != nil {
			t.Fatal(err)
		}
		return est
	}
	line := func(label string, p planned, atMin, atMax float64) {
		n := p.cfg.Network
		fmt.Fprintf(&b, "| %s | nat: %s, %d zones | $%.2f | $%.2f |\n", label, n.Nat, n.AvailabilityZones, atMin, atMax)
	}
	row := func(label string, p planned) {
		est := estimate(p)
		line(label, p, est.TotalMonthly, est.TotalMonthlyAtMax)
	}
	dev := planFor(t, "dev")
	row("dev, always on", dev)
	asleep := estimate(dev)
	line("dev, asleep nights and weekends (as shipped)", dev, asleep.TotalMonthlyScheduled, asleep.TotalMonthlyScheduledAtMax)
	row("prod", planFor(t, "prod"))
	for _, nat := range []config.NatMode{config.NatSingle, config.NatPerAz, config.NatInstance} {
		sc := devWith(t, "fargo:network", fmt.Sprintf(`{"nat":%q}`, nat))
		row("dev, NAT switched on, always on", runConfig(t, sc, mocks.Options{}))
	}
	// A preview has no network of its own: it runs on dev's.
	preview := estimate(planFor(t, "pr7"))
	fmt.Fprintf(&b, "| a pull request's preview (Pulumi.pr.yaml), always on | dev's | $%.2f | $%.2f |\n", preview.TotalMonthly, preview.TotalMonthlyAtMax)
	fmt.Fprintf(&b, "| a pull request's preview, asleep when dev is | dev's | $%.2f | $%.2f |\n", preview.TotalMonthlyScheduled, preview.TotalMonthlyScheduledAtMax)
	return b.String()
}

func checksTable(t *testing.T) string {
	reg, err := checks.ReadRegister("../exceptions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dev := checks.Evaluate(planFor(t, "dev").exp, reg)
	prod := checks.Evaluate(planFor(t, "prod").exp, reg)
	var b strings.Builder
	b.WriteString("| control | severity | what it asks | dev | prod |\n|---|---|---|---|---|\n")
	for _, c := range checks.Controls {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.ID, c.Severity, c.Title, checks.ControlStatus(dev, c.ID), checks.ControlStatus(prod, c.ID))
	}
	return b.String()
}

func TestReadmeTablesAreCurrent(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, block := range []struct{ start, end, want string }{
		{costStart, costEnd, costTable(t)},
		{checksStart, checksEnd, checksTable(t)},
		{planStart, planEnd, addressPlanTable(t)},
	} {
		i, j := strings.Index(readme, block.start), strings.Index(readme, block.end)
		if i < 0 || j < i {
			t.Fatalf("README.md lacks the %s ... %s block", block.start, block.end)
		}
		got := readme[i+len(block.start) : j]
		want := "\n" + block.want
		if got == want {
			continue
		}
		if os.Getenv("UPDATE_README") != "" {
			readme = readme[:i+len(block.start)] + want + readme[j:]
			continue
		}
		t.Errorf("README.md table is stale; run UPDATE_README=1 go test ./infra -run TestReadme. Want:\n%s", block.want)
	}
	if os.Getenv("UPDATE_README") != "" {
		if err := os.WriteFile("../README.md", []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadmeDocumentsEveryKeyAndOutput(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, k := range config.ConfigKeys {
		if !strings.Contains(readme, "`fargo:"+k+"`") {
			t.Errorf("README does not document fargo:%s", k)
		}
	}
	for _, o := range outputs.All {
		if !strings.Contains(readme, "`"+o.Name+"`") {
			t.Errorf("README does not document output %s", o.Name)
		}
	}
	for _, c := range []string{"go run ./cmd/plan --stack dev", "go test ./..."} {
		if !strings.Contains(readme, c) {
			t.Errorf("README lacks the command %q", c)
		}
	}
}
