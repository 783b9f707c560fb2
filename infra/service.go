package infra

import (
	"fmt"
	"sort"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/awsiam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	awsxecr "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NoImageTag is the image tag parameter's value until the first rollout records a
// real tag; a service whose tag is NoImageTag runs no task.
const NoImageTag = "none"

// Task and service settings that are policy rather than configuration.
const (
	// StopTimeoutSeconds gives the app time to finish requests after SIGTERM, well
	// inside Fargate Spot's two-minute notice.
	StopTimeoutSeconds = 30
	// HealthCheckGracePeriodSeconds covers container start before the first check counts.
	HealthCheckGracePeriodSeconds = 60
	// ScaleOutCooldownSeconds and ScaleInCooldownSeconds make scaling out fast and
	// scaling in cautious.
	ScaleOutCooldownSeconds = 60
	ScaleInCooldownSeconds  = 300
	// ExecutionPolicyArn is the AWS-managed policy that lets ECS pull images and write logs.
	ExecutionPolicyArn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
	// ScratchPath is the writable directory of a container whose root filesystem is read-only.
	ScratchPath = "/tmp"
)

// ServiceArgs configures a Service.
type ServiceArgs struct {
	// Service is the app to run.
	Service config.ServiceConfig
	// Cluster runs it.
	Cluster *Cluster
	// Settings hold the log retention and the capacity strategy.
	Settings config.ClusterConfig
	// Region and AccountID scope the task role trust policies and log configuration.
	Region, AccountID string
	// Placement decides the VPC, subnets and public IPs of the tasks.
	Placement TaskPlacement
	// LoadBalancer supplies the service's target group, the listeners and its security group.
	LoadBalancer *LoadBalancer
	// RepositoryURL is the service's repository, which its image tag refers to.
	RepositoryURL pulumi.StringInput
	// FixedCount runs MinTasks tasks without target tracking (a preview's);
	// the schedule still puts the service to sleep and wakes it.
	FixedCount bool
	// Grants lists the tables the task role may use.
	Grants []TableGrant
	// Asleep says the service's schedule has it asleep now: the deploy sets its
	// scaling bounds to zero, as the last sleep action did, instead of waking it.
	Asleep bool
	// Alerts, when set, is the topic the service's deployment alarms publish to;
	// the deployment rolls back when one fires.
	Alerts *Alerts
	// Tags are applied to every resource.
	Tags pulumi.StringMap
}

// Service is one app on Fargate: its task definition, task and execution roles,
// log group, security group, ECS service, image tag parameter and auto scaling.
type Service struct {
	pulumi.ResourceState

	// ServiceName is the ECS service's name.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`
	// LogGroupName is its CloudWatch log group.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// ImageTagParameter is the SSM parameter holding its image tag; empty for a
	// service with a fixed or built image.
	ImageTagParameter pulumi.StringOutput `pulumi:"imageTagParameter"`
	// TaskRoleArn and ExecutionRoleArn are its roles.
	TaskRoleArn      pulumi.StringOutput `pulumi:"taskRoleArn"`
	ExecutionRoleArn pulumi.StringOutput `pulumi:"executionRoleArn"`

	// rolledOut says the service runs its repository's image at a recorded tag,
	// and so has an image tag parameter.
	rolledOut bool
}

// NewService creates one service in the cluster.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil || args.Cluster == nil || args.Placement.VpcID == nil || args.LoadBalancer == nil || args.RepositoryURL == nil {
		return nil, fmt.Errorf("service %s: args with cluster, placement, load balancer and repository are required", name)
	}
	c := &Service{}
	if err := ctx.RegisterComponentResource("fargo:infra:Service", name, c, opts...); err != nil {
		return nil, err
	}
	built, err := newAppService(ctx, c, name, args.Service, args)
	if err != nil {
		return nil, err
	}
	c.ServiceName = built.service.Name
	c.LogGroupName = built.logGroup.Name
	c.TaskRoleArn, c.ExecutionRoleArn = built.taskRole.Arn, built.executionRole.Arn
	c.ImageTagParameter = pulumi.String("").ToStringOutput()
	if built.tagParameter != nil {
		c.ImageTagParameter, c.rolledOut = built.tagParameter.Name, true
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"serviceName": c.ServiceName, "logGroupName": c.LogGroupName, "imageTagParameter": c.ImageTagParameter,
		"taskRoleArn": c.TaskRoleArn, "executionRoleArn": c.ExecutionRoleArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// TaskPlacement is where a service's tasks run.
type TaskPlacement struct {
	// VpcID is the VPC of the tasks' security group.
	VpcID pulumi.StringInput
	// SubnetIDs are the subnets the tasks run in.
	SubnetIDs pulumi.StringArrayInput
	// AssignPublicIP gives each task a public IP (no NAT to reach ECR and logs).
	AssignPublicIP bool
	// SecurityGroupIDs are groups the tasks join beside their own: a preview's
	// tasks join the one its host's load balancer may reach.
	SecurityGroupIDs pulumi.StringArray
}

// TableGrant gives a service's task role item-level access to one table and its indexes.
type TableGrant struct {
	// Table is the table's config name.
	Table string
	// Arn is the table's ARN.
	Arn pulumi.StringOutput
	// Indexes are the table's index names.
	Indexes []string
	// Write adds the write actions to the read ones.
	Write bool
}

// DynamoDB item-level actions; nothing on the table's settings, nothing account-wide.
var (
	TableReadActions  = []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
	TableWriteActions = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
	IndexReadActions  = []string{"dynamodb:Query", "dynamodb:Scan"}
)

// appService is what newAppService builds for one service.
type appService struct {
	service       *ecs.Service
	logGroup      *cloudwatch.LogGroup
	taskRole      *iam.Role
	executionRole *iam.Role
	tagParameter  *ssm.Parameter
}

// image is the image a service runs and whether it has one yet.
type image struct {
	ref     pulumi.StringOutput
	present pulumi.BoolOutput
}

func newAppService(ctx *pulumi.Context, c *Service, name string, svc config.ServiceConfig, args *ServiceArgs) (*appService, error) {
	parent := pulumi.Parent(c)
	out := &appService{}

	logGroup, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(config.LogGroupName(ctx.Project(), ctx.Stack(), svc.Name)),
		RetentionInDays: pulumi.Int(args.Settings.LogRetentionDays),
		Tags:            args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	out.logGroup = logGroup

	trust, err := TaskTrustPolicy(args.Region, args.AccountID)
	if err != nil {
		return nil, err
	}
	path := pulumi.String(config.StackRolePath(ctx.Project(), ctx.Stack()))
	execRole, err := iam.NewRole(ctx, name+"-exec", &iam.RoleArgs{
		Path:             path,
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("ECS pulls %s's image and writes its logs", svc.Name),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, name+"-exec", &iam.RolePolicyAttachmentArgs{
		Role:      execRole.Name,
		PolicyArn: pulumi.String(ExecutionPolicyArn),
	}, parent); err != nil {
		return nil, err
	}
	taskRole, err := iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		Path:             path,
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("%s's own AWS permissions (none unless granted)", svc.Name),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	out.taskRole, out.executionRole = taskRole, execRole
	if err := grantTables(ctx, parent, name, taskRole, args.Grants); err != nil {
		return nil, err
	}
	if err := grantSecrets(ctx, parent, name, execRole, svc, args); err != nil {
		return nil, err
	}

	taskSG, err := newTaskSecurityGroup(ctx, parent, name, svc, args)
	if err != nil {
		return nil, err
	}

	img, param, err := serviceImage(ctx, parent, name, svc, args)
	if err != nil {
		return nil, err
	}
	out.tagParameter = param

	containers := pulumi.All(img.ref, logGroup.Name).ApplyT(func(v []any) (string, error) {
		return ContainerDefinitions(svc, v[0].(string), v[1].(string), args.Region, args.AccountID)
	}).(pulumi.StringOutput)
	taskDef, err := ecs.NewTaskDefinition(ctx, name, &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(config.TaskFamily(ctx.Project(), ctx.Stack(), svc.Name)),
		Cpu:                     pulumi.String(fmt.Sprint(svc.Cpu)),
		Memory:                  pulumi.String(fmt.Sprint(svc.Memory)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.ToStringArray([]string{"FARGATE"}),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			CpuArchitecture:       pulumi.String(svc.Architecture),
			OperatingSystemFamily: pulumi.String("LINUX"),
		},
		ExecutionRoleArn:     execRole.Arn,
		TaskRoleArn:          taskRole.Arn,
		ContainerDefinitions: containers,
		Volumes:              ecs.TaskDefinitionVolumeArray{&ecs.TaskDefinitionVolumeArgs{Name: pulumi.String("scratch")}},
		Tags:                 args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	// A service without an image yet runs nothing, instead of crash-looping on a pull error.
	running := func(n int) pulumi.IntOutput {
		return img.present.ApplyT(func(ok bool) int {
			if ok {
				return n
			}
			return 0
		}).(pulumi.IntOutput)
	}
	// What the service runs now: nothing while its schedule has it asleep.
	now := running
	if args.Asleep {
		now = func(int) pulumi.IntOutput { return pulumi.Int(0).ToIntOutput() }
	}

	var alarms *ecs.ServiceAlarmsArgs
	if args.Alerts != nil {
		names, err := newDeploymentAlarms(ctx, parent, name, svc, args)
		if err != nil {
			return nil, err
		}
		alarms = &ecs.ServiceAlarmsArgs{AlarmNames: names, Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true)}
	}

	service, err := ecs.NewService(ctx, name, &ecs.ServiceArgs{
		Cluster:                    args.Cluster.Arn,
		TaskDefinition:             taskDef.Arn,
		DesiredCount:               now(svc.MinTasks),
		CapacityProviderStrategies: capacityStrategy(args.Settings.Capacity),
		PlatformVersion:            pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        args.Placement.SubnetIDs,
			SecurityGroups: append(pulumi.StringArray{taskSG.ID()}, args.Placement.SecurityGroupIDs...),
			AssignPublicIp: pulumi.Bool(args.Placement.AssignPublicIP),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: args.LoadBalancer.TargetGroups[svc.Name].Arn,
			ContainerName:  pulumi.String(svc.Name),
			ContainerPort:  pulumi.Int(svc.Port),
		}},
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true),
		},
		Alarms:                          alarms,
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		HealthCheckGracePeriodSeconds:   pulumi.Int(HealthCheckGracePeriodSeconds),
		PropagateTags:                   pulumi.String("SERVICE"),
		EnableEcsManagedTags:            pulumi.Bool(true),
		Tags:                            args.Tags,
	}, parent,
		// The autoscaler owns the running count once the service exists.
		pulumi.IgnoreChanges([]string{"desiredCount"}),
		// Turning fargo:alarms on or off replaces the service (a new one starts
		// before the old one goes): the AWS provider cannot update deployment
		// alarms away, as it then sends ECS no alarm names, which ECS requires.
		pulumi.ReplaceOnChanges([]string{"alarms"}),
		pulumi.DependsOn(append([]pulumi.Resource{args.Cluster.capacityProviders}, args.LoadBalancer.Listeners...)))
	if err != nil {
		return nil, err
	}
	out.service = service

	if err := newScaling(ctx, parent, name, svc, args.Cluster, service, running, now, !args.FixedCount, args.Tags); err != nil {
		return nil, err
	}
	return out, nil
}

