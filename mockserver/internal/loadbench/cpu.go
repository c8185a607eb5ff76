package loadbench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc CPU times (100 on Linux for every architecture Go supports).
const clockTick = 100

// MachineCPU returns the CPU time all cores have spent busy since boot (/proc/stat: user, nice,
// system, irq, softirq, steal).
func MachineCPU() (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("machine cpu: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("machine cpu: unexpected /proc/stat line %q", line)
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system (idle iowait skipped) irq softirq steal
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("machine cpu: %w", err)
		}
		ticks += n
	}
	return ticksToDuration(ticks), nil
}

// ProcessCPU returns the user and system CPU time of process pid (/proc/<pid>/stat).
func ProcessCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("process cpu: %w", err)
	}
	// The command name (field 2) may hold spaces: fields are counted after its closing paren.
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("process cpu: short /proc/%d/stat", pid)
	}
	var ticks int64
	for _, s := range f[11:13] { // utime stime: fields 14 and 15 of stat
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process cpu: %w", err)
		}
		ticks += n
	}
	return ticksToDuration(ticks), nil
}

func ticksToDuration(ticks int64) time.Duration {
	return time.Duration(ticks) * time.Second / clockTick
}
