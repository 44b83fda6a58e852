FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY web ./web
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/callcast.js"]