// TaskTrustPolicy lets only ECS tasks of this account and region assume a task role.
func TaskTrustPolicy(region, accountID string) (string, error) {
	return awsiam.Policy(awsiam.Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "ecs-tasks.amazonaws.com"},
		Action:    awsiam.List{"sts:AssumeRole"},
		Condition: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": accountID},
			"ArnLike":      {"aws:SourceArn": fmt.Sprintf("arn:aws:ecs:%s:%s:*", region, accountID)},
		},
	}).JSON()
}

// TablePolicy is the task role policy for a service's table grants.
func TablePolicy(grants []TableGrant, arns map[string]string) (string, error) {
	var statements []awsiam.Statement
	for _, g := range grants {
		actions := append([]string{}, TableReadActions...)
		if g.Write {
			actions = append(actions, TableWriteActions...)
		}
		sort.Strings(actions)
		arn := arns[g.Table]
		statements = append(statements, awsiam.Allow("Table"+sid(g.Table), actions, arn))
		if len(g.Indexes) > 0 {
			var indexArns []string
			for _, ix := range g.Indexes {
				indexArns = append(indexArns, arn+"/index/"+ix)
			}
			statements = append(statements, awsiam.Allow("Indexes"+sid(g.Table), IndexReadActions, indexArns...))
		}
	}
	return awsiam.Policy(statements...).JSON()
}

