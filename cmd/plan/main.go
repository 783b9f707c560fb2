// Command plan runs the fargo program offline, under Pulumi's mock engine, and shows
// what a stack would create, what it would cost each month and how it fares against
// the security and reliability checks.
//
// Usage:
//
//	go run ./cmd/plan --stack dev [--format text|export|cost|checks]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/internal/mocks"
	"github.com/fargo-dev/fargo/internal/plan"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	stack, dir, format, imageTag string
}

// errUsage marks a flag error, already reported by the flag package.
var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stack, "stack", "", "stack to plan (reads Pulumi.<stack>.yaml)")
	fs.StringVar(&o.dir, "dir", ".", "directory holding Pulumi.yaml and the stack files")
	fs.StringVar(&o.format, "format", "text", "output: text, or export (JSON like `pulumi stack export`)")
	fs.StringVar(&o.imageTag, "image-tag", mocks.DefaultImageTag, "image tag the fake SSM parameters hold; \"none\" plans a fresh account")
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "plan: unexpected argument %q\n", fs.Arg(0))
		return o, errUsage
	}
	if o.stack == "" {
		fmt.Fprintln(stderr, "plan: --stack is required, e.g. --stack dev")
		return o, errUsage
	}
	switch o.format {
	case "text", "export":
	default:
		fmt.Fprintf(stderr, "plan: --format %q is not one of text, export\n", o.format)
		return o, errUsage
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	exp, err := planStack(o)
	if err != nil {
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return 1
	}
	switch o.format {
	case "export":
		if err := writeJSON(stdout, exp); err != nil {
			fmt.Fprintf(stderr, "plan: %v\n", err)
			return 1
		}
	default:
		plan.WriteTree(stdout, exp)
	}
	return 0
}

func planStack(o options) (*graph.Export, error) {
	cfg, err := plan.LoadStack(o.dir, o.stack)
	if err != nil {
		return nil, err
	}
	res, err := plan.Run(cfg, mocks.Options{ImageTag: o.imageTag})
	if err != nil {
		return nil, err
	}
	return res.Export, nil
}
