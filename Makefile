# rcinvite — one file for every entry point. `make help` lists the targets.

GO          ?= go
ADDR        ?= 127.0.0.1:3000
# The conformance target and its settings; each also reads its RCINVITE_* variable from the
# environment (README, "Environment variables").
TARGET      ?= $(or $(RCINVITE_TARGET),mock)
RC_VERSION  ?= 8.4.0
EMULATE     ?= $(RCINVITE_EMULATE)
IMAGE       ?= $(or $(RCINVITE_IMAGE),rcinvite/rcmock:dev)
REPORTS     ?= reports
# The runs make report combines: report.json files, or the folders holding them.
RUNS        ?= $(wildcard $(REPORTS)/*/report.json)
# go test timeouts; the workflows' timeout-minutes exceed them, so Go reports before a job dies.
TEST_TIMEOUT        ?= 15m
CONFORMANCE_TIMEOUT ?= 30m
# A count (Nx), not a duration: go1.26's fuzz coordinator can fail a clean run that ends on a
# -fuzztime deadline with "context deadline exceeded" (golang/go#75804, fixed in go1.27).
FUZZTIME    ?= 50000x
FUZZPARALLEL ?= 1
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= localhost

.PHONY: help mock build test lint vet conformance report image fuzz bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

mock: ## run the mock Rocket.Chat on ADDR (127.0.0.1:3000) with the default fixtures, --strict
	$(GO) run ./mockserver/cmd/rcmock --addr $(ADDR) --strict

build: ## build a static rcmock binary into build/
	CGO_ENABLED=0 $(GO) build -trimpath -o build/rcmock ./mockserver/cmd/rcmock

# The conformance suite runs in its folder without package arguments (go test's local
# directory mode), so that its summary shows on success too.
test: vet ## vet, all tests with -race, then the conformance suite against the rcmock image IMAGE (built first when a Docker engine answers)
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	@if docker info >/dev/null 2>&1; then $(MAKE) --no-print-directory image IMAGE=$(IMAGE); \
	  else echo "make test: no Docker engine answers: the conformance suite against the rcmock container skips every spec, and its summary says so"; fi
	cd conformance && RCINVITE_TARGET=container RCINVITE_IMAGE=$(IMAGE) \
	  RCINVITE_ALLOW_UNAVAILABLE=$$(docker info >/dev/null 2>&1 && echo false || echo true) \
	  $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT)

vet: ## go vet
	$(GO) vet ./...

lint: ## gofmt check, go vet, staticcheck (pinned)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

conformance: ## the suite against TARGET (mock|url|container|rocketchat; IMAGE, EMULATE, RC_VERSION): summary on the terminal, reports in REPORTS
	cd conformance && RCINVITE_TARGET=$(TARGET) RC_VERSION=$(RC_VERSION) RCINVITE_IMAGE=$(IMAGE) \
	  RCINVITE_EMULATE=$(EMULATE) RCINVITE_REPORT_DIR=$(abspath $(REPORTS)) \
	  $(GO) test -count=1 -timeout $(CONFORMANCE_TIMEOUT)

report: ## combine several runs (RUNS; default every REPORTS/*/report.json) into REPORTS/matrix.html and matrix.md
	@if [ -z "$(strip $(RUNS))" ]; then echo "make report: no runs in $(REPORTS)/*/report.json: run make conformance REPORTS=$(REPORTS)/<name> for each target first, or name them with RUNS=..."; exit 2; fi
	$(GO) run ./report/cmd/rcreport -o $(REPORTS) $(RUNS)

image: build ## the rcmock image IMAGE (FROM scratch around the static binary)
	docker build -t $(IMAGE) .

fuzz: ## run every fuzz target for FUZZTIME (executions, e.g. 50000x) each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -parallel $(FUZZPARALLEL) $$pkg; \
	  done; \
	done

bench: ## rcmock vs a bare net/http floor, Prism, WireMock and Mockoon (wrk, 64 conns, interleaved), start-up, memory, scale on paper, Go benchmarks; rewrites BENCHMARKS.md (needs wrk, java and npm)
	@command -v wrk >/dev/null || { echo "make bench: needs wrk (apt-get install -y wrk)"; exit 1; }
	$(GO) run ./mockserver/internal/loadbench/cmd/loadbench -out BENCHMARKS.md
