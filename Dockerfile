# agentxml: the AgentXML server. Build: docker build -t agentxml .
# Run:   docker run -p 8080:8080 -v agentxml-data:/data agentxml
# Admin: docker exec -it <container> agentxml user add alice --email alice@example.com
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# `npm ci` runs the prepare script, which compiles src/ to dist/
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    AGENTXML_DB=/data/agentxml.db \
    AGENTXML_HOST=0.0.0.0 \
    AGENTXML_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
RUN ln -s /app/dist/cli/index.js /usr/local/bin/agentxml \
  && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["node", "/app/dist/cli/index.js"]
CMD ["serve", "--host", "0.0.0.0"]
