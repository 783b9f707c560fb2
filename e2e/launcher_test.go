package e2e

import (
	"os/exec"
	"testing"
)

// TestLauncherPatches runs moto/test_launch.py, the unit tests of the patches
// moto/launch.py applies to moto, in process against mock_aws. It runs the file
// as a script: `python -m unittest moto/test_launch.py` would look for the test
// module inside the moto package, whose name the folder shares.
func TestLauncherPatches(t *testing.T) {
	if testing.Short() {
		t.Skip("runs moto in process; skipped with -short")
	}
	python, err := findPython()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "moto/test_launch.py", "-v").CombinedOutput()
	if err != nil {
		t.Fatalf("%s moto/test_launch.py -v: %v\n%s", python, err, out)
	}
	t.Logf("%s", out)
}
