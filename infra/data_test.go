package infra_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/graph"
)

type policyDoc struct {
	Statement []struct {
		Effect   string
		Action   []string
		Resource []string
	}
}

func rolePolicy(t *testing.T, exp *graph.Export, name string) *policyDoc {
	t.Helper()
	for _, r := range exp.Resources("aws:iam/rolePolicy:RolePolicy") {
		if r.Name() == name {
			var doc policyDoc
			if err := json.Unmarshal([]byte(r.String("policy")), &doc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return &doc
		}
	}
	return nil
}

func TestTablesPerStack(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			if len(p.cfg.Tables) < 4 {
				t.Fatalf("%s declares %d tables; the seed app needs its four", stack, len(p.cfg.Tables))
			}
			withIndex := 0
			for _, tc := range p.cfg.Tables {
				tbl := one(t, p.exp, "aws:dynamodb/table:Table", "data-"+tc.Name)
				if tbl.String("billingMode") != "PAY_PER_REQUEST" || tbl.String("hashKey") != tc.PartitionKey || tbl.String("rangeKey") != tc.SortKey {
					t.Errorf("%s: billing %v keys %v/%v", tc.Name, tbl.Input("billingMode"), tbl.Input("hashKey"), tbl.Input("rangeKey"))
				}
				if tbl.String("name") != fmt.Sprintf("fargo-%s-%s", stack, tc.Name) {
					t.Errorf("%s: name %q is not derived per stack", tc.Name, tbl.String("name"))
				}
				attrs := map[string]string{}
				for _, a := range tbl.List("attributes") {
					m := a.(map[string]any)
					attrs[m["name"].(string)] = m["type"].(string)
				}
				if fmt.Sprint(attrs) != fmt.Sprint(tc.Attributes) {
					t.Errorf("%s: attributes %v, want %v", tc.Name, attrs, tc.Attributes)
				}
				var indexes []string
				for _, ix := range tbl.List("globalSecondaryIndexes") {
					m := ix.(map[string]any)
					want := tc.Indexes[m["name"].(string)]
					if m["hashKey"] != want.PartitionKey || m["projectionType"] != "ALL" {
						t.Errorf("%s index %v", tc.Name, m)
					}
					indexes = append(indexes, m["name"].(string))
				}
				if !slices.Equal(indexes, tc.IndexNames()) {
					t.Errorf("%s: indexes %v, want %v", tc.Name, indexes, tc.IndexNames())
				}
				if len(indexes) > 0 {
					withIndex++
				}
				if on, _ := tbl.Bool("pointInTimeRecovery", "enabled"); !on {
					t.Errorf("%s: no point-in-time recovery", tc.Name)
				}
				if on, _ := tbl.Bool("serverSideEncryption", "enabled"); !on {
					t.Errorf("%s: not encrypted with KMS", tc.Name)
				}
				if on, _ := tbl.Bool("deletionProtectionEnabled"); on != p.cfg.DeletionProtection || tbl.Protect != p.cfg.DeletionProtection {
					t.Errorf("%s: deletion protection %v, pulumi protect %v; want %v", tc.Name, on, tbl.Protect, p.cfg.DeletionProtection)
				}
				if tc.TTLAttribute != "" && tbl.String("ttl", "attributeName") != tc.TTLAttribute {
					t.Errorf("%s: ttl %v", tc.Name, tbl.Input("ttl"))
				}
			}
			if withIndex < 2 {
				t.Errorf("%d tables with an index; the seed's posts and comments each have one", withIndex)
			}
			names, _ := p.exp.StackOutputs()["tableNames"].(map[string]any)
			if len(names) != len(p.cfg.Tables) {
				t.Errorf("tableNames output %v", names)
			}
		})
	}
	if !planFor(t, "prod").cfg.DeletionProtection {
		t.Error("prod tables must be protected from deletion")
	}
}

