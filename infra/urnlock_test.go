package infra_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/plan/mocks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// updateURNs rewrites the URN lock with what the plans register now, once no
// locked URN has gone unaccounted for: go test ./infra -run TestURNsAreLocked -update-urns
var updateURNs = flag.Bool("update-urns", false, "write testdata/urns.lock from the current plans (README, Development)")

const urnLockPath = "testdata/urns.lock"

// lockVariants are the plans whose URNs the lock holds: the shipped stacks and
// every NAT mode (dev holds a schedule; prod a domain, alarms and a budget).
func lockVariants(t *testing.T) map[string]*graph.Export {
	return map[string]*graph.Export{
		"dev":              planFor(t, "dev").exp,
		"prod":             planFor(t, "prod").exp,
		"dev-nat-single":   networkVariant(t, config.NatSingle, 2).exp,
		"dev-nat-perAz-3":  networkVariant(t, config.NatPerAz, 3).exp,
		"dev-nat-instance": networkVariant(t, config.NatInstance, 2).exp,
	}
}

// lockEntry is one URN a plan registers, with its identity when it is stateful.
type lockEntry struct {
	variant, urn, identity string
}

func (e lockEntry) String() string {
	if e.identity == "" {
		return e.variant + "\t" + e.urn
	}
	return e.variant + "\t" + e.urn + "\t" + e.identity
}

// identity is a stateful resource's replacing inputs, as "key=value" pairs.
func identity(r *graph.Resource) string {
	keys, ok := awstypes.Stateful()[string(r.Type)]
	if !ok {
		return ""
	}
	var parts []string
	for _, k := range keys {
		v := r.Input(k)
		if v == nil {
			v = "(unset)"
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	}
	return strings.Join(parts, " ")
}

func currentEntries(variants map[string]*graph.Export) (entries []lockEntry, aliases map[string]map[string]bool) {
	aliases = map[string]map[string]bool{}
	for variant, exp := range variants {
		aliases[variant] = map[string]bool{}
		for i := range exp.Deployment.Resources {
			r := &exp.Deployment.Resources[i]
			if strings.HasPrefix(string(r.Type), "pulumi:providers:") {
				continue // the plan's default providers are versioned by the SDK, not by fargo
			}
			entries = append(entries, lockEntry{variant, string(r.URN), identity(r)})
			for _, a := range r.Aliases {
				aliases[variant][string(a)] = true
			}
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].String() < entries[j].String() })
	return entries, aliases
}

func readLock(t *testing.T) []lockEntry {
	t.Helper()
	f, err := os.Open(urnLockPath)
	if err != nil {
		t.Fatalf("%v: write it with go test ./infra -run TestURNsAreLocked -update-urns", err)
	}
	defer f.Close()
	var out []lockEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, "\t", 3)
		if len(fields) < 2 {
			t.Fatalf("%s: malformed line %q", urnLockPath, line)
		}
		e := lockEntry{variant: fields[0], urn: fields[1]}
		if len(fields) == 3 {
			e.identity = fields[2]
		}
		out = append(out, e)
	}
	return out
}