// sid turns a name into a policy statement id (alphanumeric only).
func sid(name string) string {
	out := []rune{}
	upper := true
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z' && upper:
			out = append(out, r-'a'+'A')
			upper = false
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			out = append(out, r)
			upper = false
		default:
			upper = true
		}
	}
	return string(out)
}

// grantTables attaches the service's table permissions to its task role; a
// service without tables gets no data permission at all.
func grantTables(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption, name string, role *iam.Role, grants []TableGrant) error {
	if len(grants) == 0 {
		return nil
	}
	arns := make([]any, len(grants))
	for i, g := range grants {
		arns[i] = g.Arn
	}
	policy := pulumi.All(arns...).ApplyT(func(v []any) (string, error) {
		byTable := map[string]string{}
		for i, g := range grants {
			byTable[g.Table] = v[i].(string)
		}
		return TablePolicy(grants, byTable)
	}).(pulumi.StringOutput)
	_, err := iam.NewRolePolicy(ctx, name+"-task-tables", &iam.RolePolicyArgs{Role: role.ID(), Policy: policy}, parent)
	return err
}

// SecretsPolicy lets the execution role read exactly the service's secrets.
func SecretsPolicy(secrets map[string]string, region, account string) (string, error) {
	var params, managed []string
	for _, v := range secrets {
		ref, _ := config.ParseSecretRef(v)
		if ref.SecretsManager {
			managed = append(managed, ref.PolicyResource(region, account))
		} else {
			params = append(params, ref.PolicyResource(region, account))
		}
	}
	sort.Strings(params)
	sort.Strings(managed)
	var statements []awsiam.Statement
	if len(params) > 0 {
		statements = append(statements, awsiam.Allow("ReadParameters", []string{"ssm:GetParameters"}, params...))
	}
	if len(managed) > 0 {
		statements = append(statements, awsiam.Allow("ReadSecrets", []string{"secretsmanager:GetSecretValue"}, managed...))
	}
	return awsiam.Policy(statements...).JSON()
}

