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
GRPCURL_VERSION            := v1.9.4
PROTO_DIR                  := proto
PROTO_FILES                := $(sort $(wildcard $(PROTO_DIR)/rtls/v1/*.proto))

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

# NORACE are the packages with no goroutines and no locks: the race
# detector has nothing to find there and makes the engine's replays (and
# the accuracy guard, built only without it) many times slower. Every other
# package runs under -race. TWICE run under -race (their concurrent parts)
# and again without it: their long single-goroutine simulations skip
# themselves under -race.
MODULE := github.com/hospitalrtls/rtls
NORACE := location floorplans internal/score
TWICE  := internal/sim

.PHONY: test
test: ## vet; tests with the race detector, then the single-goroutine code (and the accuracy guard) without
	$(GO) vet ./...
	$(GO) test -race $$($(GO) list ./... | grep -vxF $(foreach p,$(NORACE),-e $(MODULE)/$(p)))
	$(GO) test $(addprefix ./,$(NORACE) $(TWICE))

.PHONY: bench
bench: ## run the benchmarks
	$(GO) test -run='^$$' -bench=. -benchmem ./...

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
		$(PROTO_FILES)

.PHONY: tools
tools: tools-proto tools-grpcurl ## install the pinned protoc plugins and grpcurl into bin/

# Each tool is (re)installed only when bin/ lacks it at the pinned version.
.PHONY: tools-proto
tools-proto:
	@$(BIN)/protoc-gen-go --version 2>/dev/null | grep -qx 'protoc-gen-go $(PROTOC_GEN_GO_VERSION)' || \
		GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	@$(BIN)/protoc-gen-go-grpc --version 2>/dev/null | grep -qx 'protoc-gen-go-grpc $(PROTOC_GEN_GO_GRPC_VERSION:v%=%)' || \
		GOBIN=$(BIN) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

.PHONY: tools-grpcurl
tools-grpcurl:
	@$(GO) version -m $(BIN)/grpcurl 2>/dev/null | grep -q 'mod[[:space:]]*github.com/fullstorydev/grpcurl[[:space:]]*$(GRPCURL_VERSION)[[:space:]]' || \
		GOBIN=$(BIN) $(GO) install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)
