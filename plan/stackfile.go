package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fargo-dev/fargo/internal/naming"
	sdkconfig "github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"
)

// SecretPlaceholder stands in for an encrypted config value, which a plan cannot
// decrypt: what the SDK's blinding decrypter reads every secret as.
const SecretPlaceholder = "[secret]"

// StackConfig is a stack's configuration as the Pulumi CLI would hand it to the
// program: Pulumi.yaml's defaults overlaid with Pulumi.<stack>.yaml's values.
type StackConfig struct {
	// Project is Pulumi.yaml's name.
	Project string
	// Stack is the stack's name.
	Stack string
	// Values maps fully qualified keys to strings; objects and lists are JSON.
	Values map[string]string
	// SecretKeys lists the keys whose values were encrypted.
	SecretKeys []string
	// File is the stack file's name, and Lines the line of each key and path in
	// it (fargo:services.web.paths[0]), to point errors at.
	File  string
	Lines map[string]int
	// Dir is the project's directory, where the stacks it references are.
	Dir string
	// FileKeys are the keys the stack file itself sets.
	FileKeys []string
}

// Line is where a config error's key, or its nearest enclosing path, sits in the
// stack file; 0 when the file does not hold it (a default from Pulumi.yaml).
func (c *StackConfig) Line(key string) int {
	for k := key; k != ""; {
		if n, ok := c.Lines[k]; ok {
			return n
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// keyLines maps every key and path under a stack file's config to its line.
func keyLines(project string, data []byte) map[string]int {
	lines := map[string]int{}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return lines
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := path + "." + n.Content[i].Value
				if path == "" {
					p = stackKey(project, n.Content[i].Value)
				}
				lines[p] = n.Content[i].Line
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				lines[p] = item.Line
				walk(item, p)
			}
		}
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "config" {
			walk(root.Content[i+1], "")
		}
	}
	return lines
}

// stackFile is the part of Pulumi.<stack>.yaml a plan reads, its values the
// SDK's; its keys are read as the CLI reads them (stackKey).
type stackFile struct {
	Config map[string]sdkconfig.Value `yaml:"config"`
}

// PreviewTemplate is the stack file previews are made from: the preview
// workflow copies it to Pulumi.pr<number>.yaml.
const PreviewTemplate = "Pulumi.pr.yaml"

// TemplateStack is the stack name PreviewTemplate's own file name gives
// ("pr"), which no stack may take: planning it plans the template as
// TemplatePreview's preview.
const (
	TemplateStack   = naming.PreviewStackPrefix
	TemplatePreview = "pr1"
)

// LoadStack reads Pulumi.yaml and Pulumi.<stack>.yaml from dir. A preview
// (pr<number>) without a stack file of its own reads PreviewTemplate, as the
// preview workflow makes it, and so does TemplateStack, as TemplatePreview.
func LoadStack(dir, stack string) (*StackConfig, error) {
	if stack == TemplateStack {
		stack = TemplatePreview
	}
	project, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return nil, err
	}
	stackPath := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackPath); errors.Is(err, fs.ErrNotExist) && naming.IsPreviewStack(stack) {
		stackPath = filepath.Join(dir, PreviewTemplate)
	}
	data, err := os.ReadFile(stackPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no stack file %s for stack %q (stacks here: %s)", filepath.Base(stackPath), stack, strings.Join(listStacks(dir), ", "))
	} else if err != nil {
		return nil, err
	}
	var sf stackFile
	if err := yaml.Unmarshal(data, &sf); err != nil {
		msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
		return nil, fmt.Errorf("%s: not valid YAML: %s", filepath.Base(stackPath), msg)
	}
	cfg := &StackConfig{Project: project.Name.String(), Stack: stack, Values: map[string]string{},
		File: filepath.Base(stackPath), Lines: keyLines(project.Name.String(), data), Dir: dir}
	for key, entry := range project.Config {
		full := qualify(cfg.Project, key)
		v := entry.Default
		if entry.Value != nil {
			v = entry.Value
		}
		if v == nil {
			continue
		}
		s, err := defaultText(v)
		if err != nil {
			return nil, fmt.Errorf("Pulumi.yaml: %s: %w", full, err)
		}
		cfg.Values[full] = s
	}
	for key, v := range sf.Config {
		full := stackKey(cfg.Project, key)
		s, err := v.Value(sdkconfig.NewBlindingDecrypter())
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", filepath.Base(stackPath), full, err)
		}
		cfg.Values[full] = s
		cfg.FileKeys = append(cfg.FileKeys, full)
		if v.Secure() {
			cfg.SecretKeys = append(cfg.SecretKeys, full)
		}
	}
	sort.Strings(cfg.SecretKeys)
	sort.Strings(cfg.FileKeys)
	return cfg, nil
}

// Get returns a value, as pulumi.Context.GetConfig does.
func (c *StackConfig) Get(key string) (string, bool) {
	v, ok := c.Values[key]
	return v, ok
}

func listStacks(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var out []string
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml"))
	}
	return out
}

// stackKey is a stack file's key as the CLI reads it: a key without a
// namespace is the project's (workspace's stackConfigNamespacedWithProject,
// sdk/go/common/workspace/loaders.go), and config.ParseKey reads
// <namespace>:<name>, or the older <namespace>:config:<name> for the same key.
// A key it cannot parse stays as written, for the key check to refuse.
func stackKey(project, key string) string {
	key = qualify(project, key)
	if k, err := sdkconfig.ParseKey(key); err == nil {
		return k.String()
	}
	return key
}

// qualify gives a key without a namespace the project's, as Pulumi does in
// Pulumi.yaml and in a stack file alike.
func qualify(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// defaultText is the text of a Pulumi.yaml default as the program is handed
// it, read as the SDK reads a stack file's value.
func defaultText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("cannot be read as config: %w", err)
	}
	var value sdkconfig.Value
	if err := value.UnmarshalJSON(b); err != nil {
		return "", fmt.Errorf("cannot be read as config: %w", err)
	}
	return value.Value(sdkconfig.NewBlindingDecrypter())
}
