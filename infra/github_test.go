package infra_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/awsiam"
	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/plan/mocks"
)

type trustDoc struct {
	Statement []struct {
		Effect    string
		Action    []string
		Principal map[string]string
		Condition map[string]map[string]any
	}
}

type fullPolicy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    []string
		Resource  []string
		Condition map[string]map[string]any
	}
}

func TestGithubRolesTrustExactlyTheConfiguredSubjects(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			g := p.cfg.Github
			if g == nil {
				t.Skip("no fargo:github in this stack")
			}
			want := map[string][]string{"preview": g.PreviewSubjects(), "deploy": g.DeploySubjects(), "rollout": g.RolloutSubjects()}
			for kind, subjects := range want {
				role := one(t, p.exp, "aws:iam/role:Role", "github-"+kind)
				if role.String("path") != infra.CIRolePath || num(t, role, "maxSessionDuration") != 3600 {
					t.Errorf("%s role path %q session %v", kind, role.String("path"), role.Input("maxSessionDuration"))
				}
				var doc trustDoc
				if err := json.Unmarshal([]byte(role.String("assumeRolePolicy")), &doc); err != nil || len(doc.Statement) != 1 {
					t.Fatalf("%s trust: %v", kind, err)
				}
				st := doc.Statement[0]
				if !strings.HasSuffix(st.Principal["Federated"], ":oidc-provider/token.actions.githubusercontent.com") ||
					!slices.Equal(st.Action, []string{"sts:AssumeRoleWithWebIdentity"}) {
					t.Errorf("%s trust principal %v action %v", kind, st.Principal, st.Action)
				}
				eq := st.Condition["StringEquals"]
				if eq["token.actions.githubusercontent.com:aud"] != "sts.amazonaws.com" {
					t.Errorf("%s audience %v", kind, eq["token.actions.githubusercontent.com:aud"])
				}
				var subs []string
				for _, s := range eq["token.actions.githubusercontent.com:sub"].([]any) {
					subs = append(subs, s.(string))
					if strings.ContainsAny(s.(string), "*?") {
						t.Errorf("%s trusts a wildcard subject %v", kind, s)
					}
				}
				if !slices.Equal(subs, subjects) || len(st.Condition) != 1 {
					t.Errorf("%s trusts %v (conditions %v), want exactly %v", kind, subs, st.Condition, subjects)
				}
			}
			if g.Environment != "" && !strings.HasSuffix(want["deploy"][0], ":environment:"+g.Environment) {
				t.Errorf("deploy subject %v ignores the environment", want["deploy"])
			}
			oidc := p.exp.Resources("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
			if g.CreateOidcProvider != (len(oidc) == 1) {
				t.Errorf("createOidcProvider=%v but %d providers", g.CreateOidcProvider, len(oidc))
			}
		})
	}
}

func TestGithubPoliciesAreLeastPrivilege(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			if p.cfg.Github == nil {
				t.Skip("no fargo:github in this stack")
			}
			for _, kind := range []string{"preview", "deploy", "rollout"} {
				r := one(t, p.exp, "aws:iam/rolePolicy:RolePolicy", "github-"+kind)
				var doc fullPolicy
				if err := json.Unmarshal([]byte(r.String("policy")), &doc); err != nil {
					t.Fatal(err)
				}
				for _, st := range doc.Statement {
					tagged := false
					for _, op := range []string{"StringEquals", "StringEqualsIfExists"} {
						c := st.Condition[op]
						if c["aws:ResourceTag/fargo-stack"] == stack && c["aws:RequestTag/fargo-stack"] == stack &&
							c["aws:ResourceTag/fargo-project"] == "fargo" && c["aws:RequestTag/fargo-project"] == "fargo" {
							tagged = true
						}
					}
					for _, a := range st.Action {
						if a == "*" || strings.HasSuffix(a, ":*") {
							t.Errorf("%s %s allows %s", kind, st.Sid, a)
						}
						_, residual := awsiam.UnscopableWrites[a]
						if slices.Contains(st.Resource, "*") && !slices.Contains(awsiam.UnscopableActions, a) && !residual && !tagged {
							t.Errorf("%s %s grants %s on every resource, not held to the stack's tags", kind, st.Sid, a)
						}
						if kind == "preview" && !(strings.Contains(a, ":Get") || strings.Contains(a, ":List") || strings.Contains(a, ":Describe")) {
							t.Errorf("preview may %s", a)
						}
					}
					if slices.Contains(st.Action, "iam:PassRole") && st.Condition["StringEquals"]["iam:PassedToService"] != "ecs-tasks.amazonaws.com" {
						t.Errorf("%s passes roles to any service", kind)
					}
				}
				if kind == "rollout" {
					checkRolloutPassRole(t, p, doc)
				}
			}
		})
	}
}

