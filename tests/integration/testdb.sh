#!/usr/bin/env bash
# ctest fixture: creates (start) or removes (stop) the throw-away embedded PostgreSQL
# cluster that database and integration tests share.  Each test makes its own database
# in it.  `stop` also kills daemons tests may have left behind.
set -u
: "${MELES_BIN:?}" "${MELES_TEST_STATE:?}"
conf=$MELES_TEST_STATE/meles.conf

stop_cluster() {
  if [ -f "$conf" ]; then
    "$MELES_BIN" --config "$conf" db stop >/dev/null 2>&1 || true
  fi
  if [ -f "$MELES_TEST_STATE/pgdata/postmaster.pid" ]; then
    pid=$(head -1 "$MELES_TEST_STATE/pgdata/postmaster.pid")
    kill -QUIT "$pid" 2>/dev/null || true
  fi
  pkill -f -- "--config $MELES_TEST_STATE/" 2>/dev/null || true
  rm -rf "$MELES_TEST_STATE"
}

case "${1:-}" in
  start)
    stop_cluster
    mkdir -p "$MELES_TEST_STATE"
    if ! "$MELES_BIN" --config "$conf" init > "$MELES_TEST_STATE.init.log" 2>&1; then
      cat "$MELES_TEST_STATE.init.log"; exit 1
    fi
    echo "test cluster ready in $MELES_TEST_STATE"
    ;;
  stop)
    stop_cluster
    rm -f "$MELES_TEST_STATE.init.log"
    echo "test cluster removed"
    ;;
  *) echo "usage: testdb.sh start|stop" >&2; exit 2 ;;
esac
