# Makefile for the hospital RTLS. `make help` lists the targets.

GO       ?= go
BIN      := $(CURDIR)/bin
FUZZTIME ?= 30s

# Code generation: Debian's protoc (apt-get install protobuf-compiler) with
# the well-known types in $(PROTOC_INCLUDE), plugins pinned here and
# installed into $(BIN) by `make tools`.
PROTOC                     ?= protoc
PROTOC_INCLUDE             ?= /usr/include
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.5.1
GRPC_GATEWAY_VERSION       := v2.34.0
GRPCURL_VERSION            := v1.9.4
PROTO_DIR                  := proto
PROTO_FILES                := $(sort $(wildcard $(PROTO_DIR)/rtls/v1/*.proto))
# The JSON/HTTP face: routes of proto/rtls/v1/gateway.yaml, and every other
# RPC at POST /rtls.v1.<Service>/<Method> (generate_unbound_methods).
GATEWAY_CONFIG             := $(PROTO_DIR)/rtls/v1/gateway.yaml
OPENAPI_OUT                := gateway/openapi

.DEFAULT_GOAL := build

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: build
build: ## compile every package; binaries of ./cmd/... into bin/
	$(GO) build ./...
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

# ARGS are extra flags of rtlsd, e.g. when a default port is taken:
#   make run ARGS='--grpc-addr :50052 --metrics-addr :9465'
ARGS ?=

.PHONY: run
run: ## run the server with the demo site (extra rtlsd flags: ARGS='--grpc-addr :50052')
	$(GO) run ./cmd/rtlsd --demo --insecure $(ARGS)

# NORACE run without the race detector: it makes the engine's replays
# (and the accuracy guards, built only without it) many times slower.
# location's one concurrent part, the engine's workers, runs under -race on
# its own (RACE_LOCATION: the replays with several workers). Every other
# package runs under -race. TWICE run under -race (their concurrent parts)
# and again without it: their long single-goroutine simulations skip
# themselves under -race. The runs without the race detector go alongside
# the one with it, and four parallel tests at a time (not GOMAXPROCS): the
# server's tests spend much of their time waiting on real time (a paused
# Redis, a lease running out), which leaves the cores free.
MODULE := github.com/hospitalrtls/rtls
NORACE := location floorplans internal/score
TWICE  := internal/sim
RACE_LOCATION := -run 'Workers'

.PHONY: test
test: ## vet; tests with the race detector and, alongside, the single-goroutine code (and the accuracy guards) without
	$(GO) vet ./...
	$(GO) test $(addprefix ./,$(NORACE) $(TWICE)) & plain=$$!; \
	$(GO) test -race $(RACE_LOCATION) ./location & loc=$$!; \
	$(GO) test -race -parallel 4 $$($(GO) list ./... | grep -vxF $(foreach p,$(NORACE),-e $(MODULE)/$(p))); race=$$?; \
	wait $$plain; plain=$$?; wait $$loc; loc=$$?; test $$race = 0 && test $$loc = 0 && test $$plain = 0

.PHONY: bench
bench: ## run the benchmarks
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# soak runs rtlsload's hospital mix for SOAK_DURATION at SOAK_RATE
# sightings/s against rtlsd with a real redis-server on loopback (both
# started by cmd/rtlsload/soak.sh), a row every 10 s; the report's JSON goes
# to soak.json. SOAK_RESTART_EVERY=120 restarts rtlsd that often.
SOAK_DURATION      ?= 10m
SOAK_RATE          ?= 50000
SOAK_RESTART_EVERY ?= 0

.PHONY: soak
soak: build ## 10-minute hospital-mix soak against rtlsd and a real redis-server (SOAK_RATE, SOAK_DURATION)
	DURATION=$(SOAK_DURATION) RATE=$(SOAK_RATE) RESTART_EVERY=$(SOAK_RESTART_EVERY) \
		RTLSD=$(BIN)/rtlsd RTLSLOAD=$(BIN)/rtlsload cmd/rtlsload/soak.sh

# capacity runs the capacity curve (cmd/rtlsload/capacity.sh): for each
# build of CAPACITY_BUILDS ("name=path/to/rtlsd ...", built with -tags
# pprof for profiles; empty: this tree) and each rate of CAPACITY_RATES, a
# fresh rtlsd on a fresh redis-server for CAPACITY_POINT seconds.
CAPACITY_BUILDS ?=
CAPACITY_RATES  ?= 20000 40000 70000 100000 150000
CAPACITY_POINT  ?= 40

.PHONY: capacity
capacity: ## capacity curve: offered vs clean sightings/s, 5.03, dropped, CPU per sighting (a markdown table)
	BUILDS="$(CAPACITY_BUILDS)" RATES="$(CAPACITY_RATES)" POINT=$(CAPACITY_POINT) cmd/rtlsload/capacity.sh

# fuzz runs every Fuzz target of every package for FUZZTIME each
# (go test -fuzz takes one target of one package at a time).
.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 30s)
	@set -e; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u); do \
		for target in $$($(GO) test -list '^Fuzz' $$dir | grep '^Fuzz'); do \
			echo "== $$dir $$target"; \
			$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$dir; \
		done; \
	done

.PHONY: lint
lint: ## check gofmt and go vet
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: proto
proto: tools-proto ## regenerate the protobuf and gRPC code beside the .proto files
	PATH="$(BIN):$$PATH" $(PROTOC) -I $(PROTO_DIR) -I $(PROTOC_INCLUDE) \
		--go_out=$(PROTO_DIR) --go_opt=paths=source_relative \
		--go-grpc_out=$(PROTO_DIR) --go-grpc_opt=paths=source_relative \
		--grpc-gateway_out=$(PROTO_DIR) --grpc-gateway_opt=paths=source_relative \
		--grpc-gateway_opt=grpc_api_configuration=$(GATEWAY_CONFIG),generate_unbound_methods=true \
		--openapiv2_out=$(OPENAPI_OUT) --openapiv2_opt=grpc_api_configuration=$(GATEWAY_CONFIG),openapi_configuration=$(PROTO_DIR)/rtls/v1/openapi.yaml \
		--openapiv2_opt=generate_unbound_methods=true,allow_merge=true,merge_file_name=rtls \
		--openapiv2_opt=json_names_for_fields=false \
		$(PROTO_FILES)
	@# One list of every service's gateway handler, so a new service is served without hand work.
	@{ printf '%s\n' '// Code generated by make proto. DO NOT EDIT.' '' 'package rtlsv1' '' \
		'import (' '	"context"' '' '	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"' '	"google.golang.org/grpc"' ')' '' \
		'// GatewayHandlers register the JSON/HTTP handlers of every service of this' \
		'// package on a grpc-gateway mux, each calling the service over conn.' \
		'var GatewayHandlers = []func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error{'; \
	  grep -ho '^func Register[A-Za-z0-9]*Handler(' $(PROTO_DIR)/rtls/v1/*.pb.gw.go | sed 's/^func \(.*\)(/	\1,/' | sort; \
	  echo '}'; } > $(PROTO_DIR)/rtls/v1/gateway_handlers.go

.PHONY: web
web: ## rebuild the web app into web/dist (embedded in rtlsd) from the locked web/package.json
	cd web && npm ci --no-audit --no-fund && npm run build

.PHONY: tools
tools: tools-proto tools-grpcurl ## install the pinned protoc plugins and grpcurl into bin/

# Each tool is (re)installed only when bin/ lacks it at the pinned version.
.PHONY: tools-proto
tools-proto:
	@$(BIN)/protoc-gen-go --version 2>/dev/null | grep -qx 'protoc-gen-go $(PROTOC_GEN_GO_VERSION)' || \
		GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	@$(BIN)/protoc-gen-go-grpc --version 2>/dev/null | grep -qx 'protoc-gen-go-grpc $(PROTOC_GEN_GO_GRPC_VERSION:v%=%)' || \
		GOBIN=$(BIN) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	@$(BIN)/protoc-gen-grpc-gateway --version 2>/dev/null | grep -q '^Version $(GRPC_GATEWAY_VERSION),' || \
		GOBIN=$(BIN) $(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GRPC_GATEWAY_VERSION)
	@$(BIN)/protoc-gen-openapiv2 --version 2>/dev/null | grep -q '^Version $(GRPC_GATEWAY_VERSION),' || \
		GOBIN=$(BIN) $(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GRPC_GATEWAY_VERSION)

.PHONY: tools-grpcurl
tools-grpcurl:
	@$(GO) version -m $(BIN)/grpcurl 2>/dev/null | grep -q 'mod[[:space:]]*github.com/fullstorydev/grpcurl[[:space:]]*$(GRPCURL_VERSION)[[:space:]]' || \
		GOBIN=$(BIN) $(GO) install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)