// checkRolloutPassRole: the rollout role passes the stack's role path, under
// which there are exactly the services' task and execution roles.
func checkRolloutPassRole(t *testing.T, p planned, doc fullPolicy) {
	t.Helper()
	path := "/fargo/" + p.cfg.Stack + "/"
	var want, under []string
	for _, svc := range p.cfg.Services {
		want = append(want, "app-"+svc.Name+"-task", "app-"+svc.Name+"-exec")
	}
	for _, r := range p.exp.Resources("aws:iam/role:Role") {
		if r.String("path") == path {
			under = append(under, r.Name())
		}
	}
	sort.Strings(want)
	sort.Strings(under)
	if !slices.Equal(under, want) {
		t.Errorf("roles under %s: %v, want exactly the task and execution roles %v", path, under, want)
	}
	for _, st := range doc.Statement {
		if slices.Contains(st.Action, "iam:PassRole") {
			if wantRes := []string{"arn:aws:iam::123456789012:role" + path + "*"}; !slices.Equal(st.Resource, wantRes) {
				t.Errorf("rollout passes %v, want %v", st.Resource, wantRes)
			}
			return
		}
	}
	t.Error("rollout cannot pass the task roles it registers task definitions with")
}

func TestCIPoliciesDoNotChangeWhenServicesDo(t *testing.T) {
	policies := func(p planned) map[string]string {
		out := map[string]string{}
		for _, kind := range []string{"preview", "deploy", "rollout"} {
			out[kind] = one(t, p.exp, "aws:iam/rolePolicy:RolePolicy", "github-"+kind).String("policy")
		}
		return out
	}
	base := policies(planFor(t, "dev"))
	more := servicesWith(t, "admin", "port", 3000)
	more = strings.Replace(more, `"admin":{"port":3000}`, `"admin":{"port":3000,"paths":["/admin/*"],"priority":200}`, 1)
	added := policies(runConfig(t, devWith(t, "fargo:services", more), mocks.Options{}))
	for kind, doc := range base {
		if added[kind] != doc {
			t.Errorf("adding a service changes the %s role's policy:\n%s\n%s", kind, doc, added[kind])
		}
	}
}

func TestCIReadsOnlyImageTagParameters(t *testing.T) {
	p := planFor(t, "dev")
	for _, kind := range []string{"preview", "rollout"} {
		var doc fullPolicy
		if err := json.Unmarshal([]byte(one(t, p.exp, "aws:iam/rolePolicy:RolePolicy", "github-"+kind).String("policy")), &doc); err != nil {
			t.Fatal(err)
		}
		for _, st := range doc.Statement {
			if !slices.Contains(st.Action, "ssm:GetParameter") {
				continue
			}
			for _, r := range st.Resource {
				if r != "arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo/dev/*/image-tag" &&
					r != "arn:aws:ssm:ap-northeast-2::parameter"+infra.NatInstanceAmiParameter {
					t.Errorf("%s %s reads %s", kind, st.Sid, r)
				}
			}
		}
	}
}

