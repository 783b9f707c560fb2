// Package naming holds the naming rules that both the configuration and the
// checks read: the tags every resource carries, what names a preview stack,
// and how a stack's names begin. The CI roles' policies are scoped by these
// names and tags, and the checks judge the policies by them, so each rule is
// written here once. It imports nothing of fargo's, so that internal/checks
// reads the rules without importing config.
package naming

import (
	"regexp"
)

// Tag keys every resource carries; the deploy role's tag conditions test them.
const (
	TagProject = "fargo-project"
	TagStack   = "fargo-stack"
	// TagPreviewOf, on a preview's resources only, names its host: the
	// previews role's tag conditions require it, so no other stack's resource,
	// which lacks it, passes them.
	TagPreviewOf = "fargo-preview-of"
)

// PreviewStackPrefix begins a preview's stack name: a preview is the stack
// pr<number>, after its pull request.
const PreviewStackPrefix = "pr"

// previewStackPattern is a preview's stack name: the prefix and a pull
// request number, without a leading zero, so that each number has one name.
var previewStackPattern = regexp.MustCompile(`^` + PreviewStackPrefix + `[1-9][0-9]{0,8}$`)

// IsPreviewStack reports whether a stack name is a preview's (pr<number>).
func IsPreviewStack(stack string) bool { return previewStackPattern.MatchString(stack) }

// previewJoin joins project and stack in a preview's names. No other stack's
// names hold it (project and stack names have no underscore), so the previews
// role's patterns (fargo_pr*) reach previews only, never prod (fargo-prod-*),
// whose name also begins with "pr".
const previewJoin = "_"

// StackBase is <project>-<stack>, or <project>_<stack> for a preview: how
// every name of the stack begins.
func StackBase(project, stack string) string {
	if IsPreviewStack(stack) {
		return project + previewJoin + stack
	}
	return project + "-" + stack
}

// PreviewsNamePrefix begins every preview's names, as StackBase begins one
// stack's: what the previews role's name patterns match.
func PreviewsNamePrefix(project string) string { return project + previewJoin + PreviewStackPrefix }
