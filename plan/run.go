// Package plan runs the fargo program offline, under Pulumi's mock engine with
// fargo's fake AWS, and turns what it registers into a resource graph shaped like
// `pulumi stack export`.
package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/plan/mocks"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// UnknownValue is how an export marks a value not known until deployment: the
// SDK's own sentinel.
const UnknownValue = plugin.UnknownStringValue

// provider versions written into the plan's default provider resources.
var providerVersions = map[string]string{"aws": "6.83.4", "awsx": "2.22.0"}

// Result is what one offline run produced.
type Result struct {
	// Config is the configuration the program was given.
	Config *StackConfig
	// Export is the resource graph.
	Export *graph.Export
	// Invoked are the function tokens the program called, sorted: the calls
	// its CI roles must be allowed besides managing its resources.
	Invoked []string
}

// Run runs the fargo program for a stack's configuration under mocks.
func Run(cfg *StackConfig, opts mocks.Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error while planning %s: %v", cfg.Stack, r)
		}
	}()
	if opts.Region == "" {
		opts.Region = cfg.Values["aws:region"]
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	var previewKeysErr error
	if host := cfg.Values[config.Namespace+":previewOf"]; host != "" {
		previewKeysErr = config.CheckPreviewFileKeys(cfg.FileKeys)
		if opts.StackOutputs[host] == nil {
			if opts, err = withHostOutputs(cfg, host, opts); err != nil {
				return nil, err
			}
		}
	}
	mon := mocks.New(cfg.Project, cfg.Stack, opts)
	outputs := resource.PropertyMap{}
	program := func(ctx *pulumi.Context) error {
		if err := infra.ProgramAt(opts.Now)(ctx); err != nil {
			return err
		}
		for name, value := range ctx.GetCurrentExportMap() {
			v, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(value))
			if err != nil {
				return fmt.Errorf("output %s: %w", name, err)
			}
			out := resource.NewPropertyValue(v.Value)
			switch {
			case !v.Known:
				out = resource.MakeComputed(resource.NewStringProperty(""))
			case v.Secret:
				out = resource.MakeSecret(out) // shown as the export shows a secret
			}
			outputs[resource.PropertyKey(name)] = out
		}
		return nil
	}
	withConfig := func(ri *pulumi.RunInfo) {
		ri.Config = cfg.Values
		ri.ConfigSecretKeys = cfg.SecretKeys
		ri.DryRun = opts.Preview
	}
	// The keys are checked as the CLI's PULUMI_CONFIG is at deploy time, and
	// reported with the values' errors, all at once.
	keysErr := errors.Join(config.CheckKeys(slices.Collect(maps.Keys(cfg.Values))), previewKeysErr)
	if err := pulumi.RunErr(program, pulumi.WithMocks(cfg.Project, cfg.Stack, mon), withConfig); err != nil || keysErr != nil {
		return nil, cleanError(errors.Join(keysErr, err))
	}
	return &Result{Config: cfg, Export: buildExport(mon, outputs), Invoked: mon.Invoked()}, nil
}

// withHostOutputs plans a preview's host from its stack file beside the
// preview's, so that the preview reads what the host would export.
func withHostOutputs(cfg *StackConfig, host string, opts mocks.Options) (mocks.Options, error) {
	hostCfg, err := LoadStack(cfg.Dir, host)
	if err != nil {
		return opts, fmt.Errorf("planning %s, which %s previews: %w", host, cfg.Stack, err)
	}
	hostOpts := opts
	hostOpts.Preview = false
	res, err := Run(hostCfg, hostOpts)
	if err != nil {
		return opts, fmt.Errorf("planning %s, which %s previews: %w", host, cfg.Stack, err)
	}
	stacks := maps.Clone(opts.StackOutputs)
	if stacks == nil {
		stacks = map[string]map[string]any{}
	}
	for _, r := range res.Export.Deployment.Resources {
		if r.Type == graph.RootStackType {
			stacks[host] = r.Outputs
		}
	}
	opts.StackOutputs = stacks
	return opts, nil
}

