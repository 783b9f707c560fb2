package naming

import (
	"strings"
	"testing"
)

func TestIsPreviewStack(t *testing.T) {
	for _, c := range []struct {
		stack string
		want  bool
	}{
		{"pr1", true},
		{"pr31", true},
		{"pr123456789", true},
		{"pr1234567890", false}, // more digits than a pull request number has
		{"pr0", false},
		{"pr01", false}, // a leading zero would give pr1 a second name
		{"pr", false},
		{"prod", false},
		{"dev", false},
		{"xpr1", false},
		{"pr1x", false},
		{"PR1", false},
	} {
		if got := IsPreviewStack(c.stack); got != c.want {
			t.Errorf("IsPreviewStack(%q) = %v, want %v", c.stack, got, c.want)
		}
	}
}

func TestStackBase(t *testing.T) {
	for _, c := range []struct {
		project, stack, want string
		// previews says whether the previews role's prefix reaches the names.
		previews bool
	}{
		{"fargo", "dev", "fargo-dev", false},
		{"fargo", "prod", "fargo-prod", false},
		{"fargo", "pr", "fargo-pr", false},
		{"fargo", "pr12", "fargo_pr12", true},
		{"shop", "pr7", "shop_pr7", true},
	} {
		got := StackBase(c.project, c.stack)
		if got != c.want {
			t.Errorf("StackBase(%q, %q) = %q, want %q", c.project, c.stack, got, c.want)
		}
		if reached := strings.HasPrefix(got, PreviewsNamePrefix(c.project)); reached != c.previews {
			t.Errorf("%s: reached by the previews' prefix %q: %v, want %v", got, PreviewsNamePrefix(c.project), reached, c.previews)
		}
	}
}

func TestPreviewsNamePrefix(t *testing.T) {
	if got := PreviewsNamePrefix("fargo"); got != "fargo_pr" {
		t.Errorf("PreviewsNamePrefix(fargo) = %q, want fargo_pr", got)
	}
}

// TestTagKeys keeps the tag keys as deployed: every resource's state holds
// them and the CI roles' conditions test them, so a new spelling would retag
// every resource and lock the roles out of the old ones.
func TestTagKeys(t *testing.T) {
	for got, want := range map[string]string{TagProject: "fargo-project", TagStack: "fargo-stack", TagPreviewOf: "fargo-preview-of"} {
		if got != want {
			t.Errorf("tag key %q, want %q", got, want)
		}
	}
}
