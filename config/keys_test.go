package config

import (
	"slices"
	"testing"
)

// fargoReads is the tail of every refusal of an unknown fargo key.
const fargoReads = "fargo reads fargo:network, fargo:services, fargo:registry, fargo:cluster, fargo:deletionProtection, fargo:domain, fargo:budget, fargo:tables, fargo:github, fargo:schedule, fargo:alarms, fargo:previews, fargo:previewOf, fargo:preview"

func TestCheckKeysAcceptsWhatIsRead(t *testing.T) {
	keys := []string{"aws:region", "aws:profile", "aws:defaultTags", "pulumi:tags", "pulumi:anything", "fargo:network", "fargo:previewOf"}
	if err := CheckKeys(keys); err != nil {
		t.Errorf("refused: %v", err)
	}
}

func TestCheckKeysRefusesWhatNothingReads(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []string
		want []refusal
	}{
		{"fargo typo", []string{"fargo:servics"}, []refusal{{key: "fargo:servics", msg: "unknown key (did you mean fargo:services?); " + fargoReads}}},
		{"fargo key in the wrong case", []string{"fargo:Network"}, []refusal{{key: "fargo:Network", says: []string{"did you mean fargo:network?"}}}},
		{"two keys close: no guess", []string{"fargo:previewsOf"}, []refusal{{key: "fargo:previewsOf", msg: "unknown key; " + fargoReads}}},
		{"nothing close", []string{"fargo:zzzzzzzz"}, []refusal{{key: "fargo:zzzzzzzz", msg: "unknown key; " + fargoReads}}},
		{"aws typo", []string{"aws:regoin"}, []refusal{{key: "aws:regoin", says: []string{"unknown key (did you mean aws:region?)", "the AWS provider reads aws:accessKey, ", "aws:region"}}}},
		{"namespace typo", []string{"fargp:services"}, []refusal{{key: "fargp:services", msg: `unknown namespace "fargp" (did you mean fargo:services?); keys are fargo:<key> (fargo's own), aws:<key> (the AWS provider's) or pulumi:<key>`}}},
		{"another provider", []string{"gcp:project"}, []refusal{{key: "gcp:project", says: []string{`unknown namespace "gcp";`}}}},
		{"the provider's name under fargo's namespace", []string{"fargo:region"}, []refusal{{key: "fargo:region", msg: "unknown key (did you mean aws:region?); " + fargoReads}}},
		{"every one, sorted", []string{"fargo:servics", "aws:region", "aws:regoin", "fargo:region"}, []refusal{{key: "aws:regoin"}, {key: "fargo:region"}, {key: "fargo:servics"}}},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusals(t, CheckKeys(c.keys), c.want...) })
	}
}

func TestDidYouMean(t *testing.T) {
	candidates := []string{"fargo:network", "fargo:previews", "fargo:previewOf", "aws:region"}
	for _, c := range []struct{ s, want string }{
		{"fargo:netwrok", " (did you mean fargo:network?)"},
		{"FARGO:NETWORK", " (did you mean fargo:network?)"},
		{"aws:regoin", " (did you mean aws:region?)"},
		{"fargo:previewsOf", ""}, // previews and previewOf are both one or two edits away
		{"fargo:budget", ""},
	} {
		if got := didYouMean(c.s, candidates); got != c.want {
			t.Errorf("didYouMean(%q) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"same", "same", 0},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"region", "regoin", 2},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestCLIKeys(t *testing.T) {
	for _, c := range []struct {
		pulumiConfig string
		want         []string
	}{
		{`{"fargo:services":"{}","aws:region":"ap-northeast-2","fargo:domian":"{}"}`, []string{"aws:region", "fargo:domian", "fargo:services"}},
		{`{}`, nil},
		{"", nil},
		{"not json", nil},
		{`["aws:region"]`, nil},
	} {
		if got := CLIKeys(c.pulumiConfig); !slices.Equal(got, c.want) {
			t.Errorf("CLIKeys(%q) = %q, want %q", c.pulumiConfig, got, c.want)
		}
	}
}
