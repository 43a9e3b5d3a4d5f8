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

# Terraform linters, built from the Go module proxy. The version is part of the file
# name, so bumping it installs the new one and an installed one is never reinstalled.
TFLINT_VERSION := v0.64.0
TFSEC_VERSION  := v1.26.0
TFLINT      := $(TOOLS)/tflint-$(TFLINT_VERSION)
TFSEC       := $(TOOLS)/tfsec-$(TFSEC_VERSION)
# govulncheck for make audit, installed the same way (its vulnerability database is
# online, so audit is not part of make test).
GOVULNCHECK_VERSION := v1.9.0
GOVULNCHECK := $(TOOLS)/govulncheck-$(GOVULNCHECK_VERSION)
# axe-core, the accessibility checker the console's browser test injects into every
# page (internal/e2e reads AXE_DIR/axe.min.js), installed with npm into .tools/node.
AXE_VERSION := 4.14.1
AXE_DIR     := $(CURDIR)/.tools/node/node_modules/axe-core
# How long make fuzz runs each fuzz target.
FUZZTIME    ?= 30s
# The two Terraform modules; each has testdata/lint.tfvars switching every option on.
TF_MODULES  := terraform terraform/tenant

# The Lambda functions (cmd/<name>) and how they are built: a static arm64 Linux
# bootstrap for provided.al2023, without paths, VCS stamps or symbols, so that the
# same source and Go version always give the same bytes.
FUNCTIONS   := skill oauth mfa console
BUILD       ?= build
LAMBDA_ENV  := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -buildvcs=false -ldflags '-s -w'

export PATH := $(TOOLS):$(PATH)

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

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

# make demo: the whole product on this machine. The easytocloud binary starts the
# emulator, seeds the demo world, runs the local stack and holds the dialog; when the
# dialog ends (Ctrl-D, Ctrl-C, the script's end) it stops everything it started.
DEMO_SCRIPT ?=

.PHONY: demo
demo: emulator ## Talk to easytocloud locally (emulator, demo world, local stack, dialog); DEMO_SCRIPT=file runs a scripted conversation.
	@mkdir -p .demo/bin
	@$(GO) build -o .demo/bin/easytocloud ./cmd/easytocloud
	@exec .demo/bin/easytocloud demo --dir .demo $(if $(DEMO_SCRIPT),--script '$(DEMO_SCRIPT)')

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# go install into a directory of its own, then rename: a failed or interrupted install
# leaves no binary that make would take for installed.
$(TFLINT):
	rm -rf $@.tmp
	GOBIN=$@.tmp $(GO) install github.com/terraform-linters/tflint@$(TFLINT_VERSION)
	mv $@.tmp/tflint $@ && rm -rf $@.tmp

$(TFSEC):
	rm -rf $@.tmp
	GOBIN=$@.tmp $(GO) install github.com/aquasecurity/tfsec/cmd/tfsec@$(TFSEC_VERSION)
	mv $@.tmp/tfsec $@ && rm -rf $@.tmp

.PHONY: tools
tools: $(TOOLS)/staticcheck $(TFLINT) $(TFSEC) ## Install the pinned linters into .tools/bin (once).

.PHONY: fmt-check
fmt-check: ## Fail when a Go file is not gofmt-formatted.
	@out=$$(find . -name '*.go' -not -path './.venv/*' -not -path './.tools/*' -not -path './build/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: lint
lint: fmt-check $(TOOLS)/staticcheck terraform-lint ## gofmt, go vet, staticcheck, tflint and tfsec.
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...

# tflint runs only the terraform ruleset bundled with it (terraform/.tflint.hcl, preset
# "all"); TFLINT_PLUGIN_DIR points at an empty directory so that no plugin installed
# elsewhere on the machine is picked up instead. tfsec runs every check it has (the AWS
# ones apply). Both must report nothing; suppressions are inline, with their reason.
.PHONY: terraform-lint
terraform-lint: $(TFLINT) $(TFSEC) ## tflint and tfsec on both Terraform modules.
	@for m in $(TF_MODULES); do \
		echo "tflint $$m"; \
		TFLINT_PLUGIN_DIR=$(TOOLS)/tflint-plugins $(TFLINT) --chdir=$$m --config=$(CURDIR)/terraform/.tflint.hcl --var-file=testdata/lint.tfvars || exit 1; \
	done
	@echo "tfsec terraform"
	@$(TFSEC) terraform --exclude-path tenant --var-file terraform/testdata/lint.tfvars --no-color --no-module-downloads --concise-output
	@echo "tfsec terraform/tenant"
	@$(TFSEC) terraform/tenant --var-file terraform/tenant/testdata/lint.tfvars --no-color --no-module-downloads --concise-output

# The browser test (internal/e2e) drives Debian's headless Chromium. It is installed
# with apt-get when missing, as root (CI on a fresh Debian machine); otherwise this
# says how, and the test fails naming the same command.
.PHONY: chromium
chromium: ## Install headless Chromium (Debian's chromium) for the browser test unless it is there.
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium || command -v chromium-browser)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "chromium not found: installing Debian's chromium with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "chromium not found: install it with: sudo apt-get install chromium (the browser test fails without it)"; \
	fi

