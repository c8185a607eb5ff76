package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

// manifest is the part of a Kubernetes object these tests read.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		ClusterIP   string         `yaml:"clusterIP"`
		Selector    map[string]any `yaml:"selector"` // a Service's labels; a workload's matchLabels
		ServiceName string         `yaml:"serviceName"`
		Replicas    int            `yaml:"replicas"`
		Ports       []struct {
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []container `yaml:"containers"`
				Volumes    []struct {
					Name      string `yaml:"name"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Env   []envVar `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	VolumeMounts []volumeMount `yaml:"volumeMounts"`
}

type envVar struct {
	Name      string `yaml:"name"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name string `yaml:"name"`
			Key  string `yaml:"key"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
}

func (c container) hasEnv(name string) bool {
	return slices.ContainsFunc(c.Env, func(e envVar) bool {
		return e.Name == name
	})
}

// kustomization is the part of kustomization.yaml these tests read.
type kustomization struct {
	Resources          []string `yaml:"resources"`
	ConfigMapGenerator []struct {
		Name  string   `yaml:"name"`
		Files []string `yaml:"files"`
	} `yaml:"configMapGenerator"`
}

// readManifests decodes every object of the kustomization's resources, by kind and name.
func readManifests(t *testing.T) (kustomization, map[string]manifest) {
	t.Helper()
	var k kustomization
	decodeFile(t, "kustomization.yaml", func(d *yaml.Decoder) error { return d.Decode(&k) })
	objects := map[string]manifest{}
	for _, res := range k.Resources {
		decodeFile(t, res, func(d *yaml.Decoder) error {
			for {
				var m manifest
				if err := d.Decode(&m); errors.Is(err, io.EOF) {
					return nil
				} else if err != nil {
					return err
				}
				objects[m.Kind+"/"+m.Metadata.Name] = m
			}
		})
	}
	return k, objects
}

func decodeFile(t *testing.T, path string, decode func(*yaml.Decoder) error) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := yaml.NewDecoder(bytes.NewReader(raw))
	d.KnownFields(false)
	if err := decode(d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func object(t *testing.T, objects map[string]manifest, key string) manifest {
	t.Helper()
	m, ok := objects[key]
	if !ok {
		t.Fatalf("the manifests have no %s", key)
	}
	return m
}

// upstreamServer is a server line of the Kubernetes upstream templates.
var upstreamServer = regexp.MustCompile(`^server ([a-z0-9-]+)-(\d+)\.([a-z0-9-]+)\.\$\{POD_NAMESPACE\}\.svc\.\$\{CLUSTER_DOMAIN\}:(\d+) resolve max_fails=0;$`)

// servers reads the server lines of an upstream template: the StatefulSet, ordinal, Service
// and port of each.
func servers(t *testing.T, path string) [][4]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][4]string
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := upstreamServer.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: %q is not a server line of a StatefulSet pod", path, line)
		}
		out = append(out, [4]string{m[1], m[2], m[3], m[4]})
	}
	return out
}

// TestManifestsAgreeWithNginx: the StatefulSet's replicas are exactly the servers nginx hashes
// over, in order; the default world's server is replica 0; names, ports, labels, the control
// token's Secret and the proxy's templates all line up.
func TestManifestsAgreeWithNginx(t *testing.T) {
	k, objects := readManifests(t)
	sts := object(t, objects, "StatefulSet/rcmock")
	svc := object(t, objects, "Service/"+sts.Spec.ServiceName)
	if svc.Spec.ClusterIP != "None" {
		t.Errorf("Service %s is not headless (clusterIP %q): its pods would have no names of their own", svc.Metadata.Name, svc.Spec.ClusterIP)
	}
	for k, v := range svc.Spec.Selector {
		if sts.Spec.Template.Metadata.Labels[k] != v.(string) {
			t.Errorf("Service %s selects %s=%s, which the StatefulSet's pods do not carry", svc.Metadata.Name, k, v)
		}
	}
	rcmock := sts.Spec.Template.Spec.Containers[0]
	port := strconv.Itoa(svc.Spec.Ports[0].Port)
	if len(rcmock.Ports) != 1 || strconv.Itoa(rcmock.Ports[0].ContainerPort) != port || !slices.Contains(rcmock.Args, "--addr=0.0.0.0:"+port) {
		t.Errorf("rcmock listens on %v (args %v), the Service on %s", rcmock.Ports, rcmock.Args, port)
	}
	tokenFromSecret := slices.ContainsFunc(rcmock.Env, func(e envVar) bool {
		return e.Name == "RCMOCK_CONTROL_TOKEN" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
	})
	if !tokenFromSecret {
		t.Errorf("rcmock gets no RCMOCK_CONTROL_TOKEN from a Secret: behind the proxy its control API needs one")
	}

	all := servers(t, filepath.Join("nginx", "rcmock-replicas.upstream.template"))
	if len(all) != sts.Spec.Replicas {
		t.Errorf("nginx hashes over %d servers, the StatefulSet runs %d replicas: change both together", len(all), sts.Spec.Replicas)
	}
	for i, s := range all {
		want := [4]string{sts.Metadata.Name, strconv.Itoa(i), svc.Metadata.Name, port}
		if s != want {
			t.Errorf("server %d is %v, want pod %s-%d of Service %s on port %s", i, s, want[0], i, want[2], want[3])
		}
	}
	if def := servers(t, filepath.Join("nginx", "rcmock-default.upstream.template")); len(def) != 1 || len(all) == 0 || def[0] != all[0] {
		t.Errorf("the default world's servers %v, want replica 0 alone", def)
	}

	proxy := object(t, objects, "Deployment/rcmock-proxy")
	checkProxy(t, k, proxy)
	if ps := object(t, objects, "Service/rcmock-proxy"); ps.Spec.Selector["app.kubernetes.io/name"] != proxy.Spec.Template.Metadata.Labels["app.kubernetes.io/name"] {
		t.Errorf("Service rcmock-proxy does not select the proxy's pods")
	}
}

