#!/bin/bash
# tests/integration/exporter_prometheus.sh: the exporter scraped by a REAL Prometheus (Debian's
# package). Two lab origins (healthy nginx, nginx with an expired certificate), the exporter on
# a free port of 127.0.0.1, Prometheus started with a generated multi-target config (the
# relabelling of deploy/prometheus/prometheus.yml) and a temporary storage directory. The test
# waits for a scrape of both origins and asks Prometheus' HTTP API for tlsdoctor_probe_success
# and the root-cause label of each. Everything is stopped by PID; every wait is bounded.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"
certs="${LAB_CERTS_DIR:?}"
command -v prometheus >/dev/null || { echo "prometheus not installed (scripts/install-deps.sh)"; exit 77; }
export TLSDOCTOR here
# Nested lab runs: the outer origin's port is kept before the inner one sets LAB_PORT again.
exec "$here/../lab/lab.sh" run healthy "$certs" -- bash -c '
    export GOOD_PORT=$LAB_PORT
    exec "$here/../lab/lab.sh" run expired "$LAB_CERTS" -- bash -c "
        export BAD_PORT=\$LAB_PORT
        exec python3 \"$here/exporter_prometheus.py\"
    "
'
