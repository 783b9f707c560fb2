package infra

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/envname"
)

// ContainerDefinition is the subset of an ECS container definition fargo writes.
type ContainerDefinition struct {
	Name                   string            `json:"name"`
	Image                  string            `json:"image"`
	Essential              bool              `json:"essential"`
	User                   string            `json:"user,omitempty"`
	ReadonlyRootFilesystem bool              `json:"readonlyRootFilesystem"`
	Privileged             bool              `json:"privileged"`
	StopTimeout            int               `json:"stopTimeout"`
	PortMappings           []PortMapping     `json:"portMappings"`
	Environment            []NameValue       `json:"environment"`
	Secrets                []NameValueFrom   `json:"secrets,omitempty"`
	MountPoints            []MountPoint      `json:"mountPoints"`
	LogConfiguration       *LogConfiguration `json:"logConfiguration"`
	DockerLabels           map[string]string `json:"dockerLabels,omitempty"`
}

// PortMapping is a container port.
type PortMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

// NameValue is an environment variable.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NameValueFrom is a secret environment variable.
type NameValueFrom struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

// MountPoint mounts a task volume into the container.
type MountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

// LogConfiguration sends the container's output to CloudWatch Logs.
type LogConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

// ContainerDefinitions returns the task definition's container JSON for a service.
func ContainerDefinitions(svc config.ServiceConfig, image, logGroup, region, account string) (string, error) {
	env := make([]NameValue, 0, len(svc.Environment))
	for k, v := range svc.Environment {
		env = append(env, NameValue{Name: k, Value: v})
	}
	sort.Slice(env, func(i, j int) bool { return env[i].Name < env[j].Name })
	var secrets []NameValueFrom
	for k, v := range svc.Secrets {
		ref, _ := config.ParseSecretRef(v)
		secrets = append(secrets, NameValueFrom{Name: k, ValueFrom: ref.ARN(region, account)})
	}
	sort.Slice(secrets, func(i, j int) bool { return secrets[i].Name < secrets[j].Name })
	readonly := svc.ReadonlyRootFilesystem == nil || *svc.ReadonlyRootFilesystem
	def := ContainerDefinition{
		Name:                   svc.Name,
		Image:                  image,
		Essential:              true,
		User:                   svc.User,
		ReadonlyRootFilesystem: readonly,
		StopTimeout:            StopTimeoutSeconds,
		PortMappings:           []PortMapping{{ContainerPort: svc.Port, Protocol: "tcp"}},
		Environment:            env,
		Secrets:                secrets,
		MountPoints:            []MountPoint{{SourceVolume: "scratch", ContainerPath: ScratchPath}},
		LogConfiguration: &LogConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         logGroup,
			"awslogs-region":        region,
			"awslogs-stream-prefix": svc.Name,
		}},
	}
	if len(svc.NotSecret) > 0 {
		// The declaration travels with the task definition, where the checks read it.
		def.DockerLabels = map[string]string{envname.PlainLabel: strings.Join(slices.Sorted(slices.Values(svc.NotSecret)), ",")}
	}
	b, err := json.Marshal([]ContainerDefinition{def})
	return string(b), err
}
