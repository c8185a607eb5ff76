package loadbench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a server started by Start, listening on Addr.
type Process struct {
	Name    string        // label for reports
	Addr    string        // host:port it listens on
	Startup time.Duration // from exec to the first 200 of GET /api/info
	cmd     *exec.Cmd
	done    chan error
}

// pollEvery is how often Start asks a starting server for /api/info.
const pollEvery = time.Millisecond

// Start execs argv (its stdout and stderr discarded unless log is set) and waits until
// GET http://addr/api/info answers 200, or until timeout. Startup is measured from just
// before exec to that first 200.
func Start(ctx context.Context, name, addr string, timeout time.Duration, log *os.File, argv ...string) (*Process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // node's children die with it
	if log != nil {
		cmd.Stdout, cmd.Stderr = log, log
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + addr + "/api/info"
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, Addr: addr, cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.Startup = time.Since(begin)
				return p, nil
			}
		}
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("start %s: exited before answering: %v", name, err)
		case <-deadline.C:
			p.Stop()
			return nil, fmt.Errorf("start %s: no 200 from %s within %s", name, url, timeout)
		case <-ctx.Done():
			p.Stop()
			return nil, fmt.Errorf("start %s: %w", name, ctx.Err())
		case <-tick.C:
		}
	}
}

// PID is the process id of the server.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop ends the server's process group (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (p *Process) Stop() {
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
}

// Memory is a process's resident set as /proc/<pid>/status reports it.
type Memory struct {
	RSS  int64 // VmRSS in bytes
	Peak int64 // VmHWM in bytes
}

// ReadMemory reads VmRSS and VmHWM of pid from /proc.
func ReadMemory(pid int) (Memory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("read memory: %s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	if m.RSS == 0 {
		return Memory{}, errors.New("read memory: no VmRSS in /proc status")
	}
	return m, nil
}
