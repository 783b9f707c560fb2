package config

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fargo-dev/fargo/internal/envname"
)

// TableConfig is one entry of fargo:tables: a DynamoDB table and who may use it.
type TableConfig struct {
	// Name is the map key.
	Name string `json:"-"`
	// PhysicalName overrides the table's AWS name (default <project>-<stack>-<name>).
	PhysicalName string `json:"name"`
	// PartitionKey and SortKey name key attributes.
	PartitionKey string `json:"partitionKey"`
	SortKey      string `json:"sortKey"`
	// Attributes maps every key attribute (of the table and its indexes) to S, N or B.
	Attributes map[string]string `json:"attributes"`
	// Indexes are global secondary indexes by name.
	Indexes map[string]IndexConfig `json:"indexes"`
	// TTLAttribute names the attribute holding an item's expiry time, if any.
	TTLAttribute string `json:"ttlAttribute"`
	// Services maps a service to its access: read or readWrite.
	Services map[string]string `json:"services"`
	// PointInTimeRecovery keeps 35 days of continuous backups (default true).
	PointInTimeRecovery *bool `json:"pointInTimeRecovery"`
}

// IndexConfig is a global secondary index.
type IndexConfig struct {
	// PartitionKey and SortKey name declared attributes.
	PartitionKey string `json:"partitionKey"`
	SortKey      string `json:"sortKey"`
	// Projection is ALL (default) or KEYS_ONLY.
	Projection string `json:"projection"`
}

