package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fargo-dev/fargo/internal/awsiam"
)

// GithubConfig is fargo:github: who may deploy this stack from GitHub Actions.
type GithubConfig struct {
	// Repository is this infrastructure repository, owner/name.
	Repository string `json:"repository"`
	// Branch is the branch whose workflows may deploy (default main).
	Branch string `json:"branch"`
	// Environment, when set, limits deploys and rollouts to jobs in this GitHub
	// environment (which can require reviewers) instead of a branch.
	Environment string `json:"environment"`
	// AppRepositories are the app repositories whose rollouts may push images and
	// roll services (default: Repository).
	AppRepositories []string `json:"appRepositories"`
	// CreateOidcProvider creates the account's GitHub OIDC provider; otherwise the
	// existing one is looked up (an account has at most one).
	CreateOidcProvider bool `json:"createOidcProvider"`
}

var (
	repoPattern   = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	branchPattern = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	envPattern    = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// subject is the OIDC sub claim GitHub sends for a job in repo on this
// branch or environment.
func (g GithubConfig) subject(repo string) string {
	if g.Environment != "" {
		return fmt.Sprintf("repo:%s:environment:%s", repo, g.Environment)
	}
	return fmt.Sprintf("repo:%s:ref:refs/heads/%s", repo, g.Branch)
}

// DeploySubjects may assume the deploy role: this repository's deploy jobs.
func (g GithubConfig) DeploySubjects() []string { return []string{g.subject(g.Repository)} }

// PreviewSubjects may assume the read-only preview role: this repository's pull requests.
func (g GithubConfig) PreviewSubjects() []string {
	return []string{fmt.Sprintf("repo:%s:pull_request", g.Repository)}
}

// PreviewsSubjects may assume the previews role: the pull requests of the
// repository that has previews (fargo:previews.repository), and its scheduled
// clean-up, which runs on its default branch (taken to be Branch).
func (g GithubConfig) PreviewsSubjects(repository string) []string {
	return []string{fmt.Sprintf("repo:%s:pull_request", repository), fmt.Sprintf("repo:%s:ref:refs/heads/%s", repository, g.Branch)}
}

// RolloutSubjects may assume the rollout role: the app repositories' deploy jobs,
// and this repository's own (a manual rollout or rollback by workflow_dispatch).
func (g GithubConfig) RolloutSubjects() []string {
	out := []string{g.subject(g.Repository)}
	for _, r := range g.AppRepositories {
		if r != g.Repository {
			out = append(out, g.subject(r))
		}
	}
	return out
}

func (c *Config) parseGithub(get func(string) (string, bool)) error {
	key := fullKey("github")
	g, err := decodeOptional(get, key, GithubConfig{Branch: "main"})
	if g == nil || err != nil {
		return err
	}
	if !repoPattern.MatchString(g.Repository) {
		return errorf(key+".repository", "%q is not a GitHub repository like my-org/fargo (no wildcards: the trust policy pins one repository)", g.Repository)
	}
	if !branchPattern.MatchString(g.Branch) {
		return errorf(key+".branch", "%q is not a branch name (no wildcards)", g.Branch)
	}
	if g.Environment != "" && !envPattern.MatchString(g.Environment) {
		return errorf(key+".environment", "%q is not a GitHub environment name (letters, digits, _ . -)", g.Environment)
	}
	if len(g.AppRepositories) == 0 {
		g.AppRepositories = []string{g.Repository}
	}
	seen := map[string]int{}
	for i, r := range g.AppRepositories {
		if !repoPattern.MatchString(r) {
			return errorf(fmt.Sprintf("%s.appRepositories[%d]", key, i), "%q is not a GitHub repository like my-org/app", r)
		}
		// GitHub's names ignore case: My-Org/App is my-org/app.
		if j, dup := seen[strings.ToLower(r)]; dup {
			return errorf(fmt.Sprintf("%s.appRepositories[%d]", key, i), "%q is already appRepositories[%d]; list each repository once", r, j)
		}
		seen[strings.ToLower(r)] = i
	}
	if n := trustPolicyLength(g.RolloutSubjects()); n > MaxTrustPolicyLength {
		return errorf(key+".appRepositories", "%d repositories make the rollout role's trust policy %d characters long; IAM takes %d by default: trust fewer repositories, or use shorter branch or environment names", len(g.AppRepositories), n, MaxTrustPolicyLength)
	}
	c.Github = g
	return nil
}

// MaxTrustPolicyLength is IAM's default limit on a role's trust policy, counted
// without whitespace ("Role trust policy length", 2,048 characters:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html);
// CreateRole refuses a longer one with "Cannot exceed quota for ACLSizePerRole".
const MaxTrustPolicyLength = 2048

// trustPolicyLength is the length of the trust policy a CI role gets for these
// subjects: the document infra.GithubTrustPolicy writes, for the account's
// GitHub OIDC provider (a test keeps the two in step).
func trustPolicyLength(subjects []string) int {
	const host = "token.actions.githubusercontent.com"
	doc, _ := awsiam.Policy(awsiam.Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Federated": "arn:aws:iam::123456789012:oidc-provider/" + host},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]any{"StringEquals": {host + ":aud": "sts.amazonaws.com", host + ":sub": subjects}},
	}).JSON()
	return len(doc)
}
