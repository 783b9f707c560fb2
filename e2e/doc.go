// Package e2e is fargo's end-to-end suite: it deploys the real program with the
// real Pulumi engine and the real Terraform AWS provider against moto. See README.md.
package e2e
