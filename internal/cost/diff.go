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
)

// Change is one resource that differs between two graphs.
type Change struct {
	URN           string  `json:"urn"`
	Type          string  `json:"type"`
	MonthlyBefore float64 `json:"monthlyBefore"`
	MonthlyAfter  float64 `json:"monthlyAfter"`
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
// (by URN and inputs), with the monthly difference.
func Compare(base, head *graph.Export, a Assumptions) (*Diff, error) {
	before, err := EstimateGraph(base, a)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	after, err := EstimateGraph(head, a)
	if err != nil {
		return nil, err
	}
	costBefore, costAfter := before.ByURN(), after.ByURN()
	d := &Diff{
		Currency:      after.Currency,
		MonthlyBefore: before.TotalMonthly, MonthlyAfter: after.TotalMonthly,
		MonthlyDelta: after.TotalMonthly - before.TotalMonthly,
		AtMaxBefore:  before.TotalMonthlyAtMax, AtMaxAfter: after.TotalMonthlyAtMax,
	}
	old := map[string]*graph.Resource{}
	for i := range base.Deployment.Resources {
		r := &base.Deployment.Resources[i]
		old[r.URN] = r
	}
	seen := map[string]bool{}
	for i := range head.Deployment.Resources {
		r := &head.Deployment.Resources[i]
		if skipped(r) {
			continue
		}
		seen[r.URN] = true
		c := Change{URN: r.URN, Type: r.Type, MonthlyBefore: costBefore[r.URN], MonthlyAfter: costAfter[r.URN]}
		prev, ok := old[r.URN]
		switch {
		case !ok:
			d.Added = append(d.Added, c)
		case !reflect.DeepEqual(comparable(prev.Inputs), comparable(r.Inputs)) || c.MonthlyBefore != c.MonthlyAfter:
			d.Changed = append(d.Changed, c)
		}
	}
	for urn, r := range old {
		if !seen[urn] && !skipped(r) {
			d.Removed = append(d.Removed, Change{URN: urn, Type: r.Type, MonthlyBefore: costBefore[urn]})
		}
	}
	for _, list := range [][]Change{d.Added, d.Removed, d.Changed} {
		sort.Slice(list, func(i, j int) bool { return list[i].URN < list[j].URN })
	}
	return d, nil
}

// skipped are resources whose diff says nothing: the stack and providers.
func skipped(r *graph.Resource) bool {
	return r.Type == graph.RootStackType || strings.HasPrefix(r.Type, "pulumi:providers:")
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
	tw.Flush()
	for _, n := range e.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
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
			cost := ""
			if delta != 0 {
				cost = fmt.Sprintf("  %+.2f/month", delta)
			}
			fmt.Fprintf(w, "  %s %s%s\n", mark, c.URN, cost)
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
