#!/bin/sh
# Installs what tlsdoctor needs to build and test, idempotently, with apt-get.
# It never starts a service: the test lab starts its own servers on 127.0.0.1.
#
# Without apt (other distributions), install the equivalents of:
#   build:   a C11 compiler, cmake (>= 3.25), make, pkg-config,
#            OpenSSL 3 headers (libssl-dev), c-ares (libc-ares-dev),
#            jansson (libjansson-dev), cmocka (libcmocka-dev), zlib (zlib1g-dev),
#            libpcap (libpcap-dev), SQLite 3 (libsqlite3-dev), libmicrohttpd
#            (libmicrohttpd-dev)
#            optionally Hyperscan (libhyperscan-dev, x86-64)
#   fuzz:    clang with libFuzzer (clang, libclang-rt-14-dev)
#   lab:     nginx, haproxy, openssl, gnutls-bin (gnutls-serv), python3,
#            iproute2 and nftables (network-namespace tests), procps, curl,
#            tcpdump and tshark (capture tests and the pcap benchmark)
#            sslscan and testssl.sh (the matrix cross-check and benchmark: peers to compare with)
#            lighttpd with lighttpd-mod-openssl, apache2, caddy (the other servers whose
#            software and fixes the lab checks)
#            chromium and libnss3-tools (certutil): the client cross-check runs Debian's Chromium
#            headless with an NSS database that trusts the lab root
#            tidy: the --html report's validity check (tests/integration/html_report.py)
#   listen:  wget and openssh-client (ssh): real clients pointed at `tlsdoctor listen` (with
#            curl, openssl, gnutls-bin, python3 and chromium above)
#            parallel (GNU parallel: the fleet scan's shard test runs its shards under it)
#   monitor: prometheus (the exporter under a real Prometheus; promtool checks
#            deploy/prometheus/), sqlite3 (the shell reads the history the tests write)
#   bench:   strace (bench/default_run.sh counts the default run's connect()s to port 80)
set -eu

BUILD_PKGS="build-essential cmake pkg-config libssl-dev libc-ares-dev libjansson-dev libcmocka-dev zlib1g-dev libpcap-dev libsqlite3-dev libmicrohttpd-dev"
FUZZ_PKGS="clang libclang-rt-14-dev"
LAB_PKGS="nginx haproxy openssl gnutls-bin python3 iproute2 nftables procps curl ca-certificates time tcpdump tshark sslscan testssl.sh lighttpd lighttpd-mod-openssl apache2 caddy chromium libnss3-tools tidy parallel"
# Hyperscan exists for x86-64 only; elsewhere `logs` falls back to memmem.
if [ "$(uname -m)" = x86_64 ]; then
    BUILD_PKGS="$BUILD_PKGS libhyperscan-dev"
fi
BENCH_PKGS="strace"
LISTEN_PKGS="wget openssh-client"
# Tests of the history and the exporter only (issue 15).
MONITOR_TEST_PKGS="prometheus sqlite3"
ALL="$BUILD_PKGS $FUZZ_PKGS $LAB_PKGS $BENCH_PKGS $LISTEN_PKGS $MONITOR_TEST_PKGS"
# `install-deps.sh build` (make demo, make release): only what building and running the tool
# needs; `install-deps.sh` or `install-deps.sh test` (make test, make fuzz): everything above.
case "${1:-test}" in
build) ALL="$BUILD_PKGS" ;;
test) ;;
*) echo "usage: install-deps.sh [build|test]" >&2; exit 2 ;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: apt-get not found. Install these packages (Debian names) by hand:" >&2
    echo "  $ALL" >&2
    exit 1
fi

missing=""
for p in $ALL; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "install-deps: installing:$missing"
# Keep package maintainer scripts from starting nginx/haproxy on ports 80/443:
# the lab starts its own instances on ephemeral ports.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    created_policy=1
fi
cleanup() {
    if [ "$created_policy" = 1 ]; then
        $SUDO rm -f "$policy"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# An update is needed on a fresh machine: its package lists are empty.
$SUDO apt-get update -q >/dev/null || $SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
echo "install-deps: done"
