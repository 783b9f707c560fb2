package config

import "testing"

func TestCheckFargateSizeAccepts(t *testing.T) {
	for _, c := range []struct{ cpu, memory int }{
		{256, 512}, {256, 1024}, {256, 2048},
		{512, 1024}, {512, 3072}, {512, 4096},
		{1024, 2048}, {1024, 8192},
		{2048, 4096}, {2048, 16384},
		{4096, 8192}, {4096, 30720},
		{8192, 16384}, {8192, 20480}, {8192, 61440},
		{16384, 32768}, {16384, 40960}, {16384, 122880},
	} {
		if err := checkFargateSize("fargo:services.web", c.cpu, c.memory); err != nil {
			t.Errorf("cpu %d, memory %d: %v", c.cpu, c.memory, err)
		}
	}
}

func TestCheckFargateSizeRefuses(t *testing.T) {
	const cpus = "use 256, 512, 1024, 2048, 4096, 8192 or 16384"
	for _, c := range []struct {
		name        string
		cpu, memory int
		want        refusal
	}{
		{"not a CPU size", 300, 1024, refusal{key: "fargo:services.web.cpu", msg: "300 is not a Fargate CPU size; " + cpus}},
		{"no CPU", 0, 512, refusal{key: "fargo:services.web.cpu", msg: "0 is not a Fargate CPU size; " + cpus}},
		{"vCPUs, not units", 1, 2048, refusal{key: "fargo:services.web.cpu", msg: "1 is not a Fargate CPU size; " + cpus}},
		{"too much memory for the smallest", 256, 4096, refusal{key: "fargo:services.web.memory", msg: "4096 MiB is not allowed with cpu 256; Fargate allows 512, 1024, 2048 MiB"}},
		{"between the smallest's sizes", 256, 1536, refusal{key: "fargo:services.web.memory", msg: "1536 MiB is not allowed with cpu 256; Fargate allows 512, 1024, 2048 MiB"}},
		{"too little memory", 1024, 1024, refusal{key: "fargo:services.web.memory", msg: "1024 MiB is not allowed with cpu 1024; Fargate allows 2048 to 8192 MiB in steps of 1024"}},
		{"off the step", 8192, 18432, refusal{key: "fargo:services.web.memory", msg: "18432 MiB is not allowed with cpu 8192; Fargate allows 16384 to 61440 MiB in steps of 4096"}},
		{"above the largest", 16384, 131072, refusal{key: "fargo:services.web.memory", msg: "131072 MiB is not allowed with cpu 16384; Fargate allows 32768 to 122880 MiB in steps of 8192"}},
		{"memory in GB", 512, 2, refusal{key: "fargo:services.web.memory", msg: "2 MiB is not allowed with cpu 512; Fargate allows 1024 to 4096 MiB in steps of 1024"}},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusals(t, checkFargateSize("fargo:services.web", c.cpu, c.memory), c.want) })
	}
}

// TestServicesAndPreviewsShareTheFargateRule: a service and a preview's
// service are refused alike, each under its own key.
func TestServicesAndPreviewsShareTheFargateRule(t *testing.T) {
	for _, c := range []struct {
		name, service, preview string
		want                   string
	}{
		{"cpu", `{"cpu":300}`, `{"cpu":300}`, "300 is not a Fargate CPU size; use 256, 512, 1024, 2048, 4096, 8192 or 16384"},
		{"memory", `{"cpu":256,"memory":4096}`, `{"cpu":256,"memory":4096}`, "4096 MiB is not allowed with cpu 256; Fargate allows 512, 1024, 2048 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseService("fargo:services", "web", []byte(c.service))
			wantRefusals(t, err, refusal{key: "fargo:services.web." + c.name, msg: c.want})

			p := &Config{Project: "fargo", Stack: "pr1"}
			err = p.parsePreview(stackFile(map[string]string{"fargo:preview": `{"port":8001,"services":{"web":` + c.preview + `}}`}))
			wantRefusals(t, err, refusal{key: "fargo:preview.services.web." + c.name, msg: c.want})
		})
	}
}
