package checks

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/fargo-dev/fargo/internal/awsiam"
	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/internal/naming"
)

// dataReads read what a resource holds, not what it is: never granted across stacks.
var dataReads = regexp.MustCompile(`^(ssm:GetParameter|secretsmanager:GetSecretValue|dynamodb:(GetItem|BatchGetItem|Query|Scan|ExportTable)|logs:(GetLogEvents|FilterLogEvents|StartQuery)|ecr:(BatchGetImage|GetDownloadUrlForLayer)|kms:Decrypt|s3:GetObject)`)

// metadataRead reports whether an action only lists or describes resources.
func metadataRead(action string) bool {
	if dataReads.MatchString(action) {
		return false
	}
	_, verb, _ := strings.Cut(action, ":")
	for _, p := range []string{"Describe", "List", "Get", "View"} {
		if strings.HasPrefix(verb, p) {
			return true
		}
	}
	return false
}

// iamMatch applies IAM's wildcards: "*" any run of characters, "?" any one.
func iamMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}

// otherStacks are the names a probe gives another stack: an unrelated one, and
// one that extends this stack's name, which a pattern without a delimiter catches.
func otherStacks(stack string) []string { return []string{"zzother", stack + "2"} }

// reachesOtherStack reports whether a resource pattern that names this stack also
// matches the same resource of another stack. Only the ARN's resource part is
// rewritten, so a stack named like an ARN field is not confused with it.
func reachesOtherStack(pattern, stack string) bool {
	parts := strings.SplitN(pattern, ":", 6)
	if len(parts) < 6 {
		return true
	}
	for _, other := range otherStacks(stack) {
		probe := strings.NewReplacer("*", "x", "?", "x").Replace(strings.ReplaceAll(parts[5], stack, other))
		if iamMatch(pattern, strings.Join(append(parts[:5:5], probe), ":")) {
			return true
		}
	}
	return false
}

// namesStack reports whether a resource pattern holds the stack's name.
func namesStack(pattern, stack string) bool {
	parts := strings.SplitN(pattern, ":", 6)
	return len(parts) == 6 && strings.Contains(parts[5], stack)
}

// namesPreviews reports whether a resource pattern names only the resources of
// pull request previews (prefix: naming.PreviewsNamePrefix), which a stack that
// hosts previews manages; "" when it hosts none. No other stack's names hold
// the prefix's underscore.
func namesPreviews(pattern, prefix string) bool {
	parts := strings.SplitN(pattern, ":", 6)
	if prefix == "" || len(parts) < 6 {
		return false
	}
	i := strings.Index(parts[5], prefix)
	return i >= 0 && !strings.ContainsAny(parts[5][:i], "*?")
}

// awsOwned is a resource in no account, such as AWS's public SSM parameters.
func awsOwned(pattern string) bool {
	parts := strings.SplitN(pattern, ":", 6)
	return len(parts) == 6 && parts[4] == "" && parts[2] == "ssm"
}

// tagScoped reports whether a statement holds its resources to the stack's
// tag, or to the tag of the stack's own previews: on what exists (ResourceTag),
// or on what it makes (RequestTag, where a preview's resources need it).
func (s statement) tagScoped(stack string) bool {
	for _, op := range []string{"StringEquals", "StringEqualsIfExists"} {
		if s.Condition[op]["aws:ResourceTag/"+naming.TagStack] == stack {
			return true
		}
	}
	previewOf := s.Condition["StringEquals"]
	return previewOf["aws:ResourceTag/"+naming.TagPreviewOf] == stack || previewOf["aws:RequestTag/"+naming.TagPreviewOf] == stack
}

// recordScoped reports whether a statement holds Route 53 changes to names under
// the stack's own site names.
func (s statement) recordScoped(sites []string) bool {
	names := stringList(s.Condition["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"])
	if len(names) == 0 || len(sites) == 0 {
		return false
	}
	for _, n := range names {
		own := false
		for _, site := range sites {
			if n == site || (strings.HasSuffix(n, "."+site) && !strings.Contains(strings.TrimSuffix(n, "."+site), "*")) {
				own = true
			}
		}
		if !own {
			return false
		}
	}
	return true
}

