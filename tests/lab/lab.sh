#!/bin/bash
# tests/lab/lab.sh: the real-server lab. Generates a private PKI and starts real third-party
# servers (nginx, HAProxy, openssl s_server, python3) on 127.0.0.1, each misconfigured on
# purpose. Servers bind free ports only, are started and stopped by PID, and every wait is
# bounded. Never touches any address but 127.0.0.1.
#
#   lab.sh certs DIR                     generate the PKI into DIR (idempotent)
#   lab.sh run SCENARIO DIR -- CMD ...   start SCENARIO's server, run CMD with LAB_PORT and
#                                        LAB_HOST set, stop the server; exits with CMD's status
#   lab.sh list                          print the scenarios
#   LAB_USE_PORT=N lab.sh run ...        the same on port N (a server swapped in place)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SCENARIOS="healthy expired not_yet_valid self_signed missing_intermediate hostname_mismatch
untrusted_root tls10_only tls13_only plain_http closed_port sni_required default_cert silent
reset_after_hello client_cert_required drip random
nginx_logging haproxy_logging proxy_plain_to_tls unavailable_503 two_backends intercepted redirect_loop misdirected_421 redirect_to_http slow_tls
ingress_default origin_ca haproxy_no_backend
modern_nginx many_ciphers v13_intolerant large_intolerant sslv2 truncated bigrec alert_mid
tls10_rsa aria_only dh1024 cn_only eku_client wrong_intermediate misordered_chain short_lived
late endless_records huge_msg big_cert sh_bad_length sh_bad_ext sh_dup_ext zero_records
head_drip head_closed head_endless head_10mb body_1gb many_certs escapes
lighttpd_tls10 apache_expired caddy_missing_intermediate lighttpd_logging apache_logging"

