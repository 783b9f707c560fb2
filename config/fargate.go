package config

import (
	"fmt"
	"strconv"
	"strings"
)

// fargatePairs maps each Fargate CPU size to its allowed memory sizes in MiB.
var fargatePairs = map[int][]int{
	256:   {512, 1024, 2048},
	512:   memoryRange(1024, 4096, 1024),
	1024:  memoryRange(2048, 8192, 1024),
	2048:  memoryRange(4096, 16384, 1024),
	4096:  memoryRange(8192, 30720, 1024),
	8192:  memoryRange(16384, 61440, 4096),
	16384: memoryRange(32768, 122880, 8192),
}

func memoryRange(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

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
