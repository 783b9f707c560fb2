package config

import (
	"fmt"

	"github.com/fargo-dev/fargo/internal/naming"
)

// The names and paths a stack gives its resources. The CI roles' policies are
// scoped by exactly these, so each is decided here, once. Project and stack names
// hold no hyphen (ParseConfig), so no stack's prefix is another's. How a stack's
// names begin, and how a preview's differ, is internal/naming's rule, which the
// checks read too.

// StackNamePrefix begins the stack's repository, task family and table names.
func StackNamePrefix(project, stack string) string { return naming.StackBase(project, stack) + "-" }

// PreviewRepositoryName is the repository of a host's previews' images of a
// service, apart from the host's own.
func PreviewRepositoryName(project, host, service string) string {
	return StackNamePrefix(project, host) + PreviewRepositoryInfix + service
}

// PreviewRepositoryInfix sits between a host's prefix and the service in its
// previews' repository names; no host service's name may begin with it.
const PreviewRepositoryInfix = "previews-"

// ClusterName is the stack's ECS cluster; its services' ARNs sit under it.
func ClusterName(project, stack string) string { return naming.StackBase(project, stack) }

// TaskFamily is a service's task definition family.
func TaskFamily(project, stack, service string) string {
	return StackNamePrefix(project, stack) + service
}

// LogGroupName is where a service's containers log.
func LogGroupName(project, stack, service string) string {
	return fmt.Sprintf("/ecs/%s/%s", naming.StackBase(project, stack), service)
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
	if naming.IsPreviewStack(stack) {
		return naming.StackBase(project, stack)
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
