# syntax=docker/dockerfile:1
# Images of the two Tagpilot programs, built from one code base:
#   docker build --target operator   -t ghcr.io/tagpilot/tagpilot-operator:0.1.0 .
#   docker build --target controller -t ghcr.io/tagpilot/tagpilot-controller:0.1.0 .
# The images run the compiled JavaScript (npm run build → dist/) on a distroless Node.js base: no shell,
# no package manager, a non-root user, and nothing written to the root filesystem (the chart mounts it
# read-only). Kubernetes probes (/healthz, /readyz) replace a HEALTHCHECK.
# This Dockerfile is linted and checked against these rules by test/integration/install/dockerfile.test.ts;
# the images themselves are built by the release pipeline (see docs/install.md), not by `make test`.

ARG NODE_VERSION=20.19
ARG DISTROLESS_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

# Compile TypeScript with the full toolchain.
FROM node:${NODE_VERSION}-bookworm-slim AS build
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
RUN npm run build

# Production dependencies only, without the dev toolchain (typescript, vitest, helm/kubectl layer, …).
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM ${DISTROLESS_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /src/package.json ./package.json
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# 65532 is distroless's "nonroot"; numeric so Kubernetes can verify runAsNonRoot without /etc/passwd.
USER 65532:65532

FROM runtime AS operator
LABEL org.opencontainers.image.title="tagpilot-operator" \
      org.opencontainers.image.description="Tagpilot operator: Image/AlertConfig reconcilers and admission webhooks" \
      org.opencontainers.image.licenses="Apache-2.0"
# Webhooks (HTTPS) and metrics/health.
EXPOSE 9443 8080
ENTRYPOINT ["/nodejs/bin/node", "dist/operator/main.js"]

FROM runtime AS controller
LABEL org.opencontainers.image.title="tagpilot-controller" \
      org.opencontainers.image.description="Tagpilot controller: triggers, registry, rules and actions" \
      org.opencontainers.image.licenses="Apache-2.0"
# Webhook receivers (/v1/hooks/*) and metrics/health.
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "dist/controller/main.js"]
