package infra_test

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(data))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadDeclaredKeys returns the project keys Pulumi.yaml declares, without namespace.
func loadDeclaredKeys(t *testing.T) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	for k := range loadDeclarations(t) {
		if ns, name, ok := strings.Cut(k, ":"); ok {
			if ns != "fargo" {
				continue
			}
			k = name
		}
		keys[k] = true
	}
	return keys
}

// loadDeclarations returns Pulumi.yaml's project key declarations.
func loadDeclarations(t *testing.T) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var project struct {
		Config map[string]map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &project); err != nil {
		t.Fatal(err)
	}
	return project.Config
}
