package infra

import (
	"fmt"
	"strconv"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BudgetArgs configures a Budget.
type BudgetArgs struct {
	// Budget is the monthly limit and the addresses to alert.
	Budget config.BudgetConfig
	// Tags are applied to the budget.
	Tags pulumi.StringMap
}

// Budget is an AWS Budgets monthly cost budget that e-mails at 80% and 100% of
// actual spend and at 100% of forecast spend. Budgets without actions are free.
type Budget struct {
	pulumi.ResourceState

	// Name is the budget's name.
	Name pulumi.StringOutput `pulumi:"name"`
}

// budgetAlert is one notification threshold.
type budgetAlert struct {
	kind    string
	percent float64
}

// BudgetAlerts are the thresholds every fargo budget alerts on.
var budgetAlerts = []budgetAlert{{"ACTUAL", 80}, {"ACTUAL", 100}, {"FORECASTED", 100}}

// NewBudget creates the cost budget.
func NewBudget(ctx *pulumi.Context, name string, args *BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	if args == nil {
		return nil, fmt.Errorf("budget %s: args are required", name)
	}
	c := &Budget{}
	if err := ctx.RegisterComponentResource("fargo:infra:Budget", name, c, opts...); err != nil {
		return nil, err
	}
	var notifications budgets.BudgetNotificationArray
	for _, a := range budgetAlerts {
		notifications = append(notifications, &budgets.BudgetNotificationArgs{
			NotificationType:         pulumi.String(a.kind),
			ComparisonOperator:       pulumi.String("GREATER_THAN"),
			Threshold:                pulumi.Float64(a.percent),
			ThresholdType:            pulumi.String("PERCENTAGE"),
			SubscriberEmailAddresses: pulumi.ToStringArray(args.Budget.Emails),
		})
	}
	budget, err := budgets.NewBudget(ctx, name, &budgets.BudgetArgs{
		// Budget names are unique per account, so the stack is part of it.
		Name:          pulumi.String(config.BudgetName(ctx.Project(), ctx.Stack())),
		BudgetType:    pulumi.String("COST"),
		TimeUnit:      pulumi.String("MONTHLY"),
		LimitAmount:   pulumi.String(strconv.FormatFloat(args.Budget.MonthlyLimit, 'f', 2, 64)),
		LimitUnit:     pulumi.String("USD"),
		Notifications: notifications,
		Tags:          args.Tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.Name = budget.Name
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"name": c.Name}); err != nil {
		return nil, err
	}
	return c, nil
}
