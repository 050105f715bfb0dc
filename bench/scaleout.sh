#!/bin/sh
# Scale-out on one machine: two gunicorn processes behind one address (a small
# TCP balancer, bench/balancer.py), two Celery prefork workers and one beat,
# against one PostgreSQL and one Redis. Everything listens on 127.0.0.1 only
# and stops by itself (bounded in time).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_perf_scale \
#   REDIS_URL=redis://127.0.0.1:6379/10 bench/scaleout.sh            # load test
#   ... LOAD_USERS=50 LOAD_TIME=5m bench/scaleout.sh                  # the issue's run
#   ... LOAD=0 HOLD=120 bench/scaleout.sh                             # just run the stack
#
# The locust run: first one user of each kind alone for UNLOADED_TIME (each
# page's unloaded time), then LOAD_USERS users for LOAD_TIME; bench/locust_report.py prints
# p95 per page as a ratio of its unloaded median, and the error count.
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-/work/main/.venv/bin/python}
BIN=$(dirname "$PY")
PORT=${PORT:-8100}
LOAD=${LOAD:-1}
LOAD_USERS=${LOAD_USERS:-50}
LOAD_TIME=${LOAD_TIME:-5m}
UNLOADED_TIME=${UNLOADED_TIME:-30s}
HOLD=${HOLD:-60}
OUT=${OUT:-$(mktemp -d /tmp/tandem-scaleout.XXXXXX)}
export DJANGO_SETTINGS_MODULE=bench.worker_settings
export LOCUST_USERS="$OUT/users.json"
: "${DATABASE_URL:?set DATABASE_URL}" "${REDIS_URL:?set REDIS_URL}"
case "$DATABASE_URL$REDIS_URL" in *127.0.0.1*) ;; *) echo "loopback only" >&2; exit 2 ;; esac

PIDS=""
stop() {
    for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
    for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT INT TERM

"$PY" bench/locust_setup.py --out "$LOCUST_USERS"
# Export files: one directory both web processes and both workers see (on
# several machines: S3_BUCKET, see docs/performance.md).
export EXPORT_ROOT="$OUT/exports"

# --keep-alive above the scenario's pauses (1-3 s): with gunicorn's default of
# 2 s an idle keep-alive connection is closed just as a user sends its next
# request on it ("Remote end closed connection without response").
for n in 1 2; do
    "$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$((PORT + n))" --workers 2 \
        --threads 2 --timeout 60 --graceful-timeout 5 --keep-alive 30 --access-logfile /dev/null \
        --error-logfile "$OUT/web$n.log" &
    PIDS="$PIDS $!"
    "$PY" -m celery -A config worker --pool prefork --concurrency 2 --hostname "worker$n@%h" \
        --loglevel WARNING --logfile "$OUT/worker$n.log" &
    PIDS="$PIDS $!"
done
"$PY" -m celery -A config beat --loglevel WARNING --schedule "$OUT/beat-schedule" \
    --logfile "$OUT/beat.log" &   # exactly one beat
PIDS="$PIDS $!"
"$PY" bench/balancer.py --listen "$PORT" --backend "$((PORT + 1))" --backend "$((PORT + 2))" \
    --seconds 1800 &
PIDS="$PIDS $!"

i=0
until curl -fsS "http://127.0.0.1:$PORT/healthz/" >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -lt 60 ] || { echo "the stack did not start" >&2; exit 1; }; sleep 1
done
echo "Two web processes behind http://127.0.0.1:$PORT, two workers, one beat. Logs in $OUT."

if [ "$LOAD" = 1 ]; then
    # Unloaded: one user of each kind in turn, alone on the stack.
    for kind in Client Practitioner TrialManager; do
        "$BIN/locust" -f bench/locustfile.py --host "http://127.0.0.1:$PORT" --headless \
            -u 1 -r 1 -t "$UNLOADED_TIME" --csv "$OUT/unloaded-$kind" --only-summary \
            "$kind" >/dev/null 2>&1 || true
    done
    "$BIN/locust" -f bench/locustfile.py --host "http://127.0.0.1:$PORT" --headless \
        -u "$LOAD_USERS" -r 5 -t "$LOAD_TIME" --stop-timeout 10 --csv "$OUT/loaded" \
        --only-summary >/dev/null 2>&1 || true
    "$PY" bench/locust_report.py "$OUT"/unloaded-*_stats.csv --loaded "$OUT/loaded_stats.csv" \
        --users "$LOAD_USERS" --time "$LOAD_TIME"
else
    sleep "$HOLD"
fi