// breakingSections returns the text of the CHANGELOG's "### Breaking" sections:
// the Unreleased section's only, or every release's too.
func breakingSections(t *testing.T, everyRelease bool) string {
	t.Helper()
	data, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	release, in := "", false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			release, in = line, false
		case strings.HasPrefix(line, "#"):
			in = strings.TrimSpace(line) == "### Breaking" && (everyRelease || release == "## Unreleased")
		case in:
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// names reports whether a Breaking text names a URN's resource part, in
// backquotes as the CHANGELOG writes code.
func names(breaking, urn string) bool {
	return strings.Contains(breaking, "`"+resourcePart(urn)+"`")
}

var urnPrefix = regexp.MustCompile(`^urn:pulumi:[^:]+::[^:]+::`)

// resourcePart is a URN without its stack and project: the part a CHANGELOG
// names, the same for every stack.
func resourcePart(urn string) string { return urnPrefix.ReplaceAllString(urn, "") }

// judgeLock compares the locked URNs with the current ones: a locked URN may
// disappear only when a current resource declares it as an alias or the
// Unreleased section's Breaking names it; a stateful resource may change its
// identity only when named there too, and be replaced on a change of its
// inputs only when some release's Breaking names it; every current URN must be
// locked.
func judgeLock(locked, current []lockEntry, aliases map[string]map[string]bool, currentRes map[string]*graph.Export, unreleased, everyRelease string) (problems []string) {
	now := map[string]lockEntry{}
	for _, e := range current {
		now[e.variant+" "+e.urn] = e
	}
	was := map[string]bool{}
	for _, e := range locked {
		was[e.variant+" "+e.urn] = true
		c, ok := now[e.variant+" "+e.urn]
		named := names(unreleased, e.urn)
		switch {
		case !ok && !aliases[e.variant][e.urn] && !named:
			problems = append(problems, fmt.Sprintf("%s: %s is gone: Pulumi would delete it and create another; declare pulumi.Aliases with this URN, or name `%s` under the CHANGELOG's Unreleased ### Breaking", e.variant, e.urn, resourcePart(e.urn)))
		// An identity not recorded (its type was not stateful then) is no change.
		case ok && e.identity != "" && c.identity != e.identity && !named:
			problems = append(problems, fmt.Sprintf("%s: stateful %s changes %q to %q: AWS would replace it; name `%s` under the CHANGELOG's Unreleased ### Breaking", e.variant, e.urn, e.identity, c.identity, resourcePart(e.urn)))
		}
	}
	for _, e := range current {
		if !was[e.variant+" "+e.urn] {
			problems = append(problems, fmt.Sprintf("%s: %s is not in %s: add it with go test ./infra -run TestURNsAreLocked -update-urns", e.variant, e.urn, urnLockPath))
		}
	}
	for variant, exp := range currentRes {
		for i := range exp.Deployment.Resources {
			r := &exp.Deployment.Resources[i]
			if _, stateful := awstypes.Stateful()[string(r.Type)]; stateful && len(r.ReplaceOnChanges) > 0 && !names(everyRelease, string(r.URN)) {
				problems = append(problems, fmt.Sprintf("%s: stateful %s is replaced on changes of %v: name `%s` under the CHANGELOG's ### Breaking", variant, r.URN, r.ReplaceOnChanges, resourcePart(string(r.URN))))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// TestURNsAreLocked holds the CHANGELOG's promise: a resource's URN never
// changes after a release, and nothing stateful is replaced, unless the change
// says how (an alias) or says so (### Breaking).
func TestURNsAreLocked(t *testing.T) {
	variants := lockVariants(t)
	current, aliases := currentEntries(variants)
	var locked []lockEntry
	if _, err := os.Stat(urnLockPath); err == nil || !*updateURNs {
		locked = readLock(t)
	}
	problems := judgeLock(locked, current, aliases, variants, breakingSections(t, false), breakingSections(t, true))
	if *updateURNs {
		var gone []string
		for _, p := range problems {
			if !strings.Contains(p, "is not in "+urnLockPath) {
				gone = append(gone, p)
			}
		}
		if len(gone) > 0 && len(locked) > 0 {
			t.Fatalf("not updating %s:\n%s", urnLockPath, strings.Join(gone, "\n"))
		}
		var b strings.Builder
		b.WriteString("# Every URN fargo's offline plans register, per plan, with a stateful resource's\n")
		b.WriteString("# replacing inputs. Written by: go test ./infra -run TestURNsAreLocked -update-urns\n")
		b.WriteString("# (never by hand); TestURNsAreLocked fails when one disappears or changes.\n")
		for _, e := range current {
			b.WriteString(e.String() + "\n")
		}
		if err := os.WriteFile(urnLockPath, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d URNs to %s", len(current), urnLockPath)
		return
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestURNLockRefusesWhatBreaksAStack runs the lock's judgement on edited
// plans: each way a change of fargo breaks a deployed stack is refused, and
// each way it says so is accepted.
func TestURNLockRefusesWhatBreaksAStack(t *testing.T) {
	dev := map[string]*graph.Export{"dev": planFor(t, "dev").exp}
	locked, aliases := currentEntries(dev)
	table := "urn:pulumi:dev::fargo::fargo:infra:Database$aws:dynamodb/table:Table::data-posts"
	vpc := "urn:pulumi:dev::fargo::fargo:infra:Network$aws:ec2/vpc:Vpc::network-vpc"
	for _, urn := range []string{table, vpc} {
		if !slices.ContainsFunc(locked, func(e lockEntry) bool { return e.urn == urn }) {
			t.Fatalf("dev's plan has no %s; the cases below need it", urn)
		}
	}
	without := func(urn string) []lockEntry {
		return slices.DeleteFunc(slices.Clone(locked), func(e lockEntry) bool { return e.urn == urn })
	}
	renamed := func(urn, identity string) []lockEntry {
		out := slices.Clone(locked)
		for i := range out {
			if out[i].urn == urn {
				out[i].identity = identity
			}
		}
		return out
	}
	// A type made stateful after the lock was written has no identity recorded.
	if problems := judgeLock(renamed(vpc, ""), locked, aliases, dev, "", ""); len(problems) > 0 {
		t.Errorf("a newly stateful type's first identity is refused: %v", problems)
	}
	for _, c := range []struct {
		name     string
		current  []lockEntry
		aliases  map[string]map[string]bool
		breaking string // the Unreleased section's Breaking
		released string // an earlier release's Breaking
		want     string // a fragment of the one problem, "" for none
	}{
		{"unchanged", locked, aliases, "", "", ""},
		{"a table's URN gone", without(table), aliases, "", "", table + " is gone"},
		{"gone, but aliased", without(table), map[string]map[string]bool{"dev": {table: true}}, "", "", ""},
		{"gone, named as breaking", without(table), aliases, "- replaces `fargo:infra:Database$aws:dynamodb/table:Table::data-posts`\n", "", ""},
		{"gone, named by an earlier release only", without(table), aliases, "", "- replaces `fargo:infra:Database$aws:dynamodb/table:Table::data-posts`\n", table + " is gone"},
		{"gone, another table named", without(table), aliases, "- replaces `fargo:infra:Database$aws:dynamodb/table:Table::data-posts-archive`\n", "", table + " is gone"},
		{"a VPC's range changed", renamed(vpc, "cidrBlock=10.9.0.0/16"), aliases, "", "", "changes \"cidrBlock=10.0.0.0/16\" to \"cidrBlock=10.9.0.0/16\""},
		{"a new URN", append(slices.Clone(locked), lockEntry{"dev", "urn:pulumi:dev::fargo::aws:s3/bucket:Bucket::new", ""}), aliases, "", "", "is not in"},
	} {
		problems := judgeLock(locked, c.current, c.aliases, dev, c.breaking, c.breaking+c.released)
		switch {
		case c.want == "" && len(problems) > 0:
			t.Errorf("%s: refused: %v", c.name, problems)
		case c.want != "" && (len(problems) != 1 || !strings.Contains(problems[0], c.want)):
			t.Errorf("%s: %v, want one problem holding %q", c.name, problems, c.want)
		}
	}
}

// TestAliasesResolveToTheOldURN proves the lock's alias path: a resource
// renamed with pulumi.Aliases is recorded with the URN it had, as the engine
// resolves it.
func TestAliasesResolveToTheOldURN(t *testing.T) {
	mon := mocks.New("fargo", "dev", mocks.Options{Region: "ap-northeast-2"})
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		var parent pulumi.ResourceState
		if err := ctx.RegisterComponentResource("fargo:infra:Database", "data", &parent); err != nil {
			return err
		}
		var child pulumi.CustomResourceState
		return ctx.RegisterResource("aws:dynamodb/table:Table", "data-articles", pulumi.Map{}, &child,
			pulumi.Parent(&parent), pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String("data-posts")}}))
	}, pulumi.WithMocks("fargo", "dev", mon))
	if err != nil {
		t.Fatal(err)
	}
	const want = "urn:pulumi:dev::fargo::fargo:infra:Database$aws:dynamodb/table:Table::data-posts"
	for _, r := range mon.Registrations() {
		if r.Name == "data-articles" {
			if !slices.Equal(r.Aliases, []string{want}) {
				t.Errorf("aliases %v, want [%s]", r.Aliases, want)
			}
			return
		}
	}
	t.Fatal("the renamed table was not registered")
}
