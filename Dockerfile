# smsq: one image for `worker`, `server`, `simulator` and every other smsq command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# No secrets in the image: credentials come from the environment at run time.
USER node
# `server`: API, dashboard and /metrics; `worker` with METRICS_PORT: its /metrics and /healthz.
EXPOSE 3000 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker"]
