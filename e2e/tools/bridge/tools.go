//go:build tools

// Package tools pins the dynamic bridge (github.com/pulumi/pulumi-terraform-bridge/v3/dynamic).
package tools

import _ "github.com/pulumi/pulumi-terraform-bridge/v3/dynamic"
