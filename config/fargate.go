package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// fargateSizes are the task sizes Fargate runs: each CPU size (1024 units are
// one vCPU) with the memory sizes, in MiB, it allows
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html).
// It is the one table: checkFargateSize judges a size by it, and its refusals
// list it, so a size AWS adds is one row here.
var fargateSizes = []struct {
	cpu    int
	memory []int
}{
	{256, []int{512, 1024, 2048}},
	{512, memoryRange(1024, 4096, 1024)},
	{1024, memoryRange(2048, 8192, 1024)},
	{2048, memoryRange(4096, 16384, 1024)},
	{4096, memoryRange(8192, 30720, 1024)},
	{8192, memoryRange(16384, 61440, 4096)},
	{16384, memoryRange(32768, 122880, 8192)},
}

func memoryRange(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

// checkFargateSize refuses a task size Fargate does not run, naming k.cpu or
// k.memory: a service and a preview's service are sized by the same rule.
func checkFargateSize(k string, cpu, memory int) error {
	var cpus []string
	for _, size := range fargateSizes {
		if size.cpu != cpu {
			cpus = append(cpus, strconv.Itoa(size.cpu))
			continue
		}
		if slices.Contains(size.memory, memory) {
			return nil
		}
		return errorf(k+".memory", "%d MiB is not allowed with cpu %d; Fargate allows %s", memory, cpu, describeMemory(size.memory))
	}
	return errorf(k+".cpu", "%d is not a Fargate CPU size; use %s", cpu, orList(cpus))
}

// describeMemory lists a short list of sizes, and a long one by its ends and step.
func describeMemory(mems []int) string {
	if len(mems) <= 3 {
		parts := make([]string, len(mems))
		for i, m := range mems {
			parts[i] = strconv.Itoa(m)
		}
		return strings.Join(parts, ", ") + " MiB"
	}
	return fmt.Sprintf("%d to %d MiB in steps of %d", mems[0], mems[len(mems)-1], mems[1]-mems[0])
}