// checkProxy: the ConfigMap the proxy mounts as templates is the one kustomization.yaml makes
// from nginx/, which holds rcmock.conf, and every ${VARIABLE} of its templates is set on the
// nginx container; the image is recent enough for `resolve`.
func checkProxy(t *testing.T, k kustomization, proxy manifest) {
	t.Helper()
	nginx := proxy.Spec.Template.Spec.Containers[0]
	mounted := ""
	for _, v := range proxy.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil && slices.ContainsFunc(nginx.VolumeMounts, func(m volumeMount) bool {
			return m.Name == v.Name && m.MountPath == "/etc/nginx/templates"
		}) {
			mounted = v.ConfigMap.Name
		}
	}
	var files []string
	for _, g := range k.ConfigMapGenerator {
		if g.Name == mounted {
			files = g.Files
		}
	}
	if mounted == "" || !slices.Contains(files, "rcmock.conf.template=nginx/rcmock.conf") {
		t.Fatalf("the proxy mounts ConfigMap %q at /etc/nginx/templates, generated from %v: want nginx/rcmock.conf in it", mounted, files)
	}
	variable := regexp.MustCompile(`\$\{([A-Z_]+)\}`)
	// The image's envsubst replaces $NAME for every environment variable set in the container
	// (Kubernetes sets a <SERVICE>_SERVICE_HOST for every Service): rcmock.conf's nginx variables are
	// lower case, and must stay so.
	if raw, err := os.ReadFile(filepath.Join("nginx", "rcmock.conf")); err != nil {
		t.Fatal(err)
	} else if m := regexp.MustCompile(`\$\{?[A-Z][A-Z0-9_]*`).FindString(string(raw)); m != "" {
		t.Errorf("nginx/rcmock.conf has %q, which the image's envsubst could replace", m)
	}
	for _, f := range files {
		key, path, ok := strings.Cut(f, "=")
		if !ok || !strings.HasSuffix(key, ".template") {
			t.Errorf("ConfigMap file %q: want KEY.template=PATH (the image renders only *.template)", f)
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range variable.FindAllStringSubmatch(string(raw), -1) {
			if !nginx.hasEnv(m[1]) {
				t.Errorf("%s uses ${%s}, which the nginx container does not set", path, m[1])
			}
		}
	}
	tag := nginx.Image[strings.LastIndex(nginx.Image, ":")+1:]
	if v, ok := versionOf(tag); !ok || compareVersions(v, [3]int{1, 27, 3}) < 0 {
		t.Errorf("nginx image %s: `resolve` on upstream servers needs nginx 1.27.3 or later", nginx.Image)
	}
}

// versionOf reads "1.28" or "1.28.0" (a missing patch is 0).
func versionOf(tag string) ([3]int, bool) {
	var v [3]int
	parts := strings.Split(tag, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func compareVersions(a, b [3]int) int { return slices.Compare(a[:], b[:]) }

// TestKustomizationBuilds runs `kubectl kustomize` on this folder, where kubectl is installed.
func TestKustomizationBuilds(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed: `kubectl kustomize mockserver/deploy` is not run (the manifests are still checked by TestManifestsAgreeWithNginx)")
	}
	out, err := exec.Command(kubectl, "kustomize", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	for _, want := range []string{"kind: StatefulSet", "kind: Deployment", "kind: ConfigMap", "hash $rcmock_sandbox consistent;"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kubectl kustomize output lacks %q", want)
		}
	}
}
