# Shared by ops/run, ops/test and ops/bench: install what is missing, then run a private PostgreSQL and slapd on
# loopback with their data under $CAIRN_LOCAL (ignored by git). Source it; call the functions.
set -euo pipefail

CAIRN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CAIRN_LDAP_SUFFIX="dc=cairn,dc=test"
CAIRN_LDAP_SERVICE_DN="cn=cairn-service,ou=services,${CAIRN_LDAP_SUFFIX}"
CAIRN_LDAP_SERVICE_PASSWORD="${CAIRN_LDAP_SERVICE_PASSWORD:-service-secret}"
CAIRN_PG_SUPERUSER_PASSWORD="${CAIRN_PG_SUPERUSER_PASSWORD:-postgres-secret}"
CAIRN_PG_OWNER_PASSWORD="${CAIRN_PG_OWNER_PASSWORD:-owner-secret}"
CAIRN_PG_APP_PASSWORD="${CAIRN_PG_APP_PASSWORD:-app-secret}"
CAIRN_STARTED_PIDS=()

log() { printf '[cairn] %s\n' "$*" >&2; }

ensure_packages() {
    local missing=()
    command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || missing+=(slapd)
    command -v ldapadd >/dev/null 2>&1 || missing+=(ldap-utils)
    [ -f /usr/include/ldap.h ] || missing+=(libldap2-dev)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    ls /usr/share/postgresql/*/extension/btree_gist.control >/dev/null 2>&1 || missing+=(postgresql-contrib)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    pkg-config --version >/dev/null 2>&1 || missing+=(pkg-config)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
    [ -n "${CAIRN_NEED_WRK:-}" ] && ! command -v wrk >/dev/null 2>&1 && missing+=(wrk)
    # The console's browser test: Debian's Chromium and its WebDriver.
    if [ -n "${CAIRN_NEED_BROWSER:-}" ]; then
        command -v chromium >/dev/null 2>&1 || missing+=(chromium)
        command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null 2>&1 || { log "swift is not on PATH (expected a Swift 6 toolchain)"; exit 1; }
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

# start_postgres DIR PORT: a throwaway cluster in DIR/pg listening on 127.0.0.1:PORT only.
start_postgres() {
    local dir="$1" port="$2" bin
    bin="$(pg_bin)"
    mkdir -p "$dir"
    chmod 755 "$dir"
    if [ ! -f "$dir/pg/PG_VERSION" ]; then
        rm -rf "$dir/pg" "$dir/pg-socket"
        mkdir -p "$dir/pg" "$dir/pg-socket"
        chown postgres:postgres "$dir/pg" "$dir/pg-socket"
        chmod 700 "$dir/pg"
        printf '%s\n' "$CAIRN_PG_SUPERUSER_PASSWORD" > "$dir/pg-superuser-password"
        chown postgres "$dir/pg-superuser-password"
        (cd /tmp && runuser -u postgres -- "$bin/initdb" -D "$dir/pg" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 --pwfile="$dir/pg-superuser-password" -E UTF8 --locale=C.UTF-8 >/dev/null)
        rm -f "$dir/pg-superuser-password"
        cat >> "$dir/pg/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/pg-socket'
max_connections = 200
fsync = ${CAIRN_PG_FSYNC:-on}
synchronous_commit = ${CAIRN_PG_FSYNC:-on}
log_min_messages = warning
CONF
    fi
    if ! runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
        (cd /tmp && runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg-socket/postgres.log" -w -t 30 start >/dev/null)
    fi
    log "PostgreSQL on 127.0.0.1:$port (data $dir/pg)"
}

stop_postgres() {
    local dir="$1"
    [ -f "$dir/pg/postmaster.pid" ] || return 0
    (cd /tmp && runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1) || true
}

# bootstrap_database DIR DATABASE: roles + database (sql/bootstrap.sql) as the cluster's superuser.
bootstrap_database() {
    local dir="$1" database="$2"
    (cd /tmp && runuser -u postgres -- psql -q -h "$dir/pg-socket" -p "$(pg_port "$dir")" -U postgres -d postgres \
        -v owner_password="$CAIRN_PG_OWNER_PASSWORD" -v app_password="$CAIRN_PG_APP_PASSWORD" \
        -v database="$database" -f - >/dev/null) < "$CAIRN_ROOT/sql/bootstrap.sql"
}

pg_port() { sed -n 's/^port = \([0-9]*\)$/\1/p' "$1/pg/postgresql.conf" | tail -1; }

# start_slapd INSTANCE_DIR PORT [TLS_PORT CERT_DIR]: a private slapd with its own cn=config, data loaded from
# ops/ldap/directory.ldif. With TLS_PORT it also serves ldaps:// there and StartTLS on PORT, with CERT_DIR's
# server certificate (see make_test_certificates).
start_slapd() {
    local ldap="$1" port="$2" tls_port="${3:-}" certs="${4:-}"
    local urls="ldap://127.0.0.1:$port/"
    [ -n "$tls_port" ] && urls="$urls ldaps://127.0.0.1:$tls_port/"
    if [ ! -d "$ldap/slapd.d" ]; then
        rm -rf "$ldap"
        mkdir -p "$ldap/slapd.d" "$ldap/data"
        local root_pw service_hash
        root_pw="$(slappasswd -s "$CAIRN_LDAP_SERVICE_PASSWORD-root")"
        sed -e "s#@DIR@#$ldap#g" -e "s#@SUFFIX@#$CAIRN_LDAP_SUFFIX#g" -e "s#@ROOTPW@#$root_pw#g" \
            -e "s#@SERVICE_DN@#$CAIRN_LDAP_SERVICE_DN#g" \
            "$CAIRN_ROOT/ops/ldap/config.ldif" > "$ldap/config.ldif"
        if [ -n "$tls_port" ]; then
            sed -i "s#^olcLogLevel: none#olcLogLevel: none\nolcTLSCACertificateFile: $certs/ca.pem\nolcTLSCertificateFile: $certs/server.pem\nolcTLSCertificateKeyFile: $certs/server.key#" "$ldap/config.ldif"
        fi
        slapadd -n0 -F "$ldap/slapd.d" -l "$ldap/config.ldif" >/dev/null 2>&1
        chown -R openldap:openldap "$ldap"
        _slapd_up "$ldap" "$port" "$urls"
        service_hash="$(slappasswd -s "$CAIRN_LDAP_SERVICE_PASSWORD")"
        _hash_passwords < "$CAIRN_ROOT/ops/ldap/directory.ldif" | sed -e "s#@SERVICE_PASSWORD@#$service_hash#" \
            | ldapadd -x -H "ldap://127.0.0.1:$port/" -D "cn=admin,$CAIRN_LDAP_SUFFIX" \
                -w "$CAIRN_LDAP_SERVICE_PASSWORD-root" >/dev/null
    else
        _slapd_up "$ldap" "$port" "$urls"
    fi
    printf '%s\n' "$urls" > "$ldap/urls"
    log "slapd on $urls (data $ldap)"
}

# make_test_certificates DIR: a throwaway CA, a server certificate it signs for IP 127.0.0.1 only (so a client
# that connects as "localhost" sees a host name mismatch), and a second, unrelated CA.
make_test_certificates() {
    local dir="$1"
    [ -f "$dir/server.pem" ] && return 0
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Cairn Test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Some Other CA" -keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
    chown -R openldap:openldap "$dir"
    chmod 600 "$dir/server.key"
    chmod 755 "$dir"
}

_slapd_up() {
    local ldap="$1" port="$2" urls="$3"
    if [ -f "$ldap/slapd.pid" ] && kill -0 "$(cat "$ldap/slapd.pid")" 2>/dev/null; then return 0; fi
    runuser -u openldap -- /usr/sbin/slapd -F "$ldap/slapd.d" -h "$urls"
    local i
    for i in $(seq 1 100); do
        ldapsearch -x -H "ldap://127.0.0.1:$port/" -b "" -s base >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    log "slapd did not come up on port $port"
    return 1
}

# Replace each 'userPassword: plain' with its salted SHA hash so the directory never holds plain passwords.
_hash_passwords() {
    local line
    while IFS= read -r line; do
        case "$line" in
            "userPassword: @"*) printf '%s\n' "$line" ;;
            "userPassword: "*) printf 'userPassword: %s\n' "$(slappasswd -s "${line#userPassword: }")" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done
}

stop_slapd() {
    local pidfile="$1/slapd.pid" pid i
    [ -f "$pidfile" ] || return 0
    pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

# The environment the server and the tests read; printed by ops/run, exported by ops/test.
cairn_env() {
    local port="$1" ldap_port="$2" database="$3"
    export CAIRN_DATABASE_URL="postgresql://cairn_app:${CAIRN_PG_APP_PASSWORD}@127.0.0.1:${port}/${database}?sslmode=disable"
    export CAIRN_MIGRATION_DATABASE_URL="postgresql://cairn_owner:${CAIRN_PG_OWNER_PASSWORD}@127.0.0.1:${port}/${database}?sslmode=disable"
    export CAIRN_LDAP_URL="ldap://127.0.0.1:${ldap_port}/"
    export CAIRN_LDAP_BIND_DN="$CAIRN_LDAP_SERVICE_DN"
    export CAIRN_LDAP_BIND_PASSWORD="$CAIRN_LDAP_SERVICE_PASSWORD"
    export CAIRN_LDAP_USER_BASE="ou=people,${CAIRN_LDAP_SUFFIX}"
    export CAIRN_LDAP_USER_FILTER="(uid={username})"
    export CAIRN_LDAP_GROUP_BASE="ou=groups,${CAIRN_LDAP_SUFFIX}"
    export CAIRN_PLATFORM_ADMIN_GROUP="cn=cairn-platform-admins,ou=groups,${CAIRN_LDAP_SUFFIX}"
}
