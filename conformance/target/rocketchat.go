package target

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tcexec "github.com/testcontainers/testcontainers-go/exec"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// startRocketChat runs a real Rocket.Chat (c.RCImage) against MongoDB (c.MongoImage) as a
// single-node replica set on a private network, the way Rocket.Chat's own CI does
// (docker-compose-ci.yml in the Rocket.Chat repository). Both images must be present locally. Published ports are
// bound to 127.0.0.1. The target gains capability database through MongoDB's published port.
func startRocketChat(ctx context.Context, c Config, s *Started) error {
	dockerEnv(c)
	if reason := dockerUnavailable(ctx, image{c.MongoImage, "docker pull " + c.MongoImage}, image{c.RCImage, "docker pull " + c.RCImage}); reason != "" {
		s.Unavailable = reason
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 8*time.Minute)
	defer cancel()
	nw, err := network.New(ctx)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	s.onStop(func(ctx context.Context) error { return nw.Remove(ctx) })

	c.logf("starting %s (replica set rs0)", c.MongoImage)
	mongo, err := testcontainers.Run(ctx, c.MongoImage,
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		testcontainers.WithCmd("--replSet", "rs0", "--bind_ip_all"),
		network.WithNetwork([]string{"mongo"}, nw),
		testcontainers.WithExposedPorts("27017/tcp"),
		testcontainers.WithHostConfigModifier(loopbackPorts("27017/tcp")),
		testcontainers.WithWaitStrategy(wait.ForLog("Waiting for connections").WithStartupTimeout(2*time.Minute)),
	)
	s.onStop(terminate(mongo))
	if err != nil {
		return fmt.Errorf("run %s: %w", c.MongoImage, err)
	}
	if err := initiateReplicaSet(ctx, mongo); err != nil {
		return err
	}
	mongoPort, err := mongo.MappedPort(ctx, "27017/tcp")
	if err != nil {
		return fmt.Errorf("mongo port: %w", err)
	}

	c.logf("starting %s (first boot takes 30-90 s)", c.RCImage)
	rc, err := testcontainers.Run(ctx, c.RCImage,
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		network.WithNetwork([]string{"rocketchat"}, nw),
		testcontainers.WithEnv(map[string]string{
			"MONGO_URL":                           "mongodb://mongo:27017/rocketchat?replicaSet=rs0",
			"ROOT_URL":                            "http://localhost:3000",
			"PORT":                                "3000",
			"DEPLOY_METHOD":                       "docker",
			"TEST_MODE":                           "true",
			"OVERWRITE_SETTING_Show_Setup_Wizard": "completed",
			"OVERWRITE_SETTING_Accounts_Registration_InviteUrlType": "direct",
		}),
		testcontainers.WithExposedPorts("3000/tcp"),
		testcontainers.WithHostConfigModifier(loopbackPorts("3000/tcp")),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/api/info").
			WithPort("3000/tcp").
			WithForcedIPv4LocalHost().
			WithPollInterval(2*time.Second).
			WithStartupTimeout(5*time.Minute)),
	)
	s.onStop(terminate(rc))
	if err != nil {
		return fmt.Errorf("run %s: %w", c.RCImage, err)
	}
	rcPort, err := rc.MappedPort(ctx, "3000/tcp")
	if err != nil {
		return fmt.Errorf("rocket.chat port: %w", err)
	}
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", rcPort.Num())
	// The replica set knows its member as mongo:27017, which the host cannot resolve:
	// connect to the one member directly.
	s.MongoURL = fmt.Sprintf("mongodb://127.0.0.1:%d/rocketchat?directConnection=true", mongoPort.Num())
	s.Capabilities = []Capability{Database}
	return nil
}

// loopbackPorts binds the given container ports to 127.0.0.1 (on a free host port) instead of
// Docker's default 0.0.0.0.
func loopbackPorts(ports ...string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		if hc.PortBindings == nil {
			hc.PortBindings = mobynet.PortMap{}
		}
		for _, p := range ports {
			hc.PortBindings[mobynet.MustParsePort(p)] = []mobynet.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1")}}
		}
	}
}

// initiateReplicaSet runs rs.initiate in the mongo container and waits until it is primary.
func initiateReplicaSet(ctx context.Context, mongo *testcontainers.DockerContainer) error {
	initiate := `rs.initiate({_id:'rs0',members:[{_id:0,host:'mongo:27017'}]})`
	if out, err := mongosh(ctx, mongo, initiate); err != nil {
		return fmt.Errorf("rs.initiate: %w: %s", err, out)
	}
	for {
		out, err := mongosh(ctx, mongo, `db.hello().isWritablePrimary`)
		if err == nil && strings.TrimSpace(out) == "true" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica set rs0 never became primary: %w (last answer %q)", ctx.Err(), out)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func mongosh(ctx context.Context, mongo *testcontainers.DockerContainer, script string) (string, error) {
	code, r, err := mongo.Exec(ctx, []string{"mongosh", "--quiet", "--eval", script}, tcexec.Multiplexed())
	if err != nil {
		return "", err
	}
	out, _ := io.ReadAll(r)
	if code != 0 {
		return string(out), fmt.Errorf("mongosh exited %d", code)
	}
	return string(out), nil
}
