#!/usr/bin/env bash
# Start the production arrangement of docs/deployment.md on loopback and check that it answers:
# PostgreSQL (an existing server; a scratch database), Redis, two gunicorn servers,
# nginx in front (static files served by nginx), and a job consumer on Redis.
#
#   scripts/deploy_check.sh                 # PostgreSQL at postgresql://postgres@127.0.0.1:5432
#   PG=postgresql://user@127.0.0.1:5432 scripts/deploy_check.sh
#
# Prints one line per check and "deploy check: ok" at the end; exits non-zero on a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PG="${PG:-postgresql://postgres@127.0.0.1:5432}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
REDIS="${REDIS:-$(command -v redis-server || echo /usr/bin/redis-server)}"
DUBAN="$ROOT/.venv/bin/duban"
GUNICORN="$ROOT/.venv/bin/gunicorn"
WORK="$(mktemp -d /tmp/duban-deploy-XXXXXX)"
DB="duban_deploy_$(date +%s)_$$"
PIDS=()

free_port() { "$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    sleep 1
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAILED: $*" >&2; for f in "$WORK"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done; exit 1; }

wait_for() {  # wait_for URL
    for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
    fail "$1 does not answer"
}

REDIS_PORT="$(free_port)"; APP1="$(free_port)"; APP2="$(free_port)"; WEB="$(free_port)"

# 1. Redis (no persistence needed for a check).
"$REDIS" --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)

# 2. The database and the instance configuration shared by every server.
psql "$PG/postgres" -qc "CREATE DATABASE \"$DB\"" >/dev/null
mkdir -p "$WORK/instance"
cat >"$WORK/instance/config.toml" <<TOML
DATABASE_URL = "$PG/$DB"
JOBS_URL = "redis://127.0.0.1:$REDIS_PORT/0"
RATELIMIT_STORAGE_URI = "redis://127.0.0.1:$REDIS_PORT/1"
SECRET_KEY = "deploy-check-secret"
SESSION_COOKIE_SECURE = false
REMEMBER_COOKIE_SECURE = false
TOML
export DUBAN_INSTANCE="$WORK/instance"
"$DUBAN" db upgrade >/dev/null
printf 'deploy-check-password\n' | "$DUBAN" user create ops --role admin --password-stdin >/dev/null
TOKEN="$("$DUBAN" token create ops --name deploy-check | tail -n 1)"
echo "ok   database migrated, account and API token created"

# 3. Two gunicorn servers (stateless: sessions live in signed cookies).
for port in "$APP1" "$APP2"; do
    (cd "$ROOT" && exec "$GUNICORN" --workers 2 --threads 4 --worker-class gthread --bind "127.0.0.1:$port" \
        --access-logfile "$WORK/app-$port.access.log" "web.app:create_app()") >"$WORK/app-$port.log" 2>&1 &
    PIDS+=($!)
done

# 4. A job consumer on Redis.
"$DUBAN" jobs run --workers 2 >"$WORK/jobs.log" 2>&1 &
PIDS+=($!)

# 5. nginx in front: static files from disk, everything else to the two servers.
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.error.log;
events { worker_connections 256; }
http {
    access_log $WORK/nginx.access.log;
    client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
    types { text/css css; application/javascript js; image/svg+xml svg; font/woff2 woff2; }
    upstream duban { server 127.0.0.1:$APP1; server 127.0.0.1:$APP2; }
    server {
        listen 127.0.0.1:$WEB;
        client_max_body_size 25m;
        location /static/ { alias $ROOT/web/static/; expires 1h; }
        location / {
            proxy_pass http://duban;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }
}
NGINX
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" -g "daemon on;" 2>>"$WORK/nginx.error.log" || fail "nginx did not start"

BASE="http://127.0.0.1:$WEB"
wait_for "http://127.0.0.1:$APP1/login"; wait_for "http://127.0.0.1:$APP2/login"; wait_for "$BASE/login"
echo "ok   nginx on $BASE in front of gunicorn on :$APP1 and :$APP2"

[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/static/duban.css")" = 200 ] || fail "static files"
echo "ok   static files served by nginx"
curl -fsS "$BASE/api/v1/openapi.json" | grep -q '"openapi"' || fail "OpenAPI document"
curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me" | grep -q '"username":"ops"' || fail "API with token"
echo "ok   API answers with a bearer token"
for _ in $(seq 1 10); do curl -fsS -o /dev/null "$BASE/login"; done
[ -s "$WORK/app-$APP1.access.log" ] && [ -s "$WORK/app-$APP2.access.log" ] || fail "both servers get requests"
echo "ok   both gunicorn servers take requests"

"$DUBAN" jobs enqueue purge_idempotency_keys >/dev/null
for _ in $(seq 1 50); do grep -q "purge_idempotency_keys.* executed in" "$WORK/jobs.log" && break; sleep 0.2; done
grep -q "purge_idempotency_keys.* executed in" "$WORK/jobs.log" || fail "the job consumer did not run the job"
echo "ok   job queued on Redis and run by the consumer"
echo "deploy check: ok"
