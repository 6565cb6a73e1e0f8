#!/usr/bin/env bash
# The compose topology as plain processes, for a host without Docker: migrate once, then
# REPLICAS bot processes in webhook mode on ports WEB_PORT, WEB_PORT+1, ..., and Caddy in front
# of them with deploy/Caddyfile (the file compose mounts), on this host's PostgreSQL and Redis.
#
#   DATABASE_URL=postgresql://... REDIS_URL=redis://... BOT_TOKEN=... \
#   WEBHOOK_URL=https://bot.example.org/webhook WEBHOOK_SECRET=... \
#   DOMAIN=bot.example.org deploy/run-replicas.sh
#
# The proxy: CADDY (default: caddy on PATH; CADDY=none runs the replicas alone, for a proxy of
# your own), CADDYFILE (default deploy/Caddyfile), DOMAIN (the site address: a public name gets
# a TLS certificate, http://127.0.0.1:8000 serves plain HTTP), CADDY_ADMIN (its admin API,
# default localhost:2019). The script gives Caddy the replicas' addresses (UPSTREAMS).
#
# A replica that dies is left dead (Caddy sends its updates to the others); a replica that
# exits 2 (configuration: a bad token or setting) stops everything, since the others would
# fail alike. SIGTERM/SIGINT to this script is passed to every process: the replicas finish
# the updates in hand and exit 0, Caddy stops; whatever is still running STOP_TIMEOUT seconds
# later is killed. The script exits with the first non-zero code of a process, 0 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
REPLICAS="${REPLICAS:-2}"
BASE_PORT="${WEB_PORT:-8080}"
STOP_TIMEOUT="${STOP_TIMEOUT:-40}"
CADDYFILE="${CADDYFILE:-deploy/Caddyfile}"
CADDY="${CADDY:-$(command -v caddy || true)}"
export BOT_MODE=webhook WEB_HOST="${WEB_HOST:-127.0.0.1}"
say() { echo "run-replicas: $*" >&2; }
case "${DATABASE_URL:-}" in
  postgres*) ;;
  *) say "DATABASE_URL must be PostgreSQL (SQLite serves one process only)"; exit 2 ;;
esac
[ -n "${REDIS_URL:-}" ] || { say "REDIS_URL is required for several processes"; exit 2; }
if [ -z "$CADDY" ]; then
  say "caddy not found: install it (apt-get install caddy) or set CADDY=none"
  exit 2
fi

# Two processes migrating at once would race: migrate first, once.
"$PYTHON" -m bot db upgrade

declare -A role=()
pids=()
stopping=0
deadline=0
stop() {
  if [ "$stopping" -eq 0 ]; then
    stopping=1
    deadline=$((SECONDS + STOP_TIMEOUT))
    kill -TERM "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop TERM INT

upstreams=()
for i in $(seq 0 $((REPLICAS - 1))); do
  port=$((BASE_PORT + i))
  WEB_PORT=$port "$PYTHON" -m bot &
  pids+=("$!")
  role[$!]="replica $i"
  upstreams+=("${WEB_HOST}:${port}")
  say "replica $i (pid $!) on ${WEB_HOST}:${port}"
done
if [ "$CADDY" != none ]; then
  UPSTREAMS="${upstreams[*]}" "$CADDY" run --config "$CADDYFILE" --adapter caddyfile &
  pids+=("$!")
  role[$!]="proxy"
  say "proxy (pid $!) ${DOMAIN:-localhost} -> ${upstreams[*]}"
fi

status=0
alive=("${pids[@]}")
while [ "${#alive[@]}" -gt 0 ]; do
  still=()
  replicas_left=0
  for pid in "${alive[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      still+=("$pid")
      [ "${role[$pid]}" = proxy ] || replicas_left=$((replicas_left + 1))
      continue
    fi
    code=0
    wait "$pid" || code=$?
    say "${role[$pid]} (pid $pid) exited with code $code"
    if [ "$code" -ne 0 ] && [ "$status" -eq 0 ]; then status=$code; fi
    if [ "$stopping" -eq 0 ]; then
      # Configuration (2), or the proxy gone: nothing left would be of use.
      if [ "$code" -eq 2 ] || [ "${role[$pid]}" = proxy ]; then stop; fi
    fi
  done
  alive=("${still[@]+"${still[@]}"}")
  # The last replica gone: the proxy has nothing to send updates to.
  if [ "$replicas_left" -eq 0 ] && [ "${#alive[@]}" -gt 0 ]; then stop; fi
  if [ "$stopping" -eq 1 ] && [ "$SECONDS" -ge "$deadline" ] && [ "${#alive[@]}" -gt 0 ]; then
    say "still running after ${STOP_TIMEOUT} s, killed: ${alive[*]}"
    kill -KILL "${alive[@]}" 2>/dev/null || true
  fi
  sleep 0.2
done
exit "$status"
