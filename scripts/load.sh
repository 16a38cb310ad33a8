#!/usr/bin/env bash
# A bounded load run of the main pages under gunicorn with production settings, on the
# loopback interface only. Not part of CI: run it by hand and record the figures in the
# README ("Running in production", "Load").
#
#   scripts/load.sh                # 60 s, 8 connections, SQLite in a temporary folder
#   DURATION=120s scripts/load.sh  # longer
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bp_load scripts/load.sh   # an EMPTY database of your own
#
# It fails (exit 1) on any error: a socket error, a timeout or any response but 200.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
PORT=${PORT:-8765}
WEB_CONCURRENCY=${WEB_CONCURRENCY:-4}
PY=.venv/bin/python
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$PY" ] || { echo "run 'make install' first" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Production settings, but plain HTTP on loopback (no TLS proxy in front of it here).
export DEBUG=0 SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING
export SECRET_KEY
SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')
export DATABASE_URL=${DATABASE_URL:-sqlite:///$work/load.sqlite3}

echo "== Preparing: migrate, seed, collectstatic ($DATABASE_URL)"
$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo >/dev/null
$PY manage.py collectstatic --noinput --verbosity 0

# A commissioner of both councils, signed in by a session made on the server side.
session=$($PY manage.py shell --no-imports -c '
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from councils.models import Council, Membership, Role
from proposals.models import BudgetPlan
user, _ = get_user_model().objects.get_or_create(username="load-commissioner")
for council in Council.objects.all():
    Membership.objects.get_or_create(user=user, council=council, role=Role.COMMISSIONER)
client = Client()
client.force_login(user)
paths = []
for plan in BudgetPlan.objects.select_related("council").order_by("council__slug"):
    base = f"/c/{plan.council.slug}/{plan.slug}"
    first = plan.proposals.order_by("pk").first()
    outcome = plan.proposals.order_by("pk").values_list("outcome__code", flat=True).first()
    paths += [f"{base}/rollup/", f"{base}/rollup/?view=incremental&by=theme", f"{base}/proposals/",
              f"{base}/proposals/?sort=-net", f"{base}/proposals/{first.pk}/", f"{base}/outcomes/{outcome}/",
              f"{base}/proposals/{first.pk}/history/", "/"]
print("LOAD", f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", ",".join(paths))
')
read -r _ LOAD_COOKIE LOAD_PATHS < <(echo "$session" | grep "^LOAD ")
export LOAD_COOKIE LOAD_PATHS

echo "== Serving with gunicorn on 127.0.0.1:$PORT ($WEB_CONCURRENCY workers)"
.venv/bin/gunicorn budget_portal.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WEB_CONCURRENCY" \
  --log-level warning --error-logfile "$work/gunicorn.log" &
server=$!
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "== wrk: $DURATION, $CONNECTIONS connections, $THREADS threads, $(echo "$LOAD_PATHS" | tr ',' '\n' | wc -l) pages in turn"
echo "$LOAD_PATHS" | tr ',' '\n' | sed 's/^/   /'
wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "$DURATION" --timeout 10s --latency \
  --script scripts/load.lua "http://127.0.0.1:$PORT" | tee "$work/wrk.txt"

echo "== Result"
failed=0
if grep -q "Socket errors" "$work/wrk.txt"; then echo "FAIL: socket errors"; failed=1; fi
if grep -q "Non-2xx or 3xx responses" "$work/wrk.txt"; then echo "FAIL: non-2xx/3xx responses"; failed=1; fi
if ! grep -q "not 200: 0$" "$work/wrk.txt"; then echo "FAIL: responses other than 200"; failed=1; fi
if [ -s "$work/gunicorn.log" ]; then echo "Server log:"; cat "$work/gunicorn.log"; fi
if grep -qiE "error|exception" "$work/gunicorn.log"; then echo "FAIL: the server logged errors"; failed=1; fi
[ "$failed" = 0 ] && echo "OK: zero errors"
exit "$failed"