// IndexNames returns the table's index names, sorted.
func (t TableConfig) IndexNames() []string {
	names := make([]string, 0, len(t.Indexes))
	for n := range t.Indexes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Table access levels.
const (
	AccessRead      = "read"
	AccessReadWrite = "readWrite"
)

var (
	tableNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
	physicalPattern  = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	attrNamePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,254}$`)
)

func (c *Config) parseTables(get func(string) (string, bool)) error {
	key := fullKey("tables")
	raw, ok := optionalObject(get, key)
	if !ok {
		return nil
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &entries); err != nil {
		return errorf(key, "must be a map from table name to its keys and access; got %s", clip(raw))
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	services := map[string]bool{}
	for _, s := range c.Services {
		services[s.Name] = true
	}
	physicalNames := map[string]string{}
	var errs []error
	for _, name := range names {
		t, err := c.parseTable(key+"."+name, name, entries[name], services, physicalNames)
		if err != nil {
			errs = append(errs, err) // each table on its own, so all are reported
			continue
		}
		c.Tables = append(c.Tables, t)
	}
	return errors.Join(errs...)
}

// parseTable decodes and checks one table, and claims its physical name.
func (c *Config) parseTable(k, name string, raw json.RawMessage, services map[string]bool, physicalNames map[string]string) (TableConfig, error) {
	if !tableNamePattern.MatchString(name) {
		return TableConfig{}, errorf(k, "%q is not a usable table name; use 2 to 40 lowercase letters, digits and hyphens, starting with a letter", name)
	}
	var t TableConfig
	if err := decodeStrict(k, string(raw), &t); err != nil {
		return TableConfig{}, err
	}
	t.Name = name
	if err := validateTable(k, t, services); err != nil {
		return TableConfig{}, err
	}
	prefix := StackNamePrefix(c.Project, c.Stack)
	if t.PhysicalName != "" && !strings.HasPrefix(t.PhysicalName, prefix) {
		return TableConfig{}, errorf(k+".name", "%q must begin with %q: the stack's deploy role manages exactly the tables named so, and no other stack's", t.PhysicalName, prefix)
	}
	physical := t.Physical(c.Project, c.Stack)
	if other, dup := physicalNames[physical]; dup {
		return TableConfig{}, errorf(k+".name", "%q is also table %s's name; each table needs its own", physical, other)
	}
	physicalNames[physical] = t.Name
	return t, nil
}

func validateTable(k string, t TableConfig, services map[string]bool) error {
	if t.PhysicalName != "" && !physicalPattern.MatchString(t.PhysicalName) {
		return errorf(k+".name", "%q is not a DynamoDB table name (3 to 255 letters, digits, _ . -)", t.PhysicalName)
	}
	attrs := make([]string, 0, len(t.Attributes))
	for a, typ := range t.Attributes {
		if !attrNamePattern.MatchString(a) {
			return errorf(k+".attributes."+a, "is not a usable attribute name")
		}
		if typ != "S" && typ != "N" && typ != "B" {
			return errorf(k+".attributes."+a, "type %q is not allowed; use S (string), N (number) or B (binary)", typ)
		}
		attrs = append(attrs, a)
	}
	sort.Strings(attrs)
	used := map[string]bool{}
	useKey := func(path, attr string, required bool) error {
		if attr == "" {
			if required {
				return errorf(path, "is required; name the attribute the items are keyed by")
			}
			return nil
		}
		if _, ok := t.Attributes[attr]; !ok {
			return errorf(path, "%q is not declared in attributes (declared: %s); add it with its type", attr, strings.Join(attrs, ", "))
		}
		used[attr] = true
		return nil
	}
	if err := useKey(k+".partitionKey", t.PartitionKey, true); err != nil {
		return err
	}
	if err := useKey(k+".sortKey", t.SortKey, false); err != nil {
		return err
	}
	if t.SortKey != "" && t.SortKey == t.PartitionKey {
		return errorf(k+".sortKey", "%q is also the partition key; DynamoDB needs two different attributes (or no sort key)", t.SortKey)
	}
	if len(t.Indexes) > 20 {
		return errorf(k+".indexes", "has %d indexes; DynamoDB allows 20 global secondary indexes", len(t.Indexes))
	}
	for _, name := range t.IndexNames() {
		ix := t.Indexes[name]
		ik := k + ".indexes." + name
		if !physicalPattern.MatchString(name) {
			return errorf(ik, "%q is not an index name (3 to 255 letters, digits, _ . -)", name)
		}
		if err := useKey(ik+".partitionKey", ix.PartitionKey, true); err != nil {
			return err
		}
		if err := useKey(ik+".sortKey", ix.SortKey, false); err != nil {
			return err
		}
		if ix.SortKey != "" && ix.SortKey == ix.PartitionKey {
			return errorf(ik+".sortKey", "%q is also the index's partition key; DynamoDB needs two different attributes (or no sort key)", ix.SortKey)
		}
		if ix.Projection != "" && ix.Projection != "ALL" && ix.Projection != "KEYS_ONLY" {
			return errorf(ik+".projection", "%q is not allowed; use ALL or KEYS_ONLY", ix.Projection)
		}
	}
	for _, a := range attrs {
		if !used[a] {
			return errorf(k+".attributes."+a, "is declared but is no table or index key; DynamoDB only takes key attributes here (other attributes need no declaration)")
		}
	}
	if t.TTLAttribute != "" && (used[t.TTLAttribute] || !attrNamePattern.MatchString(t.TTLAttribute)) {
		return errorf(k+".ttlAttribute", "%q cannot be a key attribute; name a number attribute holding the expiry epoch seconds", t.TTLAttribute)
	}
	if len(t.Services) == 0 {
		return errorf(k+".services", "is empty; name the services that use the table, e.g. {backend: readWrite}")
	}
	for svc, access := range t.Services {
		if !services[svc] {
			known := make([]string, 0, len(services))
			for s := range services {
				known = append(known, s)
			}
			sort.Strings(known)
			return errorf(k+".services."+svc, "is not a service in fargo:services (%s)", strings.Join(known, ", "))
		}
		if access != AccessRead && access != AccessReadWrite {
			return errorf(k+".services."+svc, "%q is not allowed; use read or readWrite", access)
		}
	}
	return nil
}

// Physical is the table's AWS name: its name key, or <project>-<stack>-<table>.
func (t TableConfig) Physical(project, stack string) string {
	return cmp.Or(t.PhysicalName, StackNamePrefix(project, stack)+t.Name)
}

// SecretRef is where one secret lives.
type SecretRef struct {
	// SecretsManager is true for Secrets Manager, false for SSM Parameter Store.
	SecretsManager bool
	// Name is the parameter name (with its leading slash) or the secret's name or ARN.
	Name string
}

// ParseSecretRef reads a secrets value: an SSM parameter name or ARN, a Secrets
// Manager ARN, or secretsmanager:<name>. An ARN must have a region, a 12-digit
// account and the service's resource type, as ECS resolves it at task start.
func ParseSecretRef(v string) (SecretRef, bool) {
	switch {
	case strings.HasPrefix(v, "arn:"):
		switch {
		case ssmArnPattern.MatchString(v):
			return SecretRef{Name: v}, true
		case secretArnPattern.MatchString(v):
			return SecretRef{SecretsManager: true, Name: v}, true
		}
		return SecretRef{}, false
	case strings.HasPrefix(v, "secretsmanager:"):
		name := strings.TrimPrefix(v, "secretsmanager:")
		return SecretRef{SecretsManager: true, Name: name}, secretNamePattern.MatchString(name)
	case ssmNamePattern.MatchString(v):
		return SecretRef{Name: v}, true
	}
	return SecretRef{}, false
}

var (
	ssmNamePattern    = regexp.MustCompile(`^/?[A-Za-z0-9_.\-/]{1,1000}$`)
	secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	ssmArnPattern     = regexp.MustCompile(`^arn:aws:ssm:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:parameter/[A-Za-z0-9_.\-/]{1,1000}$`)
	// A Secrets Manager ARN may end in :<json-key>:<version-stage>:<version-id>.
	secretArnPattern = regexp.MustCompile(`^arn:aws:secretsmanager:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}(:[^:]*:[^:]*:[^:]*)?$`)
)

// checkSecretStacks refuses a secret under another stack's /<project>/<stack>/
// path: one stack's tasks never read another's secrets.
func checkSecretStacks(k, project, stack string, secrets map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(secrets)) {
		ref, _ := ParseSecretRef(secrets[name])
		if other, ok := ref.stackOf(project); ok && other != stack {
			return errorf(k+"."+name, "%q is stack %s's secret; stack %s may read only its own /%s/%s/ secrets (or secrets outside /%s/)",
				secrets[name], other, stack, project, stack, project)
		}
	}
	return nil
}

// stackOf returns the stack whose /<project>/<stack>/ path the secret is under.
func (r SecretRef) stackOf(project string) (string, bool) {
	path := r.Name
	for _, marker := range []string{":parameter", ":secret:"} {
		if i := strings.Index(path, marker); strings.HasPrefix(path, "arn:") && i >= 0 {
			path = path[i+len(marker):]
		}
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) < 3 || parts[0] != project {
		return "", false
	}
	return parts[1], true
}

// ARN is the secret's ARN in the given region and account. A Secrets Manager secret
// named without an ARN gets a partial ARN, which ECS accepts.
func (r SecretRef) ARN(region, account string) string {
	if strings.HasPrefix(r.Name, "arn:") {
		return r.Name
	}
	if r.SecretsManager {
		return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", region, account, r.Name)
	}
	return fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", region, account, strings.TrimPrefix(r.Name, "/"))
}

// PolicyResource is the ARN an IAM policy grants: a named secret's ARN carries
// six random characters AWS appends, matched by "-??????".
func (r SecretRef) PolicyResource(region, account string) string {
	arn := r.ARN(region, account)
	if r.SecretsManager && !strings.HasPrefix(r.Name, "arn:") {
		return arn + "-??????"
	}
	return arn
}

func validateSecrets(k string, secrets, env map[string]string) error {
	names := make([]string, 0, len(secrets))
	for n := range secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if !envNamePattern.MatchString(name) {
			return errorf(k+"."+name, "is not a valid environment variable name; use letters, digits and _, not starting with a digit")
		}
		if _, dup := env[name]; dup {
			return errorf(k+"."+name, "is also in environment; a variable comes from one place")
		}
		if slices.Contains(envname.Reserved[:2], name) {
			return errorf(k+"."+name, "would override the task role's credentials; grant permissions to the task role instead")
		}
		if _, ok := ParseSecretRef(secrets[name]); !ok {
			return errorf(k+"."+name, "%q is not a secret reference; use an SSM parameter name like /fargo/dev/master-key, its ARN (arn:aws:ssm:<region>:<12-digit account>:parameter/<name>), a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), or secretsmanager:<name>", secrets[name])
		}
	}
	return nil
}
