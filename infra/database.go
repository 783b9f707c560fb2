package infra

import (
	"fmt"
	"maps"
	"slices"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DatabaseArgs configures a Database.
type DatabaseArgs struct {
	// Tables are the tables to create.
	Tables []config.TableConfig
	// DeletionProtection makes AWS refuse to delete the tables, and Pulumi too.
	DeletionProtection bool
	// Tags are applied to every table.
	Tags pulumi.StringMap
}

// Database is the app's DynamoDB tables: on-demand, encrypted, continuously
// backed up, and protected from deletion where the stack asks for it.
type Database struct {
	pulumi.ResourceState

	// TableNames maps a table's config name to its AWS name.
	TableNames pulumi.StringMapOutput `pulumi:"tableNames"`
	// TableArns maps a table's config name to its ARN.
	TableArns map[string]pulumi.StringOutput
}

// NewDatabase creates the tables.
func NewDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		return nil, fmt.Errorf("database %s: args are required", name)
	}
	c := &Database{TableArns: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("fargo:infra:Database", name, c, opts...); err != nil {
		return nil, err
	}
	names := pulumi.StringMap{}
	for _, t := range args.Tables {
		table, err := newTable(ctx, c, name+"-"+t.Name, t, args)
		if err != nil {
			return nil, err
		}
		names[t.Name] = table.Name
		c.TableArns[t.Name] = table.Arn
	}
	c.TableNames = names.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"tableNames": c.TableNames}); err != nil {
		return nil, err
	}
	return c, nil
}

func newTable(ctx *pulumi.Context, c *Database, name string, t config.TableConfig, args *DatabaseArgs) (*dynamodb.Table, error) {
	physical := t.Physical(ctx.Project(), ctx.Stack())
	var attrs dynamodb.TableAttributeArray
	for _, a := range slices.Sorted(maps.Keys(t.Attributes)) {
		attrs = append(attrs, &dynamodb.TableAttributeArgs{Name: pulumi.String(a), Type: pulumi.String(t.Attributes[a])})
	}
	var indexes dynamodb.TableGlobalSecondaryIndexArray
	for _, n := range t.IndexNames() {
		ix := t.Indexes[n]
		projection := ix.Projection
		if projection == "" {
			projection = "ALL"
		}
		indexes = append(indexes, &dynamodb.TableGlobalSecondaryIndexArgs{
			Name:           pulumi.String(n),
			HashKey:        pulumi.String(ix.PartitionKey),
			RangeKey:       pulumi.StringPtrFromPtr(nonEmpty(ix.SortKey)),
			ProjectionType: pulumi.String(projection),
		})
	}
	var ttl *dynamodb.TableTtlArgs
	if t.TTLAttribute != "" {
		ttl = &dynamodb.TableTtlArgs{AttributeName: pulumi.String(t.TTLAttribute), Enabled: pulumi.Bool(true)}
	}
	pitr := t.PointInTimeRecovery == nil || *t.PointInTimeRecovery
	opts := []pulumi.ResourceOption{pulumi.Parent(c)}
	if args.DeletionProtection {
		// Losing the data takes two deliberate steps: unprotect in Pulumi, then in AWS.
		opts = append(opts, pulumi.Protect(true))
	}
	tableArgs := &dynamodb.TableArgs{
		Name:                      pulumi.String(physical),
		BillingMode:               pulumi.String("PAY_PER_REQUEST"),
		HashKey:                   pulumi.String(t.PartitionKey),
		RangeKey:                  pulumi.StringPtrFromPtr(nonEmpty(t.SortKey)),
		Attributes:                attrs,
		GlobalSecondaryIndexes:    indexes,
		PointInTimeRecovery:       &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(pitr)},
		ServerSideEncryption:      &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true)},
		DeletionProtectionEnabled: pulumi.Bool(args.DeletionProtection),
		Tags:                      args.Tags,
	}
	if ttl != nil {
		tableArgs.Ttl = ttl
	}
	return dynamodb.NewTable(ctx, name, tableArgs, opts...)
}
