#!/usr/bin/env bash
# The one test command (`npm test`, and CI's): prepares what the tests need on a fresh Debian or Ubuntu machine with
# Node 20, then runs jest. Arguments go to jest: `npm test -- test/cli/cli.test.ts`, or `-c jest.cluster.config.js`.
#
# Redis: REDIS_URL when set; otherwise, where a Docker daemon answers, jest's globalSetup starts redis:7 with
# testcontainers; otherwise a redis-server of our own on a free port, stopped when jest ends.
# Chromium (the browser tests): $CHROMIUM_PATH, or /usr/bin/chromium, installed with apt-get when we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test: $*" >&2; }

own_redis_pid=""
cleanup() {
  if [ -n "$own_redis_pid" ]; then kill "$own_redis_pid" 2>/dev/null || true; wait "$own_redis_pid" 2>/dev/null || true; fi
  if [ -n "${own_redis_dir:-}" ]; then rm -rf "$own_redis_dir"; fi
}
trap cleanup EXIT

needs_redis_server() {
  # The cluster and chaos suites start redis-server processes of their own whatever REDIS_URL says.
  for a in "$@"; do case "$a" in *cluster*|*chaos*) return 0 ;; esac; done
  return 1
}

install_hint_redis="install it: sudo apt-get install -y redis-server   (or set REDIS_URL to a Redis 6.2+ of yours)"

if needs_redis_server "$@" && ! command -v redis-server >/dev/null; then
  say "this suite starts redis-server processes, and there is no redis-server on the PATH; $install_hint_redis"
  exit 1
fi

if [ -n "${REDIS_URL:-}" ]; then
  say "Redis at REDIS_URL"
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  say "REDIS_URL is not set: testcontainers starts redis:7 with Docker"
elif command -v redis-server >/dev/null; then
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  own_redis_dir=$(mktemp -d)
  redis-server --port "$port" --bind 127.0.0.1 --dir "$own_redis_dir" --save "" --appendonly no \
    --maxmemory-policy noeviction --daemonize no >"$own_redis_dir/redis.log" 2>&1 &
  own_redis_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if node -e 'const s=require("net").connect(+process.argv[1],"127.0.0.1");s.on("data",d=>process.exit(/PONG/.test(d)?0:1));s.on("error",()=>process.exit(1));s.write("PING\r\n")' "$port"; then break; fi
    if ! kill -0 "$own_redis_pid" 2>/dev/null; then say "redis-server did not start:"; cat "$own_redis_dir/redis.log" >&2; exit 1; fi
    sleep 0.1
  done
  say "REDIS_URL is not set and no Docker daemon answers: started redis-server on $REDIS_URL for this run"
else
  say "the tests need Redis: REDIS_URL is not set, no Docker daemon answers, and there is no redis-server; $install_hint_redis"
  exit 1
fi

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if needs_redis_server "$@"; then
  : # the cluster and chaos suites open no browser
elif [ ! -x "$chromium" ]; then
  if [ -z "${CHROMIUM_PATH:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "no $chromium: installing Debian's chromium with apt-get (the browser tests drive it)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "the browser tests need Chromium at $chromium. On Debian: sudo apt-get install -y chromium;"
    say "elsewhere point CHROMIUM_PATH at a Chromium or Chrome binary (e.g. CHROMIUM_PATH=/usr/bin/chromium-browser npm test)"
    exit 1
  fi
fi
export CHROMIUM_PATH="$chromium"

# Not exec: the trap must stop our redis-server when jest ends.
npx jest "$@"