# axe-core from npm, pinned, installed once: into a directory of its own, then moved
# into place, so an interrupted install leaves nothing that looks installed. Without
# npm this says how to get it, and the browser test fails naming this target.
.PHONY: axe-core
axe-core: ## Install the pinned axe-core (npm) into .tools/node for the console's browser test unless it is there.
	@if [ -f $(AXE_DIR)/axe.min.js ] && grep -q '"version": "$(AXE_VERSION)"' $(AXE_DIR)/package.json 2>/dev/null; then \
		echo "axe-core: $(AXE_DIR) ($(AXE_VERSION))"; \
	elif ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: install Node.js and npm (sudo apt-get install npm, or https://nodejs.org), then run make axe-core (the console's browser test fails without it)"; \
	else \
		echo "axe-core $(AXE_VERSION) not found: installing it with npm into .tools/node"; \
		tmp=$(CURDIR)/.tools/node.tmp; rm -rf "$$tmp"; \
		npm install --prefix "$$tmp" --no-save --no-package-lock --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION) >/dev/null; \
		[ -f "$$tmp/node_modules/axe-core/axe.min.js" ] || { echo "npm installed no axe.min.js"; exit 1; }; \
		rm -rf $(AXE_DIR); mkdir -p $(dir $(AXE_DIR)); \
		mv "$$tmp/node_modules/axe-core" $(AXE_DIR); rm -rf "$$tmp"; \
	fi

.PHONY: test
test: emulator chromium axe-core lint ## Lint, run every test with the race detector against the emulator, then check the Lambda build is reproducible.
	$(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory build-check

# One table of issue 10's figures beside their targets (internal/perf; a missed target
# is marked MISS, a failed benchmark FAILED); go test's own output goes to $(BUILD)/bench.txt.
.PHONY: bench
bench: emulator ## Measure fan-out, credentials, overhead, cold starts and AWS calls: one table (a few minutes).
	@mkdir -p $(BUILD)
	$(GO) run ./internal/perf/benchtable -raw $(BUILD)/bench.txt

# Every Fuzz function of the module, found by name (a new one is picked up), runs for
# FUZZTIME; the summary gives the executions per target. The seed corpora (f.Add and
# <package>/testdata/fuzz/<FuzzName>/) run as ordinary tests in make test. An input
# that fails is written to the package's testdata/fuzz: commit it with the fix.
.PHONY: fuzz
fuzz: emulator ## Run every fuzz target for FUZZTIME (default 30s) and print the executions per target.
	@summary=""; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for file in $$(grep -rlE --include='*_test.go' --exclude-dir=.venv --exclude-dir=.tools --exclude-dir=build '^func Fuzz[A-Za-z0-9_]*\(' . | sort); do \
		pkg=./$$(dirname "$${file#./}"); \
		for name in $$(grep -oE '^func Fuzz[A-Za-z0-9_]*' "$$file" | cut -d' ' -f2); do \
			echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" 2>&1 | tee "$$log"; \
			execs=$$(grep -oE 'execs: [0-9]+' "$$log" | tail -1 | cut -d' ' -f2 || true); \
			summary="$$summary$$(printf '%-22s %-20s %12s' "$$pkg" "$$name" "$${execs:-?}")\n"; \
		done; \
	done; \
	printf '\nfuzz executions in $(FUZZTIME) per target:\n%b' "$$summary"

$(GOVULNCHECK):
	rm -rf $@.tmp
	GOBIN=$@.tmp $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	mv $@.tmp/govulncheck $@ && rm -rf $@.tmp

.PHONY: audit
audit: $(GOVULNCHECK) ## Check the code and its dependencies for known vulnerabilities (govulncheck; needs vuln.go.dev).
	$(GOVULNCHECK) ./...

.PHONY: build
build: ## Build the Lambda zips build/{skill,oauth,mfa}.zip (reproducible).
	@for fn in $(FUNCTIONS); do \
		echo "build $(BUILD)/$$fn.zip"; \
		$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(BUILD)/$$fn/bootstrap ./cmd/$$fn || exit 1; \
		$(GO) run ./internal/buildzip -o $(BUILD)/$$fn.zip $(BUILD)/$$fn/bootstrap || exit 1; \
	done

# Builds twice and fails unless every zip is byte-identical: reproducibility is checked,
# not assumed. The second build runs from a copy of the source in another directory (so
# no path leaks in); with BUILD_CHECK_COLD=1 (the default under CI) it also starts from an
# empty build cache, so every package is compiled again (a few minutes on 2 cores).
BUILD_CHECK_COLD ?= $(if $(CI),1,)

.PHONY: build-check
build-check: build ## Check that a rebuild from another directory gives byte-identical zips (BUILD_CHECK_COLD=1: from an empty cache).
	@tmp=$$(mktemp -d); trap 'chmod -R u+w "$$tmp"; rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/src"; \
	tar -c --exclude=./.git --exclude=./.venv --exclude=./.tools --exclude=./build --exclude=./.demo . | tar -x -C "$$tmp/src"; \
	if [ -n "$(BUILD_CHECK_COLD)" ]; then export GOCACHE="$$tmp/gocache"; echo "build-check: rebuilding from an empty build cache"; fi; \
	$(MAKE) --no-print-directory -C "$$tmp/src" build BUILD="$$tmp/build" >/dev/null; \
	for fn in $(FUNCTIONS); do \
		cmp $(BUILD)/$$fn.zip "$$tmp/build/$$fn.zip" || { echo "$$fn.zip is not reproducible"; exit 1; }; \
		echo "$(BUILD)/$$fn.zip reproducible: $$(sha256sum < $(BUILD)/$$fn.zip | cut -c1-16)… $$(wc -c < $(BUILD)/$$fn.zip) bytes"; \
	done

.PHONY: clean
clean: ## Remove build output and installed tools (not .venv).
	rm -rf build .tools
