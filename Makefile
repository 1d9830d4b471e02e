# berth — the two commands a newcomer needs are `make demo` and `make test` (as root).
SHELL := /bin/bash
CNI_BIN_DIR ?= /opt/cni/bin
VITEST := node_modules/.bin/vitest
REPORT := --reporter=default --reporter=json

.PHONY: all setup build install demo test check typecheck lint layers unit integration conformance e2e bench stress clean

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
test: build check unit integration conformance e2e
	@node scripts/test-summary.mjs unit integration conformance e2e

check: typecheck lint layers

typecheck:
	node_modules/.bin/tsc --noEmit -p .

lint:
	node_modules/.bin/eslint --max-warnings 0 .

layers:
	node_modules/.bin/depcruise --config .dependency-cruiser.cjs native lib ipam plugins runtime

unit:
	$(VITEST) run --project unit $(REPORT) --outputFile.json=dist/test-results/unit.json

integration:
	$(VITEST) run --project integration $(REPORT) --outputFile.json=dist/test-results/integration.json

conformance:
	$(VITEST) run --project conformance $(REPORT) --outputFile.json=dist/test-results/conformance.json

# End to end: the berth binary (run, ps, rm, network …) inside a simulated host, with runc.
e2e:
	$(VITEST) run --project e2e $(REPORT) --outputFile.json=dist/test-results/e2e.json

bench: build
	@scripts/setup.sh containernetworking-plugins hyperfine skopeo podman
	@node_modules/.bin/bun bench/run.ts

clean:
	rm -rf dist

# Long runs of the load and failure tests (BERTH_STRESS_SCALE multiplies their counts).
stress: build
	BERTH_STRESS_SCALE=$${BERTH_STRESS_SCALE:-10} $(VITEST) run --project conformance test/conformance/attach-stress.test.ts
	BERTH_STRESS_SCALE=$${BERTH_STRESS_SCALE:-10} $(VITEST) run --project e2e test/e2e/kill.test.ts
