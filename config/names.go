package config

import "fmt"

// The names and paths a stack gives its resources. The CI roles' policies are
// scoped by exactly these, so each is decided here, once. Project and stack names
// hold no hyphen (ParseConfig), so no stack's prefix is another's.

// Tag keys every resource carries; the deploy role's tag conditions test them.
const (
	TagProject = "fargo-project"
	TagStack   = "fargo-stack"
)

// StackNamePrefix begins the stack's repository, task family and table names.
func StackNamePrefix(project, stack string) string { return project + "-" + stack + "-" }

// ClusterName is the stack's ECS cluster; its services' ARNs sit under it.
func ClusterName(project, stack string) string { return project + "-" + stack }

// TaskFamily is a service's task definition family.
func TaskFamily(project, stack, service string) string {
	return StackNamePrefix(project, stack) + service
}

// LogGroupName is where a service's containers log.
func LogGroupName(project, stack, service string) string {
	return fmt.Sprintf("/ecs/%s-%s/%s", project, stack, service)
}

// StackRolePath is the IAM path of a stack's task and execution roles.
func StackRolePath(project, stack string) string { return fmt.Sprintf("/%s/%s/", project, stack) }

// ImageTagParameterName is where a rollout records the image tag a service runs.
func ImageTagParameterName(project, stack, service string) string {
	return fmt.Sprintf("/%s/%s/%s/image-tag", project, stack, service)
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
