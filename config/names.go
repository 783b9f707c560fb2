package config

import "fmt"

// The names and paths a stack gives its resources. The CI roles' policies are
// scoped by exactly these, so each is decided here, once. Project and stack names
// hold no hyphen (ParseConfig), so no stack's prefix is another's. A preview
// stack (pr<number>) joins project and stack with an underscore, which no other
// stack's names hold: the previews role's patterns (fargo_pr*) reach previews
// only, never prod (fargo-prod-*), whose name also begins with "pr".

// Tag keys every resource carries; the deploy role's tag conditions test them.
const (
	TagProject = "fargo-project"
	TagStack   = "fargo-stack"
	// TagPreviewOf, on a preview's resources only, names its host: the
	// previews role's tag conditions require it, so no other stack's resource,
	// which lacks it, passes them.
	TagPreviewOf = "fargo-preview-of"
)

// stackBase is <project>-<stack>, or <project>_<stack> for a preview.
func stackBase(project, stack string) string {
	if IsPreviewStack(stack) {
		return project + "_" + stack
	}
	return project + "-" + stack
}

// StackNamePrefix begins the stack's repository, task family and table names.
func StackNamePrefix(project, stack string) string { return stackBase(project, stack) + "-" }

// PreviewsNamePrefix begins every preview's names, as StackNamePrefix begins one
// stack's: what the previews role's name patterns match.
func PreviewsNamePrefix(project string) string { return project + "_" + PreviewStackPrefix }

// PreviewRepositoryName is the repository of a host's previews' images of a
// service, apart from the host's own.
func PreviewRepositoryName(project, host, service string) string {
	return StackNamePrefix(project, host) + PreviewRepositoryInfix + service
}

// PreviewRepositoryInfix sits between a host's prefix and the service in its
// previews' repository names; no host service's name may begin with it.
const PreviewRepositoryInfix = "previews-"

// ClusterName is the stack's ECS cluster; its services' ARNs sit under it.
func ClusterName(project, stack string) string { return stackBase(project, stack) }

// TaskFamily is a service's task definition family.
func TaskFamily(project, stack, service string) string {
	return StackNamePrefix(project, stack) + service
}

// LogGroupName is where a service's containers log.
func LogGroupName(project, stack, service string) string {
	return fmt.Sprintf("/ecs/%s/%s", stackBase(project, stack), service)
}

// StackRolePath is the IAM path of a stack's task and execution roles.
func StackRolePath(project, stack string) string { return "/" + stackPath(project, stack) + "/" }

// ImageTagParameterName is where a rollout records the image tag a service runs.
func ImageTagParameterName(project, stack, service string) string {
	return fmt.Sprintf("/%s/%s/image-tag", stackPath(project, stack), service)
}

// stackPath is <project>/<stack>, or a preview's <project>_<stack>: the start of
// the stack's role and parameter paths.
func stackPath(project, stack string) string {
	if IsPreviewStack(stack) {
		return stackBase(project, stack)
	}
	return project + "/" + stack
}

// BudgetName is the stack's monthly budget.
func BudgetName(project, stack string) string { return project + "-" + stack + "-monthly" }

// AlarmTopicName is the SNS topic the stack's alarms publish to.
func AlarmTopicName(project, stack string) string { return StackNamePrefix(project, stack) + "alarms" }

// AlarmName is one of a service's deployment alarms (kind: errors, unhealthy).
func AlarmName(project, stack, service, kind string) string {
	return StackNamePrefix(project, stack) + service + "-" + kind
}

// ScheduledActionName is a service's sleep or wake action.
func ScheduledActionName(project, stack, service, kind string) string {
	return StackNamePrefix(project, stack) + service + "-" + kind
}