func grantSecrets(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption, name string, role *iam.Role, svc config.ServiceConfig, args *ServiceArgs) error {
	if len(svc.Secrets) == 0 {
		return nil
	}
	policy, err := SecretsPolicy(svc.Secrets, args.Region, args.AccountID)
	if err != nil {
		return err
	}
	_, err = iam.NewRolePolicy(ctx, name+"-exec-secrets", &iam.RolePolicyArgs{Role: role.ID(), Policy: pulumi.String(policy)}, parent)
	return err
}

// newTaskSecurityGroup admits only the load balancer, on the container port, and
// lets the load balancer reach the tasks on that port and nothing else.
func newTaskSecurityGroup(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption, name string, svc config.ServiceConfig, args *ServiceArgs) (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(ctx, name+"-task", &ec2.SecurityGroupArgs{
		VpcId:       args.Placement.VpcID,
		Description: pulumi.String(fmt.Sprintf("fargo %s tasks: from the load balancer only", svc.Name)),
		Tags:        args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-task-in", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           sg.ID(),
		ReferencedSecurityGroupId: args.LoadBalancer.SecurityGroupID,
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(svc.Port),
		ToPort:                    pulumi.Int(svc.Port),
		Description:               pulumi.String("from the load balancer"),
		Tags:                      args.Tags,
	}, parent); err != nil {
		return nil, err
	}
	// Tasks reach ECR, CloudWatch Logs and the app's own dependencies.
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-task-out", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		IpProtocol:      pulumi.String("-1"),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		Description:     pulumi.String("to ECR, CloudWatch Logs and the app dependencies"),
		Tags:            args.Tags,
	}, parent); err != nil {
		return nil, err
	}
	if err := args.LoadBalancer.AllowTo(ctx, name, svc, sg); err != nil {
		return nil, err
	}
	return sg, nil
}

