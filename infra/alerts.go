package infra

import (
	"fmt"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlertsArgs configures Alerts.
type AlertsArgs struct {
	// Alarms holds the addresses to e-mail and the services' alarm thresholds.
	Alarms config.AlarmsConfig
	// Tags are applied to the topic.
	Tags pulumi.StringMap
}

// Alerts is the SNS topic every alarm of the stack publishes to, with one e-mail
// subscription per address (each recipient confirms it once, from AWS's e-mail).
type Alerts struct {
	pulumi.ResourceState

	// TopicArn is the topic's ARN.
	TopicArn pulumi.StringOutput `pulumi:"topicArn"`

	// settings are the thresholds the services' alarms use.
	settings config.AlarmsConfig
}

// NewAlerts creates the alarm topic and its subscriptions.
func NewAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if args == nil {
		return nil, fmt.Errorf("alerts %s: args are required", name)
	}
	c := &Alerts{settings: args.Alarms}
	if err := ctx.RegisterComponentResource("fargo:infra:Alerts", name, c, opts...); err != nil {
		return nil, err
	}
	// Not encrypted with the AWS managed SNS key: CloudWatch cannot publish to a
	// topic under it (its key policy admits no other service). Alarm messages
	// carry alarm names and states, no application data.
	topic, err := sns.NewTopic(ctx, name, &sns.TopicArgs{
		Name: pulumi.String(config.AlarmTopicName(ctx.Project(), ctx.Stack())),
		Tags: args.Tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	// Named by address, so removing one leaves the others' confirmations alone.
	for _, email := range args.Alarms.Emails {
		if _, err := sns.NewTopicSubscription(ctx, name+"-"+email, &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, pulumi.Parent(c)); err != nil {
			return nil, err
		}
	}
	c.TopicArn = topic.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"topicArn": c.TopicArn}); err != nil {
		return nil, err
	}
	return c, nil
}
