// Command plan runs the fargo program offline, under Pulumi's mock engine, and shows
// what a stack would create, what it would cost each month and how it fares against
// the security and reliability checks.
//
// Usage:
//
//	go run ./cmd/plan --stack dev [--format text|export|cost|checks] [--compare base.json] [--strict]
//	go run ./cmd/plan --input export.json [--format text|cost|checks]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/checks"
	"github.com/fargo-dev/fargo/internal/cost"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// formats are the values --format takes.
var formats = []string{"text", "export", "cost", "checks"}

// options are the command's flags.
type options struct {
	stack, dir, format, imageTag string
	input, compare, exceptions   string
	strict                       bool
	assumptions                  cost.Assumptions
	// at is the moment the modelled deploy runs: a scheduled service asleep
	// then deploys with no task.
	at time.Time
}

// errUsage marks a flag error, already reported.
var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stack, "stack", "", "stack to plan (reads Pulumi.yaml and Pulumi.<stack>.yaml)")
	fs.StringVar(&o.dir, "dir", ".", "directory holding Pulumi.yaml and the stack files")
	fs.StringVar(&o.format, "format", "text", "output: "+strings.Join(formats, ", "))
	fs.StringVar(&o.imageTag, "image-tag", mocks.DefaultImageTag, "tag the image tag parameters hold; \"none\" plans a fresh account")
	fs.StringVar(&o.input, "input", "", "read a stack export file (from pulumi stack export) instead of planning a stack")
	fs.StringVar(&o.compare, "compare", "", "compare cost and resources with another plan or export (JSON)")
	fs.BoolVar(&o.strict, "strict", false, "exit non-zero when a check fails")
	fs.StringVar(&o.exceptions, "exceptions", "", "exception register (default: exceptions.yaml in --dir)")
	at := fs.String("at", "", "model the deploy at this moment (RFC 3339, e.g. 2026-11-27T23:00:00+09:00; default now): a scheduled service asleep then deploys with no task")
	fs.Float64Var(&o.assumptions.LogGB, "log-gb", 0, "assumed CloudWatch Logs GB ingested per month")
	fs.Float64Var(&o.assumptions.ImageGB, "image-gb", 0, "assumed ECR storage GB")
	fs.Float64Var(&o.assumptions.NatGB, "nat-gb", 0, "assumed NAT data processed GB per month")
	fs.Float64Var(&o.assumptions.LCU, "lcu", 0, "assumed average ALB capacity units")
	fs.Float64Var(&o.assumptions.DataOutGB, "data-out-gb", 0, "assumed data out to the internet GB per month")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, flag.ErrHelp
		}
		return o, errUsage
	}
	o.at = time.Now()
	var atErr error
	if *at != "" {
		o.at, atErr = time.Parse(time.RFC3339, *at)
	}
	switch {
	case atErr != nil:
		fmt.Fprintf(stderr, "plan: --at %q is not an RFC 3339 time like 2026-11-27T23:00:00+09:00\n", *at)
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "plan: unexpected argument %q\n", fs.Arg(0))
	case o.stack == "" && o.input == "":
		fmt.Fprintln(stderr, "plan: give --stack (e.g. --stack dev) or --input <export.json>")
	case o.stack != "" && o.input != "":
		fmt.Fprintln(stderr, "plan: give --stack or --input, not both")
	case !contains(formats, o.format):
		fmt.Fprintf(stderr, "plan: --format %q is not one of %s\n", o.format, strings.Join(formats, ", "))
	case o.input != "" && o.format == "export":
		fmt.Fprintln(stderr, "plan: --format export needs --stack; an --input file is already an export")
	case o.assumptions.LogGB < 0 || o.assumptions.ImageGB < 0 || o.assumptions.NatGB < 0 || o.assumptions.LCU < 0 || o.assumptions.DataOutGB < 0:
		fmt.Fprintln(stderr, "plan: usage assumptions cannot be negative")
	default:
		return o, nil
	}
	return o, errUsage
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	code, err := report(o, stdout)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "plan: %s\n", line)
		}
		return 1
	}
	return code
}