func TestTaskRolesGetExactlyTheirTables(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			tableArn := map[string]string{}
			for _, tc := range p.cfg.Tables {
				tableArn[tc.Name] = one(t, p.exp, "aws:dynamodb/table:Table", "data-"+tc.Name).String("arn")
			}
			allowed := append(append([]string{}, infra.TableReadActions...), infra.TableWriteActions...)
			for _, svc := range p.cfg.Services {
				var want []string
				for _, tc := range p.cfg.Tables {
					if _, ok := tc.Services[svc.Name]; !ok {
						continue
					}
					want = append(want, tableArn[tc.Name])
					for _, ix := range tc.IndexNames() {
						want = append(want, tableArn[tc.Name]+"/index/"+ix)
					}
				}
				doc := rolePolicy(t, p.exp, "app-"+svc.Name+"-task-tables")
				if len(want) == 0 {
					if doc != nil {
						t.Errorf("%s uses no table but its task role has %+v", svc.Name, doc)
					}
					continue
				}
				if doc == nil {
					t.Fatalf("%s has no table policy", svc.Name)
				}
				var got []string
				for _, st := range doc.Statement {
					got = append(got, st.Resource...)
					for _, a := range st.Action {
						if !slices.Contains(allowed, a) {
							t.Errorf("%s may %s, not an item-level DynamoDB action", svc.Name, a)
						}
					}
				}
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s policy resources %v, want %v", svc.Name, got, want)
				}
			}
		})
	}
}

func TestSecretsReachContainersSafely(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			withSecrets := 0
			for _, svc := range p.cfg.Services {
				td := one(t, p.exp, "aws:ecs/taskDefinition:TaskDefinition", "app-"+svc.Name)
				var defs []infra.ContainerDefinition
				if err := json.Unmarshal([]byte(td.String("containerDefinitions")), &defs); err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for _, s := range defs[0].Secrets {
					got[s.Name] = s.ValueFrom
				}
				for _, e := range defs[0].Environment {
					if _, ok := svc.Secrets[e.Name]; ok {
						t.Errorf("%s passes secret %s as plain environment", svc.Name, e.Name)
					}
				}
				var wantArns []string
				for name, ref := range svc.Secrets {
					r, _ := config.ParseSecretRef(ref)
					arn := r.ARN(p.cfg.Region, "123456789012")
					if got[name] != arn {
						t.Errorf("%s secret %s from %q, want %q", svc.Name, name, got[name], arn)
					}
					wantArns = append(wantArns, r.PolicyResource(p.cfg.Region, "123456789012"))
				}
				doc := rolePolicy(t, p.exp, "app-"+svc.Name+"-exec-secrets")
				if len(svc.Secrets) == 0 {
					if doc != nil {
						t.Errorf("%s has no secrets but its execution role may read %+v", svc.Name, doc)
					}
					continue
				}
				withSecrets++
				var resources []string
				for _, st := range doc.Statement {
					resources = append(resources, st.Resource...)
					for _, a := range st.Action {
						if a != "ssm:GetParameters" && a != "secretsmanager:GetSecretValue" {
							t.Errorf("%s execution role may %s", svc.Name, a)
						}
					}
				}
				sort.Strings(resources)
				sort.Strings(wantArns)
				if !slices.Equal(resources, wantArns) {
					t.Errorf("%s execution role reads %v, want exactly %v", svc.Name, resources, wantArns)
				}
				if rolePolicy(t, p.exp, "app-"+svc.Name+"-task-tables") != nil {
					for _, st := range rolePolicy(t, p.exp, "app-"+svc.Name+"-task-tables").Statement {
						for _, r := range st.Resource {
							if strings.Contains(r, ":ssm:") || strings.Contains(r, ":secretsmanager:") {
								t.Errorf("%s task role may read secrets", svc.Name)
							}
						}
					}
				}
			}
			if withSecrets == 0 {
				t.Error("no service passes the seed's master key as a secret")
			}
		})
	}
}

