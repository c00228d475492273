# agentxml: the AgentXML server. README "Docker" says how to run it (and that the image is not
# built by this project's CI, which has no Docker engine; test/dockerfile.test.ts checks this file).
#   docker build -t agentxml .
#   docker run -p 127.0.0.1:8080:8080 -v agentxml-data:/data agentxml
#   docker exec -it <container> agentxml user add alice --email alice@example.com
#
# Node 24 LTS (maintained until 2028-04-30), pinned to one release on Debian 13 (trixie). Raise
# both FROM lines together, to a line README "Node.js versions" lists as supported.

FROM node:24.22.3-trixie-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches this Node and libc
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# dependencies first: this layer is rebuilt when package*.json change, not on every source edit.
# --ignore-scripts skips the prepare script (no source yet); the native module is built after.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# TypeScript into dist/, then the command bundled by esbuild (scripts/build.mjs)
RUN npm run build \
  && npm prune --omit=dev

FROM node:24.22.3-trixie-slim
ENV NODE_ENV=production \
    AGENTXML_DB=/data/agentxml.db \
    AGENTXML_HOST=0.0.0.0 \
    AGENTXML_PORT=8080
WORKDIR /app
# the application stays root-owned: the server's user can read it, not change it
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
RUN ln -s /app/dist/cli/index.js /usr/local/bin/agentxml \
  && mkdir -p /data \
  && chown node:node /data \
  && chmod 0700 /data
# uid 1000: a bind-mounted /data must be writable by it (README "Docker")
USER node
VOLUME ["/data"]
EXPOSE 8080
# GET /health on the loopback, with node itself (a slim image has no curl). Over HTTPS when the
# TLS variables are set; the certificate is not checked, as this only asks "is it answering?"
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "const tls = Boolean(process.env.AGENTXML_TLS_CERT); require(tls ? 'node:https' : 'node:http').get({ host: '127.0.0.1', port: process.env.AGENTXML_PORT || 8080, path: '/health', rejectUnauthorized: false, timeout: 4000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('timeout', () => process.exit(1)).on('error', () => process.exit(1))"]
# node itself is PID 1 (no npm, no shell): `docker stop` sends SIGTERM to the server; a young
# generation of 8 MB keeps its peak memory down (src/cli/index.ts)
ENTRYPOINT ["node", "--max-semi-space-size=8", "/app/dist/cli/index.js"]
CMD ["serve"]
