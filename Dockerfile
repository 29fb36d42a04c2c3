# syntax=docker/dockerfile:1
# Images of the two Tagpilot programs, built from one code base:
#   docker build --target operator   -t ghcr.io/tagpilot/tagpilot-operator:0.1.0 .
#   docker build --target controller -t ghcr.io/tagpilot/tagpilot-controller:0.1.0 .
# For pipelines that have a container daemon. `make images` (hack/images.sh) builds the same content
# without one, reproducibly: the Debian base of hack/images/rootfs.sh (libc, libstdc++, CA certificates,
# tzdata; no shell, no package manager), the official Node.js binary of .node-version from the npm
# registry's node-linux-<arch> package at /nodejs/bin/node, the production node_modules (npm ci
# --omit=dev) and the compiled JavaScript (npm run build → dist/). Non-root 65532, nothing written to the
# root filesystem (the chart mounts it read-only). Kubernetes probes (/healthz, /readyz) replace a
# HEALTHCHECK. test/integration/install/dockerfile.test.ts lints this file, checks it against these rules
# and against hack/images/layout.ts (same user, environment, entrypoints, labels, Node.js version).

ARG NODE_VERSION=24.21.0
ARG DEBIAN_SUITE=trixie

# Compile TypeScript with the full toolchain.
FROM node:${NODE_VERSION}-trixie-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY common ./common
COPY crds ./crds
COPY domain ./domain
COPY webhook ./webhook
COPY operator ./operator
COPY controller ./controller
COPY hack/build-info.mjs hack/bundle.mjs ./hack/
# The commit --version reports (the build context has no .git): --build-arg GIT_COMMIT=$(git rev-parse HEAD).
ARG GIT_COMMIT=""
RUN TAGPILOT_GIT_COMMIT="${GIT_COMMIT}" npm run build

# Production dependencies only, without the dev toolchain (typescript, vitest, helm/kubectl layer, …).
FROM node:${NODE_VERSION}-trixie-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# The official Node.js binary as the npm registry publishes it: the same file `make images` uses.
FROM node:${NODE_VERSION}-trixie-slim AS node
ARG NODE_VERSION
ARG TARGETARCH
WORKDIR /src
RUN arch=$(case "${TARGETARCH:-amd64}" in amd64) echo x64 ;; *) echo "$TARGETARCH" ;; esac) && \
    npm pack --silent "node-linux-${arch}@${NODE_VERSION}" && \
    tar -xzf "node-linux-${arch}-${NODE_VERSION}.tgz" package/bin/node package/LICENSE && \
    mkdir -p /nodejs/bin && mv package/bin/node /nodejs/bin/node && mv package/LICENSE /nodejs/LICENSE

# The distroless-like Debian base, built by the same script as `make images`.
FROM debian:${DEBIAN_SUITE}-slim AS base
ARG DEBIAN_SUITE
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends mmdebstrap && rm -rf /var/lib/apt/lists/*
COPY hack/images/rootfs.sh /usr/local/bin/rootfs.sh
RUN bash /usr/local/bin/rootfs.sh build /rootfs "${DEBIAN_SUITE}"

FROM scratch AS runtime
COPY --from=base /rootfs/ /
COPY --from=node /nodejs /nodejs
WORKDIR /app
ENV PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production
COPY --from=deps /src/package.json ./package.json
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
# Numeric, so Kubernetes can verify runAsNonRoot without reading /etc/passwd (65532 is "nonroot" there).
USER 65532:65532

FROM runtime AS operator
LABEL org.opencontainers.image.title="tagpilot-operator" \
      org.opencontainers.image.description="Tagpilot operator: Image/AlertConfig reconcilers and admission webhooks" \
      org.opencontainers.image.licenses="Apache-2.0"
# Webhooks (HTTPS) and metrics/health.
EXPOSE 9443 8080
# A young generation of at most 3 × 8 MiB: V8 otherwise grows it to 128 MiB under the churn of listing
# and admitting, which was a third of the operator's RSS at 10,000 Images; --optimize-for-size keeps it
# and the old generation smaller still, 20–30 MiB at 1,000 Images (docs/benchmarks.md, "Operator").
# dist/*/main.js are the esbuild bundles of `npm run build` (hack/bundle.mjs), not tsc's modules.
ENTRYPOINT ["/nodejs/bin/node", "--optimize-for-size", "--max-semi-space-size=8", "dist/operator/main.js"]

FROM runtime AS controller
LABEL org.opencontainers.image.title="tagpilot-controller" \
      org.opencontainers.image.description="Tagpilot controller: triggers, registry, rules and actions" \
      org.opencontainers.image.licenses="Apache-2.0"
# Webhook receivers (/v1/hooks/*) and metrics/health.
EXPOSE 8080
# A young generation of at most 3 × 4 MiB: with V8's default the update of 1,000 Images peaked at 360 MiB
# RSS (the chart's limit is 384 MiB); with this cap 253 MiB, for about a tenth more CPU in that tick
# (docs/benchmarks.md, "Fewer, cheaper writes"). The old generation grows by 30 % steps instead of up to
# 4×, and WebAssembly (the HTTP parser of fetch, which webhook alert channels load) stays on V8's
# baseline compiler: together 191 → 158 MiB peak at 1,000 Images for no measurable CPU (docs/benchmarks.md,
# "Session 5"); --optimize-for-size saved more (147 MiB) but cost a third more CPU.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=4", "--heap-growing-percent=30", "--liftoff-only", "dist/controller/main.js"]
