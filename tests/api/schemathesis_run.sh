#!/usr/bin/env bash
# Fuzz the REST API against its own OpenAPI schema with schemathesis, as each role.
#
# Starts the portal under gunicorn on a free local port, on a database of its own (created,
# migrated and seeded here, dropped at the end), creates a token for each role the way the
# portal does (`manage.py create_api_token` for a correspondent and the Commission; for the
# secretariat, whose tokens come only from a session verified with the second factor, the
# same service that page calls), and runs schemathesis with each token, then anonymously.
# Checks: no 5xx (not_a_server_error) and every response as documented
# (response_schema_conformance). Exits non-zero on any failure.
#
#   bash tests/api/schemathesis_run.sh
#
# Environment: DATABASE_URL (its server is used; the database name is replaced), CELERY_BROKER_URL,
# MAX_EXAMPLES (per operation, default 20), TIME_LIMIT (seconds per role, default 300).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=.venv/bin
MAX_EXAMPLES="${MAX_EXAMPLES:-20}"
TIME_LIMIT="${TIME_LIMIT:-300}"
SERVER_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal}"
SERVER_URL="${SERVER_URL%/*}"
DB_NAME="portal_schemathesis"

export DEBUG=True
export DATABASE_URL="$SERVER_URL/$DB_NAME"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}"
# Thousands of requests a minute from one token: throttling would only hide the answers.
export API_THROTTLE_ANON=1000000/minute API_THROTTLE_USER=1000000/minute
export PYTHONUNBUFFERED=1

database() {  # database create|drop
  "$BIN/python" - "$SERVER_URL/postgres" "$DB_NAME" "$1" <<'EOF'
import sys

import psycopg2
from psycopg2 import sql

url, name, action = sys.argv[1:]
connection = psycopg2.connect(url)
connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if action == "create":
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
EOF
}

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  database drop || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== database $DB_NAME"
database create
"$BIN/python" manage.py migrate --verbosity 0
"$BIN/python" manage.py load_reference >/dev/null
"$BIN/python" manage.py load_instruments >/dev/null
"$BIN/python" manage.py seed_demo >/dev/null  # people, cycles, responses in every state
declare -A TOKENS
for person in corr-fra commission; do
  TOKENS[$person]="$("$BIN/python" manage.py create_api_token "$person" 2>/dev/null)"
done
TOKENS[reviewer]="$("$BIN/python" manage.py shell --no-imports -c '
from portal.models import User
from portal.services import api_token_create
print(api_token_create(user=User.objects.get(username="reviewer"), second_factor_verified=True)[1])
')"
for person in corr-fra reviewer commission; do
  [ -n "${TOKENS[$person]}" ] || { echo "no token for $person" >&2; exit 1; }
done

# Real identifiers, drawn most of the time, so the operations reach data and not only 404s.
RESPONSE_IDS="$("$BIN/python" manage.py shell --no-imports -c '
from responses.models import Response
ids = Response.objects.filter(respondent__code__in=["FRA", "KEN", "BRA", "JPN", "DEU"]).values_list("id", flat=True)
print(", ".join(str(i) for i in sorted(ids)))
')"
cat >"$WORK/schemathesis.toml" <<EOF
[dictionaries.ids]
values = [${RESPONSE_IDS:-1}]
[dictionaries.numbers]
values = [1, 2, 3]
[dictionaries.cycles]
values = ["demo-1997-34", "demo-2004-28-1"]
[dictionaries.instruments]
values = ["1997-34", "2004-28-1", "2004-28-2"]
[dictionaries.respondents]
values = ["FRA", "KEN", "BRA"]

[parameters]
"path.id" = { dictionary = "ids", probability = 0.7 }
"path.number" = { dictionary = "numbers", probability = 0.7 }
"path.slug" = { dictionary = "cycles", probability = 0.7 }
"path.code" = { dictionary = "instruments", probability = 0.7 }
"query.cycle" = { dictionary = "cycles", probability = 0.5 }
"query.respondent" = { dictionary = "respondents", probability = 0.5 }
"query.from" = { dictionary = "numbers", probability = 0.7 }
"query.to" = { dictionary = "numbers", probability = 0.7 }
"body.cycle" = { dictionary = "cycles", probability = 0.5 }
"body.respondent" = { dictionary = "respondents", probability = 0.5 }
EOF

PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
echo "== server $BASE"
"$BIN/gunicorn" portal.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --timeout 60 \
  --access-logfile /dev/null --error-logfile "$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 60); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$BASE/healthz" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

run() {  # run ROLE [schemathesis options...]
  local role="$1"
  shift
  echo "== schemathesis as $role"
  timeout --kill-after=10 "$TIME_LIMIT" "$BIN/schemathesis" --config-file "$WORK/schemathesis.toml" --no-color run "$BASE/api/schema/" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --workers 1 \
    --request-timeout 30 \
    --seed 20260 \
    --generation-database none \
    --generation-with-security-parameters false \
    --report junit --report-dir "$WORK/report-$role" \
    "$@"
}

failed=0
for person in corr-fra reviewer commission; do
  run "$person" -H "Authorization: Token ${TOKENS[$person]}" || failed=1
done
run anonymous || failed=1

if [ "$failed" -ne 0 ]; then
  echo "== server log (tail)"
  tail -n 100 "$WORK/server.log"
  echo "schemathesis found failures" >&2
fi
exit "$failed"