// crossStackReach lists what one statement may do to another stack's resources.
func (s statement) crossStackReach(stack string, sites []string, previewsPrefix string) []string {
	if s.Effect != "Allow" || s.tagScoped(stack) || s.recordScoped(sites) {
		return nil
	}
	var out []string
	for _, r := range s.Resource {
		if awsOwned(r) || (namesStack(r, stack) && !reachesOtherStack(r, stack)) || namesPreviews(r, previewsPrefix) {
			continue
		}
		for _, a := range s.Action {
			if _, residual := awsiam.UnscopableWrites[a]; residual || metadataRead(a) {
				continue
			}
			out = append(out, a+" on "+r)
		}
	}
	return out
}

// stackScoped is IAM.STACK: every policy of the stack reaches only the stack's own
// resources, by name (tested against another stack's names), by the stack's tag,
// or by the site's record names. Listing and describing, and UnscopableWrites,
// are the written-down residue.
func stackScoped(g *graph.Export) []Finding {
	stack := g.StackName()
	var sites []string
	for _, c := range g.Resources(awstypes.ACMCertificate) {
		sites = append(sites, c.String("domainName"))
	}
	var out []Finding
	previewsPrefix := ""
	if _, _, ok := g.PreviewPorts(); ok {
		previewsPrefix = naming.PreviewsNamePrefix(g.ProjectName())
	}
	docs := policyDocuments(g)
	for _, urn := range slices.Sorted(maps.Keys(docs)) {
		var reach []string
		for _, doc := range docs[urn] {
			sts, err := parseStatements(doc)
			if err != nil {
				continue // IAM.1 reports unreadable policies
			}
			for _, s := range sts {
				reach = append(reach, s.crossStackReach(stack, sites, previewsPrefix)...)
			}
		}
		slices.Sort(reach)
		reach = slices.Compact(reach)
		if len(reach) > 0 {
			out = append(out, fail(urn, "may touch another stack's resources: %s", strings.Join(reach, "; ")))
		} else {
			out = append(out, pass(urn, "reaches only stack %s's resources (by name, tag or record name)", stack))
		}
	}
	return out
}

// IAM's policy size quotas, counted without whitespace.
const (
	MaxInlinePolicyChars  = 10240 // all inline policies of one role
	MaxManagedPolicyChars = 6144  // one managed policy
)

// compactSize is a policy's size as IAM counts it: its JSON without whitespace.
func compactSize(doc string) int {
	var v any
	if json.Unmarshal([]byte(doc), &v) != nil {
		return len(doc)
	}
	b, _ := json.Marshal(v)
	return len(b)
}

// policySizes is IAM.SIZE: a role's inline policies, together, and each managed
// policy stay within IAM's quotas, which `pulumi up` would otherwise hit.
func policySizes(g *graph.Export) []Finding {
	var out []Finding
	byRole := map[string][]*graph.Resource{}
	for _, p := range g.Resources(awstypes.IAMRolePolicy) {
		byRole[p.String("role")] = append(byRole[p.String("role")], p)
	}
	for _, role := range slices.Sorted(maps.Keys(byRole)) {
		total := 0
		for _, p := range byRole[role] {
			total += compactSize(p.String("policy"))
		}
		urn := byRole[role][0].URN
		out = append(out, verdict(total <= MaxInlinePolicyChars, urn,
			fmt.Sprintf("inline policies of its role: %d of %d characters", total, MaxInlinePolicyChars)))
	}
	for _, p := range g.Resources(awstypes.IAMPolicy) {
		n := compactSize(p.String("policy"))
		out = append(out, verdict(n <= MaxManagedPolicyChars, p.URN, fmt.Sprintf("%d of %d characters", n, MaxManagedPolicyChars)))
	}
	return out
}
