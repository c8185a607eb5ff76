# rcinvite — one file for every entry point. `make help` lists the targets.

GO          ?= go
ADDR        ?= 127.0.0.1:3000
TARGET      ?= mock
RC_VERSION  ?= 8.4.0
IMAGE       ?= rcinvite/rcmock:dev
# A count (Nx), not a duration: go1.26's fuzz coordinator can fail a clean run that ends on a
# -fuzztime deadline with "context deadline exceeded" (golang/go#75804, fixed in go1.27).
FUZZTIME    ?= 50000x
FUZZPARALLEL ?= 1
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
REPORTS     := $(CURDIR)/reports

export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= localhost

.PHONY: help mock build test unit conformance conformance-container lint vet image fuzz bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

mock: ## run the mock Rocket.Chat on $(ADDR) with the default fixtures
	$(GO) run ./mockserver/cmd/rcmock --addr $(ADDR) --strict

build: ## build a static rcmock binary into build/
	CGO_ENABLED=0 $(GO) build -trimpath -o build/rcmock ./mockserver/cmd/rcmock

test: vet ## vet, all tests with -race (conformance against the in-process mock and the mock's container)
	@if docker info >/dev/null 2>&1; then $(MAKE) --no-print-directory image; \
	  else echo "make test: no Docker engine answers; the container conformance target will skip and say why"; fi
	$(GO) test -race -count=1 ./...
	RCINVITE_TARGET=container $(GO) test -race -count=1 ./conformance/...

vet: ## go vet
	$(GO) vet ./...

lint: ## gofmt check, go vet, staticcheck (pinned)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

conformance: ## the conformance suite against TARGET (mock|url|container|rocketchat); JUnit and JSON reports in reports/
	@mkdir -p $(REPORTS)
	RCINVITE_TARGET=$(TARGET) RC_VERSION=$(RC_VERSION) $(GO) test -count=1 -timeout 30m ./conformance/... \
	  -ginkgo.junit-report=$(REPORTS)/junit.xml -ginkgo.json-report=$(REPORTS)/report.json

image: build ## the rcmock image (FROM scratch around the static binary)
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
