package target

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// dockerEnv sets what testcontainers needs on these machines unless the caller chose
// otherwise: no reaper (its image cannot be pulled) and traffic aimed at this machine. It
// also sends testcontainers' own log lines (its connection banner) to c.Logf, or nowhere.
func dockerEnv(c Config) {
	setenvDefault("TESTCONTAINERS_RYUK_DISABLED", "true")
	setenvDefault("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
	if c.Logf != nil {
		tclog.SetDefault(printf(c.Logf))
	} else {
		tclog.SetDefault(tclog.NewNoopLogger())
	}
}

// printf adapts a Printf-like function to testcontainers' Logger.
type printf func(format string, args ...any)

func (f printf) Printf(format string, args ...any) { f(format, args...) }

// image is an image a target runs, and how to get it where it is missing.
type image struct{ name, remedy string }

// dockerUnavailable returns why containers from images cannot run here, and how to fix it, in
// one line ("" when they can): no Docker engine answers, or an image is not present locally.
// Targets never pull: a missing image would make testcontainers retry a pull for up to 15
// minutes. Some testcontainers paths panic without an engine, so the probe runs under recover.
func dockerUnavailable(ctx context.Context, images ...image) (reason string) {
	const startEngine = "start one (.ci/run installs Debian's docker.io and starts dockerd)"
	defer func() {
		if r := recover(); r != nil {
			reason = oneLine(fmt.Sprintf("no usable Docker engine (testcontainers panicked: %v): %s", r, startEngine))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(tclog.NewNoopLogger()))
	if err != nil {
		return oneLine(fmt.Sprintf("no Docker engine (%v): %s", err, startEngine))
	}
	defer p.Close()
	if _, err := p.Client().Info(ctx, client.InfoOptions{}); err != nil {
		return oneLine(fmt.Sprintf("no Docker engine answers (%v): %s", err, startEngine))
	}
	for _, img := range images {
		if _, err := p.Client().ImageInspect(ctx, img.name); err != nil {
			if errdefs.IsNotFound(err) {
				return fmt.Sprintf("image %s is not present locally (targets never pull): %s", img.name, img.remedy)
			}
			return oneLine(fmt.Sprintf("inspect image %s: %v", img.name, err))
		}
	}
	return ""
}

// oneLine folds a message onto one line: an Unavailable reason is shown as one.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// terminate is a Stop step that removes a container.
func terminate(c *testcontainers.DockerContainer) func(context.Context) error {
	return func(ctx context.Context) error {
		if c == nil {
			return nil
		}
		return c.Terminate(ctx)
	}
}
