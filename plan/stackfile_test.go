package plan

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestLoadStack pins the text each kind of config value reaches the program
// as, how keys are read, and which are secret.
func TestLoadStack(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Pulumi.yaml", `name: proj
runtime: go
config:
  size: {type: integer, default: 3}
  flag: true
  shape: {type: object, default: {b: 1, a: [x, 2.5]}}
  empty: {type: string, default: ""}
  unset: {type: string}
  proj:str: {type: string, default: overridden}
  aws:region: us-east-1
`)
	write("Pulumi.dev.yaml", `# a comment
config:
  proj:str: hello
  proj:int: 42
  proj:float: 2.50
  proj:bool: false
  proj:list: [1, "two", {three: 3}]
  proj:obj: {z: 1, a: "<b>"}
  proj:secret: {secure: AAABAxyz}
  proj:config:legacy: old
  network:
    nat: none
  a:b:c: three
  proj:null:
  proj:creds: {user: u, pass: {secure: AAAB}}
`)
	sc, err := LoadStack(dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		// Pulumi.yaml's defaults, and a value for another namespace.
		"proj:size": "3", "proj:flag": "true", "proj:shape": `{"a":["x",2.5],"b":1}`, "proj:empty": "", "aws:region": "us-east-1",
		// The stack file's: scalars as written, objects and lists as JSON.
		"proj:str": "hello", "proj:int": "42", "proj:float": "2.5", "proj:bool": "false",
		"proj:list": `[1,"two",{"three":3}]`, "proj:obj": `{"a":"\u003cb\u003e","z":1}`, "proj:secret": SecretPlaceholder,
		"proj:legacy": "old", "proj:network": `{"nat":"none"}`, "a:b:c": "three",
		// A key without a value is "", as the CLI hands it (and warns of).
		"proj:null": "",
		// A secret inside an object: the object is secret, the rest readable.
		"proj:creds": `{"pass":"[secret]","user":"u"}`,
	}
	if !reflect.DeepEqual(sc.Values, want) {
		t.Errorf("values\n got %q\nwant %q", sc.Values, want)
	}
	if !reflect.DeepEqual(sc.SecretKeys, []string{"proj:creds", "proj:secret"}) {
		t.Errorf("secret keys %v", sc.SecretKeys)
	}
	fileKeys := []string{"a:b:c", "proj:bool", "proj:creds", "proj:float", "proj:int", "proj:legacy", "proj:list", "proj:network", "proj:null", "proj:obj", "proj:secret", "proj:str"}
	if !reflect.DeepEqual(sc.FileKeys, fileKeys) {
		t.Errorf("file keys %v", sc.FileKeys)
	}
	for key, line := range map[string]int{"proj:str": 3, "proj:list[2].three": 7, "proj:legacy": 10, "proj:network.nat": 12, "proj:obj.a.b": 8, "proj:size": 0} {
		if got := sc.Line(key); got != line {
			t.Errorf("%s on line %d, want %d", key, got, line)
		}
	}
	if sc.Project != "proj" || sc.Stack != "dev" || sc.File != "Pulumi.dev.yaml" {
		t.Errorf("project %q stack %q file %q", sc.Project, sc.Stack, sc.File)
	}
}
