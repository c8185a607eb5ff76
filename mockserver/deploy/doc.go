// Package deploy holds no Go code: it ships what runs rcmock as several replicas behind a
// standard proxy, and the tests that check it.
//
//   - nginx/rcmock.conf: nginx places each sandbox on one replica by a consistent hash of
//     its id (the /sandboxes/{id}/ prefix, /_mock/sandboxes/{id}, and the sandbox query
//     parameter of control calls) and pins the default world to one replica.
//   - kubernetes/ and kustomization.yaml: a StatefulSet of rcmock replicas (stable per-pod
//     names, which consistent hashing needs) behind a headless Service, and the nginx front
//     as a Deployment, a Service and a ConfigMap made from nginx/ (kubectl apply -k).
//
// Sandboxes are opened with PUT /_mock/sandboxes/{id}: the caller chooses the id, so the
// proxy can route a sandbox's first request like every later one. See README.md here.
//
// The tests start three replicas and nginx on 127.0.0.1 and run the conformance suite through
// the proxy in three parallel Ginkgo processes, each in its own sandbox (skipped, with the
// reason, where nginx is not installed), and check the manifests against the nginx files.
package deploy
