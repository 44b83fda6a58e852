# Production image: the API, worker and migrate commands. Dev tooling (src/dev: simulator, demo,
# local Redis/Postgres starter) is left out; the `dev` stage adds it back for docker compose.
FROM node:24-slim AS production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY migrations ./migrations
COPY web ./web
COPY src ./src
RUN rm -rf src/dev && find src -name '*.test.ts' -delete
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/callcast.js"]

# The gateway simulator for local runs (docker compose), never deployed.
FROM production AS dev
COPY src/dev ./src/dev
