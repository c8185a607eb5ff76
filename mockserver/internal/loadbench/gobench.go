package loadbench

import (
	"cmp"
	"slices"
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
	// Metrics are the benchmark's own b.ReportMetric figures, by unit ("heapB/sandbox").
	Metrics map[string]float64
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
			default:
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					if b.Metrics == nil {
						b.Metrics = map[string]float64{}
					}
					b.Metrics[unit] = x
				}
			}
		}
		res = append(res, b)
	}
	return res
}

// MedianGoBench folds repeated runs (go test -count N) into one result per benchmark: the run
// with the median ns/op, in the order the benchmarks first appear.
func MedianGoBench(runs []GoBench) []GoBench {
	byName := map[string][]GoBench{}
	var order []string
	for _, r := range runs {
		if _, ok := byName[r.Name]; !ok {
			order = append(order, r.Name)
		}
		byName[r.Name] = append(byName[r.Name], r)
	}
	out := make([]GoBench, 0, len(order))
	for _, name := range order {
		rs := byName[name]
		slices.SortFunc(rs, func(a, b GoBench) int { return cmp.Compare(a.NsPerOp, b.NsPerOp) })
		out = append(out, rs[len(rs)/2])
	}
	return out
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

// ParseGoBenchMetrics reads the custom metrics (b.ReportMetric) of the Benchmark lines of
// `go test -bench` output: benchmark name (without the -GOMAXPROCS suffix) → unit → the value
// of each run, in order. ns/op, B/op and allocs/op are left to ParseGoBench.
func ParseGoBenchMetrics(out string) map[string]map[string][]float64 {
	res := map[string]map[string][]float64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := trimProcs(f[0])
		for i := 2; i+1 < len(f); i += 2 {
			unit := f[i+1]
			if unit == "ns/op" || unit == "B/op" || unit == "allocs/op" {
				continue
			}
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if res[name] == nil {
				res[name] = map[string][]float64{}
			}
			res[name][unit] = append(res[name][unit], v)
		}
	}
	return res
}

// Median is the middle value of vs (the mean of the two middle ones for an even count); 0
// for none.
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
