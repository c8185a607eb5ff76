package target

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
)

// startContainer runs the rcmock image (c.Image) with host networking, listening on
// 127.0.0.1:<free port>, and waits for GET /api/info. The image must be present locally
// (make image); without it, or without a Docker engine, the target is unavailable.
func startContainer(ctx context.Context, c Config, s *Started) error {
	dockerEnv(c)
	remedy := "build it with make image IMAGE=" + c.Image
	if reason := dockerUnavailable(ctx, image{c.Image, remedy}); reason != "" {
		s.Unavailable = reason
		return nil
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"--addr", addr, "--strict"}
	if c.Emulate != "" {
		args = append(args, "--emulate", c.Emulate)
	}
	env := map[string]string{}
	if c.ControlToken != "" { // in the environment: a flag shows in the process list (rcmock warns)
		env["RCMOCK_CONTROL_TOKEN"] = c.ControlToken
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c.logf("starting %s on %s", c.Image, addr)
	ctr, err := testcontainers.Run(ctx, c.Image,
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		testcontainers.WithCmd(args...),
		testcontainers.WithEnv(env),
		// Host networking: rcmock listens on the loopback address itself, so nothing is
		// published on other interfaces.
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.NetworkMode = "host" }),
		testcontainers.WithExposedPorts(strconv.Itoa(port)+"/tcp"),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/api/info").
			WithPort(strconv.Itoa(port)+"/tcp").
			WithForcedIPv4LocalHost().
			WithStartupTimeout(time.Minute)),
	)
	s.onStop(terminate(ctr))
	if err != nil {
		return fmt.Errorf("run %s: %w", c.Image, err)
	}
	s.URL = "http://" + addr
	s.ControlToken = c.ControlToken
	s.Capabilities = []Capability{Clock, Sandboxes, Fixtures, Settings}
	return nil
}