// locate puts each configuration error on its own line, prefixed with where its
// key sits in the stack file, in file order (keys the file does not hold last).
func locate(cfg *plan.StackConfig, err error) error {
	problems := config.ConfigErrors(err)
	if len(problems) == 0 {
		return err
	}
	type located struct {
		line int
		text string
	}
	var lines []located
	for _, p := range problems {
		l := located{line: cfg.Line(p.Key), text: cfg.File + ": " + p.Error()}
		if l.line > 0 {
			l.text = fmt.Sprintf("%s:%d: %s", cfg.File, l.line, p.Error())
		} else {
			l.line = math.MaxInt
		}
		lines = append(lines, l)
	}
	slices.SortStableFunc(lines, func(a, b located) int { return a.line - b.line })
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	return errors.New(strings.Join(texts, "\n"))
}

// load returns the graph to report on: a fresh plan, or an export file.
func load(o options) (*graph.Export, error) {
	if o.input != "" {
		return graph.ReadFile(o.input)
	}
	cfg, err := plan.LoadStack(o.dir, o.stack)
	if err != nil {
		return nil, err
	}
	res, err := plan.Run(cfg, mocks.Options{ImageTag: o.imageTag, Now: o.at})
	if err != nil {
		return nil, locate(cfg, err)
	}
	return res.Export, nil
}

// report writes the chosen format and returns the exit code.
func report(o options, w io.Writer) (int, error) {
	exp, err := load(o)
	if err != nil {
		return 1, err
	}
	if o.format == "export" {
		return 0, writeJSON(w, exp)
	}
	// A region without prices leaves the cost unknown; the resources and the
	// checks are still shown, except where the cost is all that was asked for.
	est, err := cost.EstimateGraph(exp, o.assumptions)
	var noPrices *cost.NoPricesError
	if errors.As(err, &noPrices) && o.format != "cost" {
		est = nil
	} else if err != nil {
		return 1, err
	}
	var diff *cost.Diff
	if o.compare != "" && est != nil {
		base, err := graph.ReadFile(o.compare)
		if err != nil {
			return 1, err
		}
		if diff, err = cost.Compare(base, exp, o.assumptions); err != nil {
			return 1, err
		}
	}
	register, registerPath, err := loadRegister(o)
	if err != nil {
		return 1, err
	}
	findings := checks.Evaluate(exp, register)
	// --strict fails the command on a failed check, whatever the format.
	code := 0
	if o.strict && len(checks.Failed(findings)) > 0 {
		code = 3
	}

	switch o.format {
	case "cost":
		if diff != nil {
			return code, writeJSON(w, struct {
				*cost.Estimate
				Diff *cost.Diff `json:"diff"`
			}{est, diff})
		}
		return code, writeJSON(w, est)
	case "checks":
		return code, writeJSON(w, struct {
			Stack    string           `json:"stack"`
			Register string           `json:"register"`
			Summary  checks.Summary   `json:"summary"`
			Findings []checks.Finding `json:"findings"`
		}{exp.StackName(), registerPath, checks.Summarize(findings), findings})
	}
	if o.input == "" {
		fmt.Fprintf(w, "Offline plan (Pulumi's mock engine): ids, the account, zone ids and name servers are placeholders; every image tag parameter is assumed to hold %q (--image-tag); deployed at %s (--at).\n",
			o.imageTag, o.at.Format(time.RFC3339))
		plan.WriteTree(w, exp)
	} else {
		fmt.Fprintf(w, "Stack %s in %s: %d resources in %s\n", exp.StackName(), exp.Region(), len(exp.Deployment.Resources), o.input)
	}
	fmt.Fprintln(w)
	if est == nil {
		fmt.Fprintf(w, "Monthly cost: unknown, %v.\n", noPrices)
	} else {
		cost.WriteTable(w, est)
	}
	if diff != nil {
		fmt.Fprintf(w, "\nCompared with %s:\n", o.compare)
		cost.WriteDiff(w, diff)
	}
	fmt.Fprintln(w)
	if registerPath == "" {
		fmt.Fprintf(w, "No exception register (%s not found, no --exceptions): every failing check counts as a failure.\n", filepath.Join(o.dir, "exceptions.yaml"))
	}
	checks.WriteSummary(w, findings)
	return code, nil
}

// loadRegister reads the exception register, --exceptions or exceptions.yaml in
// --dir when it exists, and says which it read ("" for none).
func loadRegister(o options) (*checks.Register, string, error) {
	path := o.exceptions
	if path == "" {
		path = filepath.Join(o.dir, "exceptions.yaml")
		if _, err := os.Stat(path); err != nil {
			return nil, "", nil
		}
	}
	reg, err := checks.ReadRegister(path)
	return reg, path, err
}
