package checks

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Summary counts findings by status.
type Summary struct {
	Pass     int `json:"pass"`
	Fail     int `json:"fail"`
	Excepted int `json:"excepted"`
}

// Summarize counts findings.
func Summarize(findings []Finding) Summary {
	var s Summary
	for _, f := range findings {
		switch f.Status {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case Excepted:
			s.Excepted++
		}
	}
	return s
}

// ControlStatus is a control's overall status in one stack: fail if any finding
// fails, excepted if any is excepted, pass if all pass, n/a if nothing applies.
func ControlStatus(findings []Finding, id string) string {
	status := "n/a"
	for _, f := range findings {
		if f.Control != id {
			continue
		}
		switch {
		case f.Status == Fail:
			return string(Fail)
		case f.Status == Excepted:
			status = string(Excepted)
		case status == "n/a":
			status = string(Pass)
		}
	}
	return status
}

// WriteSummary prints a control-by-control summary and every finding that is not a pass.
func WriteSummary(w io.Writer, findings []Finding) {
	s := Summarize(findings)
	fmt.Fprintf(w, "Checks: %d passed, %d failed, %d excepted\n", s.Pass, s.Fail, s.Excepted)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "control\tseverity\tstatus\ttitle")
	for _, c := range Controls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, ControlStatus(findings, c.ID), c.Title)
	}
	tw.Flush()
	for _, f := range findings {
		switch f.Status {
		case Fail:
			fmt.Fprintf(w, "fail %s %s\n  %s\n", f.Control, f.URN, f.Reason)
			if f.Exception != nil {
				fmt.Fprintf(w, "  the registered exception does not hold: compensating %s does not pass\n", strings.Join(f.Exception.Broken, ", "))
			}
		case Excepted:
			// The exception's why and compensation are in --format checks.
			fmt.Fprintf(w, "excepted %s %s\n  %s (registered exception, compensated by %s)\n", f.Control, f.URN, f.Reason, strings.Join(f.Exception.CompensatedBy, ", "))
		}
	}
}
