# frugal serve, as one replica: node:20-slim, production dependencies only, a non-root user, state under /var/lib/frugal.
# Build: docker build -t frugal .      Run: see compose.yaml (2 replicas, Redis, PostgreSQL, nginx) or deploy/k8s/.
# The CLI runs from the TypeScript sources through tsx (a runtime dependency), so there is no build step.

# Native modules (better-sqlite3) compile here when no prebuilt binary matches; the toolchain stays out of the image.
FROM node:20-slim AS deps
WORKDIR /app
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ ca-certificates >/dev/null \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    FRUGAL_NO_PROGRESS=1 \
    NO_COLOR=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# The node image's unprivileged user (uid 1000); the data dir is the only place frugal writes (ledger spill, models).
RUN mkdir -p /var/lib/frugal /etc/frugal && chown node:node /var/lib/frugal
USER node
EXPOSE 8787
# No curl in the slim image: node itself asks /healthz (liveness; /readyz is for load balancers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:8787/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node gets SIGTERM itself and drains (server.drain_ms) before exiting 0. `--demo` needs examples/ from a
# clone: the image serves a config file (mounted at /etc/frugal/frugal.yaml).
ENTRYPOINT ["node", "/app/bin/frugal.js"]
CMD ["serve", "/etc/frugal/frugal.yaml", "--host", "0.0.0.0", "--port", "8787", "--data-dir", "/var/lib/frugal"]
