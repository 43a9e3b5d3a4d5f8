# easytocloud — the two commands a newcomer needs are `make demo` and `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= go
PYTHON      ?= python3
VENV        := .venv
TOOLS       := $(CURDIR)/.tools/bin
STATICCHECK_VERSION := v0.8.2
MOTO_SPEC   := moto[server]>=5.2,<6

export PATH := $(TOOLS):$(PATH)

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: emulator
emulator: ## Install the AWS emulator (moto) into .venv unless moto_server is already available.
	@if command -v moto_server >/dev/null 2>&1 && $(PYTHON) -c 'import moto.server, flask' 2>/dev/null; then \
		echo "moto_server: $$(command -v moto_server)"; \
	elif [ -x $(VENV)/bin/moto_server ]; then \
		echo "moto_server: $(VENV)/bin/moto_server"; \
	else \
		echo "moto_server not found: installing '$(MOTO_SPEC)' into $(VENV)"; \
		$(PYTHON) -m venv $(VENV); \
		$(VENV)/bin/pip install --quiet '$(MOTO_SPEC)'; \
	fi

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: fmt-check
fmt-check: ## Fail when a Go file is not gofmt-formatted.
	@out=$$(find . -name '*.go' -not -path './.venv/*' -not -path './.tools/*' -not -path './build/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: lint
lint: fmt-check $(TOOLS)/staticcheck ## gofmt, go vet and staticcheck.
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...

.PHONY: test
test: emulator lint ## Lint, then run every test with the race detector against the emulator.
	$(GO) test -race -count=1 ./...

.PHONY: bench
bench: emulator ## Run the benchmarks.
	$(GO) test -run '^$$' -bench . ./...

.PHONY: build
build: ## Build the Lambda zips into build/.
	@echo "no Lambda binaries yet"

.PHONY: clean
clean: ## Remove build output and installed tools (not .venv).
	rm -rf build .tools