// ImageTagParameterIgnored are the image tag parameter's fields the stack never
// updates once the parameter exists.
var ImageTagParameterIgnored = []string{"allowedPattern", "dataType", "description", "insecureValue", "tags", "tier", "type", "value"}

// serviceImage decides what a service runs: a fixed image from config, an image
// built from a Docker context, or its repository at the tag recorded in SSM.
func serviceImage(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption, name string, svc config.ServiceConfig, args *ServiceArgs) (image, *ssm.Parameter, error) {
	switch {
	case svc.Image != "":
		return image{ref: pulumi.String(svc.Image).ToStringOutput(), present: pulumi.Bool(true).ToBoolOutput()}, nil, nil
	case svc.Build != nil:
		platform := svc.ImagePlatform()
		built, err := awsxecr.NewImage(ctx, name, &awsxecr.ImageArgs{
			RepositoryUrl: args.RepositoryURL,
			Context:       pulumi.String(svc.Build.Context),
			Dockerfile:    pulumi.StringPtrFromPtr(nonEmpty(svc.Build.Dockerfile)),
			Platform:      pulumi.String(platform),
		}, parent)
		if err != nil {
			return image{}, nil, err
		}
		return image{ref: built.ImageUri, present: pulumi.Bool(true).ToBoolOutput()}, nil, nil
	}

	// The stack owns the parameter but not its value: rollouts write the value, and
	// `pulumi up` reads it back, so no checkout ever reverts a deployed version. The
	// provider writes the value it was given on any update, so the stack never
	// updates the parameter at all: every field but the name is ignored.
	param, err := ssm.NewParameter(ctx, name+"-image-tag", &ssm.ParameterArgs{
		Name:           pulumi.String(config.ImageTagParameterName(ctx.Project(), ctx.Stack(), svc.Name)),
		Type:           pulumi.String("String"),
		InsecureValue:  pulumi.String(NoImageTag),
		AllowedPattern: pulumi.String(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`),
		Description:    pulumi.Sprintf("Image tag %s runs; written by the rollout workflow", svc.Name),
		Tags:           args.Tags,
	}, parent, pulumi.IgnoreChanges(ImageTagParameterIgnored))
	if err != nil {
		return image{}, nil, err
	}
	// Keyed on the id, which stays unknown until the parameter exists: a preview of
	// a new stack must not look up a parameter that is not there yet.
	current := ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{Name: param.ID().ToStringOutput()}, parent)
	tag := current.InsecureValue()
	ref := pulumi.Sprintf("%s:%s", args.RepositoryURL, tag)
	present := tag.ApplyT(func(t string) bool { return t != "" && t != NoImageTag }).(pulumi.BoolOutput)
	return image{ref: ref, present: present}, param, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// capacityStrategy puts OnDemandBase tasks on Fargate and splits the rest by weight.
func capacityStrategy(cp config.CapacityConfig) ecs.ServiceCapacityProviderStrategyArray {
	var out ecs.ServiceCapacityProviderStrategyArray
	if cp.OnDemandBase > 0 || cp.OnDemandWeight > 0 {
		out = append(out, &ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String("FARGATE"),
			Base:             pulumi.Int(cp.OnDemandBase),
			Weight:           pulumi.Int(cp.OnDemandWeight),
		})
	}
	if cp.Spot() > 0 {
		out = append(out, &ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String("FARGATE_SPOT"),
			Weight:           pulumi.Int(cp.Spot()),
		})
	}
	return out
}

// newScaling keeps the service between MinTasks and MaxTasks, tracking average CPU
// and memory when track is set, and puts it to sleep and wakes it on its
// schedule. A service without an image is held at zero (running); now is what
// it runs at this moment, zero while asleep.
func newScaling(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption, name string, svc config.ServiceConfig,
	cluster *Cluster, service *ecs.Service, running, now func(int) pulumi.IntOutput, track bool, tags pulumi.StringMap) error {
	target, err := appautoscaling.NewTarget(ctx, name, &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", cluster.Name, service.Name),
		MinCapacity:       now(svc.MinTasks),
		MaxCapacity:       now(svc.MaxTasks),
		Tags:              tags,
	}, parent)
	if err != nil {
		return err
	}
	if svc.Schedule != nil {
		if err := newScheduledActions(ctx, parent, name, svc, target, running); err != nil {
			return err
		}
	}
	if !track {
		return nil
	}
	metrics := map[string]struct {
		metric string
		target int
	}{
		"cpu":    {"ECSServiceAverageCPUUtilization", svc.TargetCpuPercent},
		"memory": {"ECSServiceAverageMemoryUtilization", svc.TargetMemoryPercent},
	}
	for _, kind := range []string{"cpu", "memory"} {
		m := metrics[kind]
		if _, err := appautoscaling.NewPolicy(ctx, name+"-"+kind, &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ResourceId:        target.ResourceId,
			ScalableDimension: target.ScalableDimension,
			ServiceNamespace:  target.ServiceNamespace,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				TargetValue:      pulumi.Float64(float64(m.target)),
				ScaleOutCooldown: pulumi.Int(ScaleOutCooldownSeconds),
				ScaleInCooldown:  pulumi.Int(ScaleInCooldownSeconds),
				PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(m.metric),
				},
			},
		}, parent); err != nil {
			return err
		}
	}
	return nil
}

// newScheduledActions adds the service's sleep action (no task at all) and wake action
// (back to its bounds). Scheduled actions are free; while asleep, the service's
// tasks and their public addresses bill nothing.
func newScheduledActions(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption, name string, svc config.ServiceConfig,
	target *appautoscaling.Target, running func(int) pulumi.IntOutput) error {
	actions := []struct {
		kind     string
		schedule string
		min, max pulumi.IntOutput
	}{
		{"sleep", svc.Schedule.Sleep, pulumi.Int(0).ToIntOutput(), pulumi.Int(0).ToIntOutput()},
		{"wake", svc.Schedule.Wake, running(svc.MinTasks), running(svc.MaxTasks)},
	}
	for _, a := range actions {
		if _, err := appautoscaling.NewScheduledAction(ctx, name+"-"+a.kind, &appautoscaling.ScheduledActionArgs{
			Name:              pulumi.String(config.ScheduledActionName(ctx.Project(), ctx.Stack(), svc.Name, a.kind)),
			ServiceNamespace:  target.ServiceNamespace,
			ResourceId:        target.ResourceId,
			ScalableDimension: target.ScalableDimension,
			Schedule:          pulumi.String(a.schedule),
			Timezone:          pulumi.String(svc.Schedule.Timezone),
			ScalableTargetAction: &appautoscaling.ScheduledActionScalableTargetActionArgs{
				MinCapacity: a.min, MaxCapacity: a.max,
			},
		}, parent); err != nil {
			return err
		}
	}
	return nil
}

// Deployment alarm settings: one-minute periods, the shortest standard ones.
const AlarmPeriodSeconds = 60

// newDeploymentAlarms creates the alarms a deployment of the service watches:
// the share of requests its tasks answer with a 5xx, and its failing targets.
// Both e-mail the stack's topic; no data (an idle or sleeping service) is fine.
func newDeploymentAlarms(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption, name string, svc config.ServiceConfig, args *ServiceArgs) (pulumi.StringArray, error) {
	a := args.Alerts.settings
	dims := pulumi.StringMap{
		"TargetGroup":  args.LoadBalancer.TargetGroups[svc.Name].ArnSuffix,
		"LoadBalancer": args.LoadBalancer.ArnSuffix,
	}
	metric := func(id, metricName, stat string) *cloudwatch.MetricAlarmMetricQueryArgs {
		return &cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String(id),
			Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String("AWS/ApplicationELB"), MetricName: pulumi.String(metricName),
				Dimensions: dims, Period: pulumi.Int(AlarmPeriodSeconds), Stat: pulumi.String(stat),
			},
			ReturnData: pulumi.Bool(false),
		}
	}
	common := func(kind, description string) *cloudwatch.MetricAlarmArgs {
		return &cloudwatch.MetricAlarmArgs{
			Name:              pulumi.String(config.AlarmName(ctx.Project(), ctx.Stack(), svc.Name, kind)),
			AlarmDescription:  pulumi.String(description),
			EvaluationPeriods: pulumi.Int(a.EvaluationMinutes),
			DatapointsToAlarm: pulumi.Int(a.EvaluationMinutes),
			TreatMissingData:  pulumi.String("notBreaching"),
			ActionsEnabled:    pulumi.Bool(true),
			AlarmActions:      pulumi.Array{args.Alerts.TopicArn},
			OkActions:         pulumi.Array{args.Alerts.TopicArn},
			Tags:              args.Tags,
		}
	}

	errorsArgs := common("errors", fmt.Sprintf("%s: more than %g%% of requests answered with a 5xx for %d minutes; a deployment rolls back", svc.Name, a.ErrorRatePercent, a.EvaluationMinutes))
	errorsArgs.ComparisonOperator = pulumi.String("GreaterThanThreshold")
	errorsArgs.Threshold = pulumi.Float64(a.ErrorRatePercent)
	errorsArgs.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{
		metric("errors", "HTTPCode_Target_5XX_Count", "Sum"),
		metric("requests", "RequestCount", "Sum"),
		&cloudwatch.MetricAlarmMetricQueryArgs{
			Id:         pulumi.String("rate"),
			Expression: pulumi.String("100 * FILL(errors, 0) / requests"),
			Label:      pulumi.String("5xx share of requests (%)"),
			ReturnData: pulumi.Bool(true),
		},
	}
	errorAlarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-errors", errorsArgs, parent)
	if err != nil {
		return nil, err
	}

	unhealthyArgs := common("unhealthy", fmt.Sprintf("%s: %d or more targets failing health checks for %d minutes; a deployment rolls back", svc.Name, a.UnhealthyTasks, a.EvaluationMinutes))
	unhealthyArgs.ComparisonOperator = pulumi.String("GreaterThanOrEqualToThreshold")
	unhealthyArgs.Threshold = pulumi.Float64(float64(a.UnhealthyTasks))
	unhealthyArgs.Namespace = pulumi.String("AWS/ApplicationELB")
	unhealthyArgs.MetricName = pulumi.String("UnHealthyHostCount")
	unhealthyArgs.Dimensions = dims
	unhealthyArgs.Period = pulumi.Int(AlarmPeriodSeconds)
	unhealthyArgs.Statistic = pulumi.String("Maximum")
	unhealthyAlarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-unhealthy", unhealthyArgs, parent)
	if err != nil {
		return nil, err
	}
	return pulumi.StringArray{errorAlarm.Name, unhealthyAlarm.Name}, nil
}