func TestBadGithubConfig(t *testing.T) {
	for _, c := range []struct{ value, want string }{
		{`{"repository":"org/*"}`, `fargo:github.repository: "org/*" is not a GitHub repository`},
		{`{"repository":"fargo"}`, `fargo:github.repository: "fargo"`},
		{`{"repository":"org/fargo","branch":"*"}`, `fargo:github.branch: "*" is not a branch name`},
		{`{"repository":"org/fargo","appRepositories":["x"]}`, `fargo:github.appRepositories[0]: "x"`},
		{`{"repository":"org/fargo","repo":"x"}`, `fargo:github: unknown key "repo"`},
	} {
		sc := devWith(t, "fargo:github", c.value)
		if _, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.value, err, c.want)
		}
	}
}

func TestOidcProviderIsSharedNotOwned(t *testing.T) {
	for _, stack := range stacks {
		if n := len(planFor(t, stack).exp.Resources("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 0 {
			t.Errorf("%s creates %d OIDC providers; it must look the account's one up", stack, n)
		}
	}
	sc := devWith(t, "fargo:github", `{"repository":"example-org/fargo","appRepositories":["example-org/board"],"createOidcProvider":true}`)
	created := one(t, runConfig(t, sc, mocks.Options{}).exp, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-oidc")
	if !created.RetainOnDelete {
		t.Error("a stack that creates the OIDC provider would delete it on destroy, cutting the other stacks' roles off")
	}
}

func TestManualRolloutIsTrusted(t *testing.T) {
	want := map[string][]string{
		"dev":  {"repo:example-org/fargo:ref:refs/heads/main", "repo:example-org/board:ref:refs/heads/main"},
		"prod": {"repo:example-org/fargo:environment:production", "repo:example-org/board:environment:production"},
	}
	for stack, subjects := range want {
		if got := planFor(t, stack).cfg.Github.RolloutSubjects(); !slices.Equal(got, subjects) {
			t.Errorf("%s rollout subjects %v, want %v", stack, got, subjects)
		}
	}
}

// TestDeployRoleKnowsEveryServiceTheStackUses is the reminder a new resource type
// needs: the CI deploy role must be granted its service's actions, or the first
// `pulumi up` from CI that creates it fails.
func TestDeployRoleKnowsEveryServiceTheStackUses(t *testing.T) {
	for _, stack := range stacks {
		p := planFor(t, stack)
		var doc fullPolicy
		if err := json.Unmarshal([]byte(one(t, p.exp, "aws:iam/rolePolicy:RolePolicy", "github-deploy").String("policy")), &doc); err != nil {
			t.Fatal(err)
		}
		granted := map[string]bool{}
		for _, st := range doc.Statement {
			for _, a := range st.Action {
				prefix, _, _ := strings.Cut(a, ":")
				granted[prefix] = true
			}
		}
		for _, r := range p.exp.Deployment.Resources {
			if !strings.HasPrefix(string(r.Type), "aws:") || !r.Custom {
				continue
			}
			typ, known := awstypes.Lookup(string(r.Type))
			switch {
			case !known:
				t.Errorf("%s: %v", stack, &awstypes.MissingError{Token: string(r.Type)})
			case !granted[typ.IAM]:
				t.Errorf("%s: the deploy role has no %s action, which %s needs (the catalogue's IAM prefix; grant it in infra/cipolicy.go)", stack, typ.IAM, r.Type)
			}
		}
		if len(p.invoked) == 0 {
			t.Errorf("%s: the plan records no function the program called", stack)
		}
		for _, tok := range p.invoked {
			f, known := awstypes.LookupFunction(tok)
			switch {
			case !known:
				t.Errorf("%s: %v", stack, &awstypes.MissingError{Token: tok})
			case f.IAM != "" && !granted[f.IAM]:
				t.Errorf("%s: the deploy role has no %s action, which the program's call of %s needs (the catalogue's IAM prefix; grant it in infra/cipolicy.go)", stack, f.IAM, tok)
			}
		}
	}
}
