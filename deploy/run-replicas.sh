#!/usr/bin/env bash
# The compose topology as plain processes, for a host without Docker: migrate once, then
# REPLICAS bot processes in webhook mode on ports WEB_PORT, WEB_PORT+1, ... A reverse proxy
# (Caddy with deploy/Caddyfile, nginx) in front spreads the Bot API's POSTs over them.
#
#   DATABASE_URL=postgresql://... REDIS_URL=redis://... BOT_TOKEN=... \
#   WEBHOOK_URL=https://bot.example.org/webhook WEBHOOK_SECRET=... deploy/run-replicas.sh
#
# SIGTERM/SIGINT to this script is passed to every replica; each finishes the updates in hand
# and exits 0. The script exits with the first non-zero code of a replica (2: configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
REPLICAS="${REPLICAS:-2}"
BASE_PORT="${WEB_PORT:-8080}"
export BOT_MODE=webhook WEB_HOST="${WEB_HOST:-127.0.0.1}"
case "${DATABASE_URL:-}" in
  postgres*) ;;
  *) echo "run-replicas: DATABASE_URL must be PostgreSQL (SQLite serves one process only)" >&2; exit 2 ;;
esac
[ -n "${REDIS_URL:-}" ] || { echo "run-replicas: REDIS_URL is required for several processes" >&2; exit 2; }

# Two processes migrating at once would race: migrate first, once.
"$PYTHON" -m bot db upgrade

pids=()
stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; }
trap stop TERM INT
for i in $(seq 0 $((REPLICAS - 1))); do
  WEB_PORT=$((BASE_PORT + i)) "$PYTHON" -m bot &
  pids+=("$!")
  echo "run-replicas: replica $i (pid $!) on ${WEB_HOST}:$((BASE_PORT + i))" >&2
done
status=0
for pid in "${pids[@]}"; do
  code=0
  wait "$pid" || code=$?
  # A signal to this script interrupts wait (code > 128): wait for the replica itself.
  while kill -0 "$pid" 2>/dev/null; do
    code=0
    wait "$pid" || code=$?
  done
  if [ "$code" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=$code
    stop
  fi
done
exit "$status"
