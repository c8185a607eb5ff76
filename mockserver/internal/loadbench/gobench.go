package loadbench

import (
	"strconv"
	"strings"
)

// GoBench is one result line of `go test -bench -benchmem`.
type GoBench struct {
	Name        string  // full name without the -GOMAXPROCS suffix
	N           int64   // iterations
	NsPerOp     float64 // ns/op
	BytesPerOp  int64   // B/op
	AllocsPerOp int64   // allocs/op
}

// ParseGoBench reads the Benchmark lines of `go test -bench -benchmem` output.
func ParseGoBench(out string) []GoBench {
	var res []GoBench
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		b := GoBench{Name: trimProcs(f[0]), N: n}
		for i := 2; i+1 < len(f); i += 2 {
			v, unit := f[i], f[i+1]
			switch unit {
			case "ns/op":
				b.NsPerOp, _ = strconv.ParseFloat(v, 64)
			case "B/op":
				b.BytesPerOp, _ = strconv.ParseInt(v, 10, 64)
			case "allocs/op":
				b.AllocsPerOp, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		res = append(res, b)
	}
	return res
}

// trimProcs drops the "-8" GOMAXPROCS suffix go test appends to a benchmark's name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}