func TestGatewayEndpointsExactlyWhenPrivate(t *testing.T) {
	for _, stack := range stacks {
		p := planFor(t, stack)
		endpoints := p.exp.Resources("aws:ec2/vpcEndpoint:VpcEndpoint")
		if p.cfg.Network.Nat == config.NatNone {
			if len(endpoints) != 0 {
				t.Errorf("%s: %d endpoints with public tasks", stack, len(endpoints))
			}
			continue
		}
		var services []string
		for _, e := range endpoints {
			services = append(services, e.String("serviceName"))
			if e.String("vpcEndpointType") != "Gateway" {
				t.Errorf("%s: %s is %s, not a free gateway endpoint", stack, e.Name(), e.String("vpcEndpointType"))
			}
			rts := strs(e.List("routeTableIds"))
			if len(rts) != p.cfg.Network.AvailabilityZones {
				t.Errorf("%s: %s on route tables %v", stack, e.Name(), rts)
			}
			private := map[string]bool{}
			for _, rt := range p.exp.Resources("aws:ec2/routeTable:RouteTable") {
				private[string(rt.ID)] = strings.HasPrefix(rt.Name(), "network-private-")
			}
			for _, rt := range rts {
				if !private[rt] {
					t.Errorf("%s: %s on non-private route table %s", stack, e.Name(), rt)
				}
			}
		}
		sort.Strings(services)
		want := []string{"com.amazonaws." + p.cfg.Region + ".dynamodb", "com.amazonaws." + p.cfg.Region + ".s3"}
		if !slices.Equal(services, want) {
			t.Errorf("%s: endpoints %v, want %v", stack, services, want)
		}
	}
}

