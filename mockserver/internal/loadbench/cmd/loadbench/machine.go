package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where a run happened.
type machine struct {
	nproc              int
	cpu, memTotal      string
	goVersion, kernel  string
	wrkVersion         string
	loadStart, loadEnd string
}

func readMachine(ctx context.Context) machine {
	m := machine{nproc: runtime.NumCPU(), loadStart: readLoadAvg()}
	m.cpu = procField("/proc/cpuinfo", "model name")
	m.memTotal = procField("/proc/meminfo", "MemTotal")
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(data))
	}
	out, _ := exec.CommandContext(ctx, "wrk", "--version").CombinedOutput()
	m.wrkVersion, _, _ = strings.Cut(strings.TrimSpace(string(out)), " Copyright")
	return m
}

// procField returns the value of the first "key: value" line of a /proc file with that key.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// readLoadAvg returns the 1, 5 and 15 minute load averages.
func readLoadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
