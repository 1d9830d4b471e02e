# berth — the two commands a newcomer needs are `make demo` and `make test` (as root).
SHELL := /bin/bash
CNI_BIN_DIR ?= /opt/cni/bin
VITEST := node_modules/.bin/vitest

.PHONY: all setup build install demo test check typecheck lint layers unit integration conformance bench clean

all: build

setup:
	@scripts/setup.sh

build: setup
	@scripts/build.sh

install: build
	@scripts/install.sh "$(CNI_BIN_DIR)"

demo: build
	@node_modules/.bin/bun scripts/demo.ts

# Static checks first (cheap), then the suites: unit (pure code), integration (real namespaces),
# conformance (the built binary exec'd as a runtime would). Each kernel suite fails on leaks.
test: build check unit integration conformance

check: typecheck lint layers

typecheck:
	node_modules/.bin/tsc --noEmit -p .

lint:
	node_modules/.bin/eslint --max-warnings 0 .

layers:
	node_modules/.bin/depcruise --config .dependency-cruiser.cjs native lib ipam plugins runtime

unit:
	$(VITEST) run --project unit

integration:
	$(VITEST) run --project integration

conformance:
	$(VITEST) run --project conformance

bench: build
	@scripts/setup.sh containernetworking-plugins hyperfine
	@node_modules/.bin/bun bench/run.ts

clean:
	rm -rf dist
