package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Change is one resource that differs between two graphs.
type Change struct {
	// Resource is the resource's identity without its stack (type chain and
	// name), so that dev compares with prod; URN is the head's (or the base's).
	Resource      string  `json:"resource"`
	URN           string  `json:"urn"`
	Type          string  `json:"type"`
	MonthlyBefore float64 `json:"monthlyBefore"`
	MonthlyAfter  float64 `json:"monthlyAfter"`
	// ChangedInputs are the top-level inputs that differ, for a changed resource.
	ChangedInputs []string `json:"changedInputs,omitempty"`
}

// identity is a resource's URN without its stack and project: what stays the
// same for the same resource in another stack.
func identity(u string) string {
	urn := resource.URN(u)
	if !urn.IsValid() {
		return u
	}
	return string(urn.QualifiedType()) + "::" + urn.Name()
}

// changedInputs lists the top-level input keys whose values differ.
func changedInputs(before, after map[string]any) []string {
	b, _ := comparable(before).(map[string]any)
	a, _ := comparable(after).(map[string]any)
	var keys []string
	for k := range b {
		if !reflect.DeepEqual(b[k], a[k]) {
			keys = append(keys, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Diff compares a base graph with a new one.
type Diff struct {
	Currency      string   `json:"currency"`
	Added         []Change `json:"added"`
	Removed       []Change `json:"removed"`
	Changed       []Change `json:"changed"`
	MonthlyBefore float64  `json:"monthlyBefore"`
	MonthlyAfter  float64  `json:"monthlyAfter"`
	MonthlyDelta  float64  `json:"monthlyDelta"`
	AtMaxBefore   float64  `json:"monthlyAtMaxBefore"`
	AtMaxAfter    float64  `json:"monthlyAtMaxAfter"`
}

// Compare prices both graphs and lists the resources added, removed and changed
// (matched by identity, so two stacks compare; changed by inputs or cost), with
// each one's monthly difference.
func Compare(base, head *graph.Export, a Assumptions) (*Diff, error) {
	before, err := EstimateGraph(base, a)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	after, err := EstimateGraph(head, a)
	if err != nil {
		return nil, err
	}
	costBefore, costAfter := map[string]float64{}, map[string]float64{}
	for u, c := range before.ByURN() {
		costBefore[identity(u)] += c
	}
	for u, c := range after.ByURN() {
		costAfter[identity(u)] += c
	}
	d := &Diff{
		Currency:      after.Currency,
		MonthlyBefore: before.TotalMonthly, MonthlyAfter: after.TotalMonthly,
		MonthlyDelta: after.TotalMonthly - before.TotalMonthly,
		AtMaxBefore:  before.TotalMonthlyAtMax, AtMaxAfter: after.TotalMonthlyAtMax,
	}
	old := map[string]*graph.Resource{}
	for i := range base.Deployment.Resources {
		r := &base.Deployment.Resources[i]
		old[identity(string(r.URN))] = r
	}
	seen := map[string]bool{}
	for i := range head.Deployment.Resources {
		r := &head.Deployment.Resources[i]
		if skipped(r) {
			continue
		}
		id := identity(string(r.URN))
		seen[id] = true
		c := Change{Resource: id, URN: string(r.URN), Type: string(r.Type), MonthlyBefore: costBefore[id], MonthlyAfter: costAfter[id]}
		prev, ok := old[id]
		if !ok {
			d.Added = append(d.Added, c)
			continue
		}
		if c.ChangedInputs = changedInputs(prev.Inputs, r.Inputs); len(c.ChangedInputs) > 0 || c.MonthlyBefore != c.MonthlyAfter {
			d.Changed = append(d.Changed, c)
		}
	}
	for id, r := range old {
		if !seen[id] && !skipped(r) {
			d.Removed = append(d.Removed, Change{Resource: id, URN: string(r.URN), Type: string(r.Type), MonthlyBefore: costBefore[id]})
		}
	}
	for _, list := range [][]Change{d.Added, d.Removed, d.Changed} {
		sort.Slice(list, func(i, j int) bool { return list[i].Resource < list[j].Resource })
	}
	return d, nil
}

// skipped are resources whose diff says nothing: the stack and providers.
func skipped(r *graph.Resource) bool {
	return r.Type == graph.RootStackType || strings.HasPrefix(string(r.Type), "pulumi:providers:")
}

// comparable normalizes inputs through JSON so numbers compare alike.
func comparable(m map[string]any) any {
	b, _ := json.Marshal(m)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// WriteTable prints an estimate as an Infracost-like table.
func WriteTable(w io.Writer, e *Estimate) {
	fmt.Fprintf(w, "Monthly cost in %s (%s, %g h/month, prices read %s)\n", e.Currency, e.Region, e.HoursPerMonth, e.PricesRead)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "resource\titem\tquantity\tunit\tunit price\tat min\tat max\t")
	for _, it := range e.Items {
		name := it.Resource
		if name == "" {
			name = "(stack)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t\n", name, it.Description, qty(it.Quantity), it.Unit, price(it.UnitPrice), it.Monthly, it.MonthlyAtMax)
	}
	fmt.Fprintf(tw, "TOTAL\t\t\t\t\t%.2f\t%.2f\t\n", e.TotalMonthly, e.TotalMonthlyAtMax)
	if e.Scheduled {
		fmt.Fprintf(tw, "TOTAL asleep on schedule\t\t\t\t\t%.2f\t%.2f\t\n", e.TotalMonthlyScheduled, e.TotalMonthlyScheduledAtMax)
	}
	tw.Flush()
	if e.Scheduled {
		fmt.Fprintf(w, "schedule: TOTAL is always on; asleep on schedule, tasks and their addresses bill only the hours their services are awake (%+.2f/month)\n",
			e.TotalMonthlyScheduled-e.TotalMonthly)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, o := range e.OnArm {
		fmt.Fprintf(w, "on ARM64: %s's tasks %.2f -> %.2f (%+.2f/month) with architecture: ARM64 and an image built for linux/arm64\n",
			o.Resource, o.Monthly, o.MonthlyOnArm, o.MonthlyOnArm-o.Monthly)
	}
}

// WriteDiff prints a comparison for a pull request.
func WriteDiff(w io.Writer, d *Diff) {
	sign := "+"
	if d.MonthlyDelta < 0 {
		sign = "-"
	}
	fmt.Fprintf(w, "Monthly cost: %.2f -> %.2f %s (%s%.2f); at max tasks %.2f -> %.2f\n",
		d.MonthlyBefore, d.MonthlyAfter, d.Currency, sign, abs(d.MonthlyDelta), d.AtMaxBefore, d.AtMaxAfter)
	section := func(title, mark string, list []Change) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (%d):\n", title, len(list))
		for _, c := range list {
			delta := c.MonthlyAfter - c.MonthlyBefore
			line := fmt.Sprintf("  %s %s", mark, c.Resource)
			if delta != 0 {
				line += fmt.Sprintf("  %+.2f/month", delta)
			}
			if len(c.ChangedInputs) > 0 {
				line += "  (" + strings.Join(c.ChangedInputs, ", ") + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	section("Added", "+", d.Added)
	section("Removed", "-", d.Removed)
	section("Changed", "~", d.Changed)
	if len(d.Added)+len(d.Removed)+len(d.Changed) == 0 {
		fmt.Fprintln(w, "No resource changes.")
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func qty(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%.2f", f)
}

func price(f float64) string {
	s := fmt.Sprintf("%.8f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