func TestBadTablesAndSecrets(t *testing.T) {
	base := `{"postId":"S"}`
	cases := []struct{ name, key, value, want string }{
		{"attribute type", "fargo:tables", `{"posts":{"partitionKey":"postId","attributes":{"postId":"STRING"},"services":{"backend":"readWrite"}}}`, `fargo:tables.posts.attributes.postId: type "STRING" is not allowed`},
		{"undeclared key", "fargo:tables", `{"posts":{"partitionKey":"id","attributes":` + base + `,"services":{"backend":"readWrite"}}}`, `fargo:tables.posts.partitionKey: "id" is not declared`},
		{"index on undeclared", "fargo:tables", `{"posts":{"partitionKey":"postId","attributes":` + base + `,"indexes":{"byBoard":{"partitionKey":"boardId"}},"services":{"backend":"readWrite"}}}`, `fargo:tables.posts.indexes.byBoard.partitionKey: "boardId" is not declared`},
		{"unused attribute", "fargo:tables", `{"posts":{"partitionKey":"postId","attributes":{"postId":"S","title":"S"},"services":{"backend":"readWrite"}}}`, `fargo:tables.posts.attributes.title: is declared but is no table or index key`},
		{"unknown service", "fargo:tables", `{"posts":{"partitionKey":"postId","attributes":` + base + `,"services":{"worker":"readWrite"}}}`, `fargo:tables.posts.services.worker: is not a service in fargo:services (backend, frontend)`},
		{"bad access", "fargo:tables", `{"posts":{"partitionKey":"postId","attributes":` + base + `,"services":{"backend":"admin"}}}`, `fargo:tables.posts.services.backend: "admin" is not allowed; use read or readWrite`},
		{"no services", "fargo:tables", `{"posts":{"partitionKey":"postId","attributes":` + base + `}}`, `fargo:tables.posts.services: is empty`},
		{"no partition key", "fargo:tables", `{"posts":{"attributes":` + base + `,"services":{"backend":"read"}}}`, `fargo:tables.posts.partitionKey: is required`},
		{"table typo", "fargo:tables", `{"posts":{"partitionkey":"postId"}}`, `fargo:tables.posts: unknown key "partitionkey"`},
		{"bad table name", "fargo:tables", `{"Posts":{}}`, `fargo:tables.Posts: "Posts" is not a usable table name`},
		{"sort key repeats the partition key", "fargo:tables", `{"posts":{"partitionKey":"id","sortKey":"id","attributes":{"id":"S"},"services":{"backend":"read"}}}`,
			`fargo:tables.posts.sortKey: "id" is also the partition key`},
		{"index sort key repeats its partition key", "fargo:tables", `{"posts":{"partitionKey":"id","attributes":{"id":"S","by":"S"},"indexes":{"byAuthor":{"partitionKey":"by","sortKey":"by"}},"services":{"backend":"read"}}}`,
			`fargo:tables.posts.indexes.byAuthor.sortKey: "by" is also the index's partition key`},
		{"two tables, one name", "fargo:tables", `{"posts":{"partitionKey":"id","attributes":{"id":"S"},"services":{"backend":"read"}},"old":{"name":"fargo-dev-posts","partitionKey":"id","attributes":{"id":"S"},"services":{"backend":"read"}}}`,
			`fargo:tables.posts.name: "fargo-dev-posts" is also table old's name`},
		{"table named outside the stack", "fargo:tables", `{"posts":{"name":"fargo-prod-posts","partitionKey":"id","attributes":{"id":"S"},"services":{"backend":"read"}}}`,
			`fargo:tables.posts.name: "fargo-prod-posts" must begin with "fargo-dev-"`},
		{"secret ref", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": "not a ref"}), `fargo:services.backend.secrets.MASTER_KEY: "not a ref" is not a secret reference`},
		{"SSM ARN without a region", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": "arn:aws:ssm::123456789012:parameter/fargo/dev/master-key"}), `"arn:aws:ssm::123456789012:parameter/fargo/dev/master-key" is not a secret reference`},
		{"ARN with a short account", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": "arn:aws:ssm:ap-northeast-2:1234:parameter/fargo/dev/master-key"}), `is not a secret reference`},
		{"ARN of another resource type", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": "arn:aws:ssm:ap-northeast-2:123456789012:document/master-key"}), `is not a secret reference`},
		{"Secrets Manager ARN without secret:", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": "arn:aws:secretsmanager:ap-northeast-2:123456789012:master-key"}), `is not a secret reference`},
		{"secret twice", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"PORT": "/x"}), `fargo:services.backend.secrets.PORT: is also in environment`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := devWith(t, c.key, c.value)
			if c.name == "secret twice" {
				var services map[string]map[string]any
				_ = json.Unmarshal([]byte(sc.Values["fargo:services"]), &services)
				services["backend"]["environment"] = map[string]string{"PORT": "3000"}
				b, _ := json.Marshal(services)
				sc.Values["fargo:services"] = string(b)
			}
			_, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestSecretReferences(t *testing.T) {
	cases := map[string]bool{
		"/fargo/dev/master-key": true,
		"arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo/dev/master-key":         true,
		"arn:aws:ssm:us-east-1:123456789012:parameter/shared/key":                        true,
		"arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-AbCdEf":            true,
		"arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-AbCdEf:password::": true,
		"secretsmanager:db/password":                                                     true,
		"arn:aws:ssm::123456789012:parameter/x":                                          false,
		"arn:aws:ssm:ap-northeast-2:12345:parameter/x":                                   false,
		"arn:aws:ssm:ap-northeast-2:123456789012:document/x":                             false,
		"arn:aws:secretsmanager:ap-northeast-2:123456789012:db":                          false,
		"arn:aws:kms:ap-northeast-2:123456789012:key/abc":                                false,
		"not a ref": false,
	}
	for ref, want := range cases {
		if _, ok := config.ParseSecretRef(ref); ok != want {
			t.Errorf("ParseSecretRef(%q) ok = %v, want %v", ref, ok, want)
		}
	}
}

func TestEveryBrokenTableIsReported(t *testing.T) {
	sc := devWith(t, "fargo:tables", `{"aa":{"partitionKey":"id","sortKey":"id","attributes":{"id":"S"},"services":{"backend":"read"}},"bb":{"partitionKey":"missing","attributes":{"id":"S"},"services":{"backend":"read"}}}`)
	_, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
	var keys []string
	for _, e := range config.ConfigErrors(err) {
		keys = append(keys, e.Key)
	}
	if want := []string{"fargo:tables.aa.sortKey", "fargo:tables.bb.partitionKey"}; !slices.Equal(keys, want) {
		t.Errorf("errors for %v, want %v (%v)", keys, want, err)
	}
}
