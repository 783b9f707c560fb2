package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ConfigKeys lists every fargo config key the program reads, without the namespace.
// A stack file that sets any other fargo key is refused.
var ConfigKeys = []string{"network", "services", "registry", "cluster", "deletionProtection", "domain", "budget", "tables", "github", "schedule", "alarms", "previews", "previewOf", "preview"}

// AwsProviderKeys are the aws: keys the AWS provider reads (pulumi-aws v6.83.4's
// config package); fargo itself reads only aws:region.
var AwsProviderKeys = []string{
	"accessKey", "allowedAccountIds", "assumeRole", "assumeRoleWithWebIdentity", "customCaBundle", "defaultTags",
	"ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "endpoints", "forbiddenAccountIds", "httpProxy",
	"httpsProxy", "ignoreTags", "insecure", "maxRetries", "noProxy", "profile", "region", "retryMode",
	"s3UsEast1RegionalEndpoint", "s3UsePathStyle", "secretKey", "sharedConfigFiles", "sharedCredentialsFiles",
	"skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId",
	"stsRegion", "token", "tokenBucketRateLimiterCapacity", "useDualstackEndpoint", "useFipsEndpoint",
}

// CheckKeys refuses every fully qualified key that nothing reads: a fargo key the
// program does not know, an aws key the provider does not know, or a namespace
// that is neither (pulumi: keys are Pulumi's own). A typo must not fall back to a
// default silently; where one known key is close, the error suggests it.
func CheckKeys(keys []string) error {
	known := map[string][]string{Namespace: ConfigKeys, "aws": AwsProviderKeys}
	var all []string
	for ns, names := range known {
		for _, n := range names {
			all = append(all, ns+":"+n)
		}
	}
	var errs []error
	for _, k := range slices.Sorted(slices.Values(keys)) {
		ns, name, _ := strings.Cut(k, ":")
		switch names, ok := known[ns]; {
		case ns == "pulumi" || (ok && slices.Contains(names, name)):
			continue
		case ok:
			var list []string
			for _, n := range names {
				list = append(list, ns+":"+n)
			}
			guess := didYouMean(k, all)
			if ns == Namespace && slices.Contains(AwsProviderKeys, name) {
				// A stack file key without a namespace is the project's: region
				// reads as fargo:region, and the user meant the provider's.
				guess = " (did you mean aws:" + name + "?)"
			}
			msg := "unknown key" + guess + "; "
			if ns == Namespace {
				msg += "fargo reads " + strings.Join(list, ", ")
			} else {
				msg += "the AWS provider reads " + strings.Join(list, ", ")
			}
			errs = append(errs, errorf(k, "%s", msg))
		default:
			errs = append(errs, errorf(k, "unknown namespace %q%s; keys are fargo:<key> (fargo's own), aws:<key> (the AWS provider's) or pulumi:<key>", ns, didYouMean(k, all)))
		}
	}
	return errors.Join(errs...)
}

// CLIKeys lists the keys in the Pulumi CLI's PULUMI_CONFIG, a JSON object of every
// configuration value it hands the program.
func CLIKeys(pulumiConfig string) []string {
	var cfg map[string]json.RawMessage
	if json.Unmarshal([]byte(pulumiConfig), &cfg) != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(cfg))
}

// didYouMean names the one candidate within two edits of s, if there is one.
func didYouMean(s string, candidates []string) string {
	var close []string
	for _, c := range candidates {
		if editDistance(strings.ToLower(s), strings.ToLower(c)) <= 2 {
			close = append(close, c)
		}
	}
	if len(close) != 1 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", close[0])
}

// editDistance is the Levenshtein distance between two strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