// cleanError drops the engine's wrapping so that each config error reads as one line.
func cleanError(err error) error {
	if problems := config.ConfigErrors(err); len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = p
		}
		return errors.Join(errs...)
	}
	msg := strings.TrimSpace(err.Error())
	msg = strings.TrimPrefix(msg, "1 error occurred:")
	msg = strings.TrimSpace(msg)
	msg = strings.TrimPrefix(msg, "* ")
	if i := strings.Index(msg, "\ngoroutine "); i >= 0 {
		msg = msg[:i]
	}
	return errors.New(strings.TrimSpace(msg))
}

// buildExport turns the mock monitor's registrations into an export document.
func buildExport(mon *mocks.Monitor, outputs resource.PropertyMap) *graph.Export {
	stackURN := resource.URN(mon.StackURN())
	project, stack := string(stackURN.Project()), string(stackURN.Stack())
	resources := []graph.Resource{{URN: stackURN, Type: graph.RootStackType, Outputs: exportMap(outputs)}}

	// Registrations arrive concurrently; sorting by URN keeps plans diffable.
	regs := mon.Registrations()
	sort.Slice(regs, func(i, j int) bool { return regs[i].URN < regs[j].URN })
	providers := map[string]string{}
	for _, r := range regs {
		pkg, _, _ := strings.Cut(r.Type, ":")
		if r.Provider != "" || (!r.Custom && !r.Remote) || providers[pkg] != "" {
			continue
		}
		version := providerVersions[pkg]
		urn := resource.NewURN(tokens.QName(stack), tokens.PackageName(project), "", tokens.Type("pulumi:providers:"+pkg), "default_"+strings.ReplaceAll(version, ".", "_"))
		id := resource.ID("00000000-0000-4000-8000-" + fmt.Sprintf("%012d", len(providers)+1))
		providers[pkg] = string(urn) + "::" + string(id)
		inputs := map[string]any{"version": version}
		if pkg == "aws" || pkg == "awsx" {
			inputs["region"] = mon.Region()
		}
		resources = append(resources, graph.Resource{URN: urn, Custom: true, ID: id, Type: urn.Type(), Inputs: inputs, Outputs: inputs})
	}

	for _, r := range regs {
		res := graph.Resource{
			URN: resource.URN(r.URN), Custom: r.Custom, ID: resource.ID(r.ID), Type: tokens.Type(r.Type), Parent: resource.URN(r.Parent),
			Inputs:  exportMap(r.Inputs),
			Outputs: exportMap(r.Outputs),
			Protect: r.Protect, RetainOnDelete: r.RetainOnDelete, Dependencies: urns(r.Dependencies), IgnoreChanges: r.IgnoreChanges, ReplaceOnChanges: r.ReplaceOnChanges,
			Provider: r.Provider, Aliases: urns(r.Aliases),
		}
		if len(r.BeforeDelete) > 0 {
			res.ResourceHooks = map[resource.HookType][]string{resource.BeforeDelete: r.BeforeDelete}
		}
		if res.Parent == "" {
			res.Parent = stackURN
		}
		if res.Provider == "" && (r.Custom || r.Remote) {
			pkg, _, _ := strings.Cut(r.Type, ":")
			res.Provider = providers[pkg]
		}
		resources = append(resources, res)
	}
	exp := &graph.Export{Version: apitype.DeploymentSchemaVersionCurrent}
	exp.Deployment.Manifest = apitype.ManifestV1{Time: time.Unix(0, 0).UTC(), Magic: "fargo-offline-plan", Version: "fargo-plan"}
	exp.Deployment.Resources = resources
	return exp
}

// urns types the URNs the mock monitor records as strings.
func urns(list []string) []resource.URN {
	var out []resource.URN
	for _, u := range list {
		out = append(out, resource.URN(u))
	}
	return out
}

// exportMap renders properties as export JSON with the SDK's Mappable, nil
// when there are none (as a plan always wrote them).
func exportMap(m resource.PropertyMap) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m.MapRepl(nil, exportValue)
}

// exportValue renders what Mappable would leave as the SDK's own types: unknowns
// as the engine's sentinel, secrets as [secret], resource references as their URN.
func exportValue(v resource.PropertyValue) (any, bool) {
	switch {
	case v.IsComputed(), v.IsOutput() && !v.OutputValue().Known:
		return UnknownValue, true
	case v.IsSecret(), v.IsOutput() && v.OutputValue().Secret:
		return SecretPlaceholder, true
	case v.IsOutput():
		return v.OutputValue().Element.MapRepl(nil, exportValue), true
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN), true
	}
	return nil, false
}