die() { echo "lab.sh: $*" >&2; exit 3; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: run scripts/install-deps.sh"; }

gen_certs() ( # a subshell: the cd below must not move the caller
    local d="$1"
    need openssl
    mkdir -p "$d"
    [ -f "$d/.done-v4" ] && return 0  # bump the version when the PKI changes
    cd "$d"
    rm -rf newcerts index.txt* serial* ./*.pem ./*.key ./*.csr
    mkdir -p newcerts
    : > index.txt
    echo 1000 > serial
    cat > ca.cnf <<CNF
[ ca ]
default_ca = lab
[ lab ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = pol
unique_subject = no
email_in_dn = no
[ pol ]
commonName = supplied
organizationName = optional
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \${ENV::LAB_SAN}
CNF
    local ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    # Roots (self-signed), then intermediates signed by them.
    for r in root other_root; do
        # shellcheck disable=SC2086
        openssl req -x509 $ec -keyout $r.key -out $r.pem -days 3650 -subj "/O=tlsdoctor test lab/CN=$r" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    done
    export LAB_SAN="DNS:unused"
    for pair in "int:root" "other_int:other_root"; do
        local n="${pair%%:*}" iss="${pair##*:}"
        # shellcheck disable=SC2086
        openssl req $ec -keyout $n.key -out $n.csr -subj "/O=tlsdoctor test lab/CN=$n" 2>/dev/null
        openssl ca -batch -config ca.cnf -cert $iss.pem -keyfile $iss.key -in $n.csr -out $n.pem \
            -days 1825 -extensions v3_ca -notext 2>/dev/null
    done
    # Leaves: NAME ISSUER SAN START END (dates in openssl ca's YYYYMMDDHHMMSSZ, or "" for -days)
    leaf() {
        local n="$1" iss="$2" san="$3" start="$4" end="$5"
        export LAB_SAN="$san"
        # shellcheck disable=SC2086
        local cn="${san#DNS:}"
        openssl req $ec -keyout $n.key -out $n.csr -subj "/CN=${cn%%,*}" 2>/dev/null
        if [ -n "$start" ]; then
            openssl ca -batch -config ca.cnf -cert $iss.pem -keyfile $iss.key -in $n.csr -out $n.pem \
                -startdate "$start" -enddate "$end" -extensions v3_leaf -notext 2>/dev/null
        else
            openssl ca -batch -config ca.cnf -cert $iss.pem -keyfile $iss.key -in $n.csr -out $n.pem \
                -days 90 -extensions v3_leaf -notext 2>/dev/null
        fi
        cat $n.pem int.pem > $n.full.pem
    }
    leaf good int "DNS:good.lab.test,DNS:*.lab.test" "" ""
    leaf expired int "DNS:*.lab.test" 20200101000000Z 20210101000000Z
    leaf future int "DNS:*.lab.test" 20990101000000Z 20991231000000Z
    leaf wrongname int "DNS:www.example.net" "" ""
    leaf default int "DNS:default.other.test" "" ""
    leaf client int "DNS:client.lab.test" "" ""
    leaf other int "DNS:*.lab.test" "" ""
    # A certificate as a TLS-inspecting proxy would mint it: issued by a CA named like Zscaler's.
    # shellcheck disable=SC2086
    openssl req -x509 $ec -keyout zscaler_root.key -out zscaler_root.pem -days 3650 \
        -subj "/O=Zscaler Inc./CN=Zscaler Root CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    export LAB_SAN="DNS:*.lab.test"
    # shellcheck disable=SC2086
    openssl req $ec -keyout zs.key -out zs.csr -subj "/CN=good.lab.test" 2>/dev/null
    openssl x509 -req -in zs.csr -CA zscaler_root.pem -CAkey zscaler_root.key -CAcreateserial \
        -days 30 -out zs.pem -extfile <(printf 'subjectAltName=DNS:*.lab.test\nbasicConstraints=CA:FALSE\n') 2>/dev/null
    openssl ca -batch -config ca.cnf -cert other_int.pem -keyfile other_int.key -in other.csr \
        -out other.pem -days 90 -extensions v3_leaf -notext 2>/dev/null
    cat other.pem other_int.pem > other.full.pem
    # shellcheck disable=SC2086
    openssl req -x509 $ec -keyout self.key -out self.pem -days 90 -subj "/CN=self.lab.test" \
        -addext "subjectAltName=DNS:*.lab.test" -addext "basicConstraints=CA:FALSE" 2>/dev/null
    for n in good expired wrongname self; do
        cat "$n.pem" "$n.key" > "$n.haproxy.pem"
    done
    cat self.pem self.key > self.haproxy.pem
    # The placeholder certificate ingress-nginx serves when no Ingress has a TLS secret for the
    # name (same subject and SAN as the controller's generated one).
    # shellcheck disable=SC2086
    openssl req -x509 $ec -keyout ingress_fake.key -out ingress_fake.pem -days 365 \
        -subj "/O=Acme Co/CN=Kubernetes Ingress Controller Fake Certificate" \
        -addext "subjectAltName=DNS:ingress.local" -addext "basicConstraints=CA:FALSE" 2>/dev/null
    # A leaf from a CA named as Cloudflare's Origin CA (trusted only by Cloudflare's edge).
    # shellcheck disable=SC2086
    openssl req -x509 $ec -keyout cf_origin_root.key -out cf_origin_root.pem -days 3650 \
        -subj "/C=US/O=CloudFlare, Inc./OU=CloudFlare Origin SSL Certificate Authority/L=San Francisco/ST=California" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    # shellcheck disable=SC2086
    openssl req $ec -keyout cforigin.key -out cforigin.csr -subj "/O=CloudFlare, Inc./CN=CloudFlare Origin Certificate" 2>/dev/null
    openssl x509 -req -in cforigin.csr -CA cf_origin_root.pem -CAkey cf_origin_root.key -CAcreateserial \
        -days 90 -out cforigin.pem -extfile <(printf 'subjectAltName=DNS:*.lab.test\nbasicConstraints=CA:FALSE\n') 2>/dev/null
    # v4: certificates that only some clients refuse.
    # An RSA leaf (static-RSA and DHE-RSA suites need one).
    export LAB_SAN="DNS:*.lab.test"
    # The name only in the subject CN, no subjectAltName; and a clientAuth-only EKU.
    cat >> ca.cnf <<CNF
[ v3_rsa ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.lab.test
[ v3_nosan ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[ v3_clientonly ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:*.lab.test
CNF
    openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj "/CN=rsa.lab.test" 2>/dev/null
    openssl ca -batch -config ca.cnf -cert int.pem -keyfile int.key -in rsa.csr -out rsa.pem \
        -days 90 -extensions v3_rsa -notext 2>/dev/null
    # shellcheck disable=SC2086
    openssl req $ec -keyout cnonly.key -out cnonly.csr -subj "/CN=cn-only.lab.test" 2>/dev/null
    openssl ca -batch -config ca.cnf -cert int.pem -keyfile int.key -in cnonly.csr -out cnonly.pem \
        -days 90 -extensions v3_nosan -notext 2>/dev/null
    # shellcheck disable=SC2086
    openssl req $ec -keyout clientonly.key -out clientonly.csr -subj "/CN=eku-client.lab.test" 2>/dev/null
    openssl ca -batch -config ca.cnf -cert int.pem -keyfile int.key -in clientonly.csr -out clientonly.pem \
        -days 90 -extensions v3_clientonly -notext 2>/dev/null
    # A six-day certificate (as ACME CAs now issue) with four days left: not "expiring soon".
    # shellcheck disable=SC2086
    openssl req $ec -keyout short.key -out short.csr -subj "/CN=short-lived.lab.test" 2>/dev/null
    openssl ca -batch -config ca.cnf -cert int.pem -keyfile int.key -in short.csr -out short.pem \
        -startdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '+4 days' +%Y%m%d%H%M%SZ)" \
        -extensions v3_leaf -notext 2>/dev/null
    openssl dhparam -out dh1024.pem 1024 2>/dev/null
    touch .done-v4
)

HSTS='add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;'

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

alive() { # PID: running, and not a zombie waiting to be reaped (kill -0 counts those)
    kill -0 "$1" 2>/dev/null || return 1
    local st
    st="$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null || echo X)"
    [ "$st" != Z ] && [ "$st" != X ]
}

wait_ready() { # PORT PID: a successful connect within 10 s, never a sleep alone
    local port="$1" pid="$2" i
    for i in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

nginx_conf() { # DIR PORT SERVERS
    local d="$1" port="$2" servers="$3"
    mkdir -p "$d/tmp"
    cat > "$d/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 64; }
http {
    access_log $d/access.log;
    client_body_temp_path $d/tmp;
    proxy_temp_path $d/tmp;
    fastcgi_temp_path $d/tmp;
    uwsgi_temp_path $d/tmp;
    scgi_temp_path $d/tmp;
$servers
}
CONF
}

ngx_server() { # PORT NAME CERT KEY EXTRA [LISTEN-SUFFIX] [ADDRESS] [LOCATION-BODY]
    local loc="${8:-}"
    [ -n "$loc" ] || loc='return 200 "ok\n";'
    cat <<SRV
    server {
        listen ${7:-127.0.0.1}:$1 ssl${6:-};
        server_name $2;
        ssl_certificate $3;
        ssl_certificate_key $4;
        $5
        location / { $loc }
    }
SRV
}

ngx_plain() { # PORT LOCATION-BODY: a plain-HTTP server block
    printf '    server {\n        listen 127.0.0.1:%s;\n        location / { %s }\n    }\n' "$1" "$2"
}

run_nginx() { # RUNDIR: nginx in the foreground, one process; call with & (the PID is nginx's)
    exec nginx -p "$1" -c "$1/nginx.conf" -e "$1/error.log" >"$1/server.log" 2>&1
}

haproxy_conf() { # DIR PORT PEM
    cat > "$1/haproxy.cfg" <<CONF
global
    maxconn 64
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:$2 ssl crt $3
    http-request return status 200 content-type text/plain string "ok"
CONF
}

start_server() { # SCENARIO CERTDIR RUNDIR PORT -> prints PID (or "none")
    local s="$1" c="$2" d="$3" port="$4"
    case "$s" in
    healthy)
        nginx_conf "$d" "$port" "$(ngx_server "$port" good.lab.test "$c/good.full.pem" "$c/good.key" "")"
        run_nginx "$d" & ;;
    expired)
        nginx_conf "$d" "$port" "$(ngx_server "$port" expired.lab.test "$c/expired.full.pem" "$c/expired.key" "")"
        run_nginx "$d" & ;;
    missing_intermediate)
        nginx_conf "$d" "$port" "$(ngx_server "$port" mi.lab.test "$c/good.pem" "$c/good.key" "")"
        run_nginx "$d" & ;;
    tls13_only)
        nginx_conf "$d" "$port" "$(ngx_server "$port" t13.lab.test "$c/good.full.pem" "$c/good.key" "ssl_protocols TLSv1.3;")"
        run_nginx "$d" & ;;
    sni_required)
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/good.full.pem" "$c/good.key" "ssl_reject_handshake on;" " default_server")
$(ngx_server "$port" sni.lab.test "$c/good.full.pem" "$c/good.key" "")"
        run_nginx "$d" & ;;
    default_cert)
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/default.full.pem" "$c/default.key" "" " default_server")
$(ngx_server "$port" dc.lab.test "$c/good.full.pem" "$c/good.key" "")"
        run_nginx "$d" & ;;
    proxy_plain_to_tls)
        # nginx terminates TLS and proxies in plain HTTP to its own second TLS port.
        local back; back="$(free_port)"
        nginx_conf "$d" "$port" "$(ngx_server "$port" proxy.lab.test "$c/good.full.pem" "$c/good.key" "" "" "" \
            "proxy_pass http://127.0.0.1:$back;")
$(ngx_server "$back" backend.lab.test "$c/good.full.pem" "$c/good.key" "")"
        run_nginx "$d" & ;;
    two_backends)
        # One name, two addresses: 127.0.0.1 serves the good certificate, 127.0.0.2 an expired one.
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/good.full.pem" "$c/good.key" "")
$(ngx_server "$port" _ "$c/expired.full.pem" "$c/expired.key" "" "" 127.0.0.2)"
        run_nginx "$d" & ;;
    misdirected_421)
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/good.full.pem" "$c/good.key" "" "" "" "return 421;")"
        run_nginx "$d" & ;;
    redirect_to_http)
        local plain; plain="$(free_port)"
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/good.full.pem" "$c/good.key" "$HSTS" "" "" \
            'return 302 http://$host:'"$plain"'/;')
$(ngx_plain "$plain" 'return 200 "plain\n";')"
        run_nginx "$d" & ;;
    slow_tls)
        python3 "$HERE/rawserver.py" slow_tls "$port" "$c/good.full.pem" "$c/good.key" >"$d/server.log" 2>&1 & ;;
    redirect_loop)
        # The classic CDN-Flexible loop: HTTPS redirects to HTTP, HTTP redirects to HTTPS.
        local plain; plain="$(free_port)"
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/good.full.pem" "$c/good.key" "" "" "" \
            'return 301 http://$host:'"$plain"'$request_uri;')
$(ngx_plain "$plain" 'return 301 https://$host:'"$port"'$request_uri;')"
        run_nginx "$d" & ;;
    intercepted)
        # 127.0.0.1: the real server; 127.0.0.2: the same name as seen through a TLS-inspecting
        # proxy (a leaf minted by "Zscaler Root CA").
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/good.full.pem" "$c/good.key" "")
$(ngx_server "$port" _ "$c/zs.pem" "$c/zs.key" "" "" 127.0.0.2)"
        run_nginx "$d" & ;;
    ingress_default)
        # What a client sees from ingress-nginx with no TLS secret for the name: the fake
        # certificate, from a server that sends no Server header (s_server -www).
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/ingress_fake.pem" \
            -key "$c/ingress_fake.key" >"$d/server.log" 2>&1 </dev/null & ;;
    origin_ca)
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/cforigin.pem" "$c/cforigin.key" "")"
        run_nginx "$d" & ;;
    haproxy_no_backend)
        # HAProxy (no Server header) whose only backend is down: its own 503 page.
        cat "$c/good.pem" "$c/int.pem" "$c/good.key" > "$d/crt.pem"
        haproxy_conf "$d" "$port" "$d/crt.pem"
        sed -i '/http-request return/d' "$d/haproxy.cfg"
        printf '    default_backend app\nbackend app\n    retries 0\n    server s1 127.0.0.1:%s\n' "$(free_port)" >> "$d/haproxy.cfg"
        haproxy -f "$d/haproxy.cfg" -db >"$d/server.log" 2>&1 & ;;
    unavailable_503)
        nginx_conf "$d" "$port" "$(ngx_server "$port" maint.lab.test "$c/good.full.pem" "$c/good.key" "$HSTS" "" "" "return 503;")"
        run_nginx "$d" & ;;
    nginx_logging)
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$c/good.full.pem" "$c/good.key" "ssl_reject_handshake on; ssl_protocols TLSv1.3;" " default_server")
$(ngx_server "$port" logs.lab.test "$c/good.full.pem" "$c/good.key" "ssl_protocols TLSv1.3;")"
        run_nginx "$d" & ;;
    haproxy_logging)
        haproxy_conf "$d" "$port" "$c/good.haproxy.pem"
        sed -i 's/^global$/global\n    log stdout format raw local0 info/; s/^defaults$/defaults\n    log global\n    option httplog/' "$d/haproxy.cfg"
        haproxy -f "$d/haproxy.cfg" -db >"$d/server.log" 2>&1 & ;;
    self_signed)
        haproxy_conf "$d" "$port" "$c/self.haproxy.pem"
        haproxy -f "$d/haproxy.cfg" -db >"$d/server.log" 2>&1 & ;;
    hostname_mismatch)
        cat "$c/wrongname.pem" "$c/int.pem" "$c/wrongname.key" > "$d/crt.pem"
        haproxy_conf "$d" "$port" "$d/crt.pem"
        haproxy -f "$d/haproxy.cfg" -db >"$d/server.log" 2>&1 & ;;
    not_yet_valid)
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/future.pem" -key "$c/future.key" \
            -cert_chain "$c/int.pem" >"$d/server.log" 2>&1 </dev/null & ;;
    untrusted_root)
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/other.pem" -key "$c/other.key" \
            -cert_chain "$c/other_int.pem" >"$d/server.log" 2>&1 </dev/null & ;;
    modern_nginx)
        # Mozilla's "intermediate" configuration (ssl-config.mozilla.org): TLS 1.2 + 1.3, ECDHE/DHE AEAD.
        nginx_conf "$d" "$port" "$(ngx_server "$port" good.lab.test "$c/good.full.pem" "$c/good.key" \
            "ssl_protocols TLSv1.2 TLSv1.3; ssl_ecdh_curve X25519:prime256v1:secp384r1; ssl_prefer_server_ciphers off; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;")"
        run_nginx "$d" & ;;
    many_ciphers)
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/good.pem" -key "$c/good.key" \
            -cert_chain "$c/int.pem" -cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' -serverpref \
            >"$d/server.log" 2>&1 </dev/null & ;;
    v13_intolerant|large_intolerant)
        python3 "$HERE/rawserver.py" "$s" "$port" "$c/good.full.pem" "$c/good.key" >"$d/server.log" 2>&1 & ;;
    sslv2|truncated|bigrec|alert_mid)
        python3 "$HERE/rawserver.py" "$s" "$port" >"$d/server.log" 2>&1 & ;;
    tls10_only)
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/good.pem" -key "$c/good.key" \
            -cert_chain "$c/int.pem" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' >"$d/server.log" 2>&1 </dev/null & ;;
    tls10_rsa)
        # TLS 1.0 only, static-RSA CBC suites: OpenSSL 3 (curl) completes it, browsers refuse.
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/rsa.pem" -key "$c/rsa.key" \
            -cert_chain "$c/int.pem" -tls1 -cipher 'AES128-SHA:AES256-SHA:@SECLEVEL=0' \
            >"$d/server.log" 2>&1 </dev/null & ;;
    aria_only)
        # TLS 1.2 with ARIA-GCM suites only: no browser or curl offers them.
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/rsa.pem" -key "$c/rsa.key" \
            -cert_chain "$c/int.pem" -tls1_2 -cipher 'ARIA128-GCM-SHA256:ARIA256-GCM-SHA384:@SECLEVEL=0' \
            >"$d/server.log" 2>&1 </dev/null & ;;
    dh1024)
        # DHE only, with a 1024-bit group: OpenSSL 3 says "dh key too small".
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/rsa.pem" -key "$c/rsa.key" \
            -cert_chain "$c/int.pem" -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' \
            -dhparam "$c/dh1024.pem" >"$d/server.log" 2>&1 </dev/null & ;;
    cn_only)
        cat "$c/cnonly.pem" "$c/int.pem" > "$d/chain.pem"
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$d/chain.pem" "$c/cnonly.key" "")"
        run_nginx "$d" & ;;
    eku_client)
        cat "$c/clientonly.pem" "$c/int.pem" > "$d/chain.pem"
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$d/chain.pem" "$c/clientonly.key" "")"
        run_nginx "$d" & ;;
    wrong_intermediate)
        # The leaf is issued by "int", the bundle holds another CA's intermediate.
        cat "$c/good.pem" "$c/other_int.pem" > "$d/chain.pem"
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$d/chain.pem" "$c/good.key" "")"
        run_nginx "$d" & ;;
    misordered_chain)
        # A stray CA certificate between the leaf and its issuer.
        cat "$c/good.pem" "$c/other_int.pem" "$c/int.pem" > "$d/chain.pem"
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$d/chain.pem" "$c/good.key" "")"
        run_nginx "$d" & ;;
    short_lived)
        cat "$c/short.pem" "$c/int.pem" > "$d/chain.pem"
        nginx_conf "$d" "$port" "$(ngx_server "$port" _ "$d/chain.pem" "$c/short.key" "$HSTS")"
        run_nginx "$d" & ;;
    client_cert_required)
        openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$c/good.pem" -key "$c/good.key" \
            -cert_chain "$c/int.pem" -Verify 1 -CAfile "$c/root.pem" >"$d/server.log" 2>&1 </dev/null & ;;
    plain_http)
        (cd "$d" && exec python3 -m http.server --bind 127.0.0.1 "$port") >"$d/server.log" 2>&1 & ;;
    silent|reset_after_hello|drip|random)
        python3 "$HERE/rawserver.py" "$s" "$port" >"$d/server.log" 2>&1 & ;;
    closed_port)
        echo none; return 0 ;;
    late|endless_records|huge_msg|big_cert|sh_bad_length|sh_bad_ext|sh_dup_ext|zero_records)
        python3 "$HERE/rawserver.py" "$s" "$port" >"$d/server.log" 2>&1 & ;;
    head_drip|head_closed|head_endless|head_10mb|body_1gb|many_certs|escapes)
        python3 "$HERE/rawserver.py" "$s" "$port" "$c/good.full.pem" "$c/good.key" "$c" "$d" >"$d/server.log" 2>&1 & ;;
    lighttpd_tls10)
        # lighttpd 1.4 (mod_openssl) left at TLS 1.0 only, as old guides configured it.
        need lighttpd
        printf '%s\n' "server.document-root = \"$d\"" "server.port = $port" 'server.bind = "127.0.0.1"' \
            "server.errorlog = \"$d/error.log\"" 'server.modules += ( "mod_openssl" )' 'ssl.engine = "enable"' \
            "ssl.pemfile = \"$c/good.full.pem\"" "ssl.privkey = \"$c/good.key\"" \
            'ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1", "MaxProtocol" => "TLSv1", "CipherString" => "DEFAULT@SECLEVEL=0")' \
            > "$d/lighttpd.conf"
        echo ok > "$d/index.html"
        lighttpd -D -f "$d/lighttpd.conf" >"$d/server.log" 2>&1 & ;;
    apache_expired)
        # Apache httpd 2.4 (mod_ssl) serving an expired certificate with its chain.
        need apache2
        mkdir -p "$d/logs"
        printf '%s\n' "ServerRoot $d" "PidFile $d/httpd.pid" "DefaultRuntimeDir $d" "ErrorLog $d/logs/error.log" \
            "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so" \
            "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so" \
            "LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so" \
            "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so" \
            "Listen 127.0.0.1:$port" "ServerName localhost" "DocumentRoot $d" \
            "<VirtualHost 127.0.0.1:$port>" "ServerName apache-expired.lab.test" "SSLEngine on" \
            "SSLCertificateFile $c/expired.full.pem" "SSLCertificateKeyFile $c/expired.key" "</VirtualHost>" \
            > "$d/httpd.conf"
        echo ok > "$d/index.html"
        (exec apache2 -f "$d/httpd.conf" -DFOREGROUND) >"$d/server.log" 2>&1 & ;;
    lighttpd_logging)
        # lighttpd 1.4 (mod_openssl), TLS 1.2+ with the default suites: what it logs when real
        # clients fail (tests/integration/logs_lab.sh).
        need lighttpd
        printf '%s\n' "server.document-root = \"$d\"" "server.port = $port" 'server.bind = "127.0.0.1"' \
            "server.errorlog = \"$d/error.log\"" 'server.modules += ( "mod_openssl" )' 'ssl.engine = "enable"' \
            "ssl.pemfile = \"$c/good.full.pem\"" "ssl.privkey = \"$c/good.key\"" \
            'ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.2")' > "$d/lighttpd.conf"
        echo ok > "$d/index.html"
        lighttpd -D -f "$d/lighttpd.conf" >"$d/server.log" 2>&1 & ;;
    apache_logging)
        # Apache httpd 2.4 (mod_ssl) at LogLevel ssl:info, TLS 1.2+, for the same clients.
        need apache2
        mkdir -p "$d/logs"
        printf '%s\n' "ServerRoot $d" "PidFile $d/httpd.pid" "DefaultRuntimeDir $d" "ErrorLog $d/error.log" \
            "LogLevel warn ssl:info" \
            "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so" \
            "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so" \
            "LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so" \
            "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so" \
            "Listen 127.0.0.1:$port" "ServerName localhost" "DocumentRoot $d" \
            "<VirtualHost 127.0.0.1:$port>" "ServerName logs.lab.test" "SSLEngine on" \
            "SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1" \
            "SSLCertificateFile $c/good.full.pem" "SSLCertificateKeyFile $c/good.key" "</VirtualHost>" \
            > "$d/httpd.conf"
        echo ok > "$d/index.html"
        (exec apache2 -f "$d/httpd.conf" -DFOREGROUND) >"$d/server.log" 2>&1 & ;;
    caddy_missing_intermediate)
        # Caddy 2 with a certificate file that holds the leaf only (tls <cert_file> <key_file>).
        need caddy
        printf '%s\n' '{' '  admin off' '  auto_https disable_redirects' "  storage file_system $d/data" '}' \
            "https://:$port {" '  bind 127.0.0.1' "  tls $c/good.pem $c/good.key" '  respond "ok"' '}' > "$d/Caddyfile"
        (export HOME="$d" XDG_DATA_HOME="$d" XDG_CONFIG_HOME="$d"
         exec caddy run --config "$d/Caddyfile" --adapter caddyfile) >"$d/server.log" 2>&1 & ;;
    *) die "unknown scenario '$s' (lab.sh list)" ;;
    esac
    echo $!
}

host_for() {
    case "$1" in
    healthy|two_backends|intercepted|redirect_loop|misdirected_421|redirect_to_http|slow_tls|modern_nginx|many_ciphers|v13_intolerant|large_intolerant|wrong_intermediate|misordered_chain)
        echo good.lab.test ;;
    sni_required) echo sni.lab.test ;;
    default_cert) echo dc.lab.test ;;
    *) echo "${1//_/-}.lab.test" ;;
    esac
}

cmd="${1:-}"
case "$cmd" in
certs)
    [ $# -eq 2 ] || die "usage: lab.sh certs DIR"
    gen_certs "$2" ;;
list)
    echo $SCENARIOS | tr ' ' '\n' ;;
run)
    [ $# -ge 5 ] && [ "$4" = "--" ] || die "usage: lab.sh run SCENARIO CERTDIR -- CMD ..."
    mkdir -p "$3"
    scen="$2"; certdir="$(cd "$3" && pwd)"; shift 4
    for t in nginx haproxy openssl python3; do need $t; done
    gen_certs "$certdir"
    rundir="$(mktemp -d "${TMPDIR:-/tmp}/tdlab.XXXXXX")"
    # LAB_USE_PORT: serve on that port (the history test swaps one origin's server and keeps
    # its address); otherwise a free one.
    port="${LAB_USE_PORT:-$(free_port)}"
    pid="$(start_server "$scen" "$certdir" "$rundir" "$port")"
    cleanup() {
        if [ "$pid" != none ]; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -rf "$rundir"
    }
    trap cleanup EXIT
    if [ "$pid" != none ] && ! wait_ready "$port" "$pid"; then
        echo "lab.sh: $scen server did not start on port $port:" >&2
        cat "$rundir"/*.log >&2 || true
        exit 3
    fi
    export LAB_PORT="$port" LAB_HOST="$(host_for "$scen")" LAB_CERTS="$certdir" LAB_RUNDIR="$rundir"
    set +e
    "$@"
    rc=$?
    set -e
    exit $rc ;;
*)
    die "usage: lab.sh certs DIR | run SCENARIO CERTDIR -- CMD ... | list" ;;
esac
