# Shared helpers for FlashMM's scripts. Source it; it defines functions only.

FLASHMM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

log() { printf '\033[1;34m[flashmm]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[flashmm]\033[0m %s\n' "$*" >&2; exit 1; }

# redis_hostport: "HOST PORT" of REDIS_URL.
redis_hostport() {
    local rest="${REDIS_URL#*://}"
    rest="${rest##*@}"
    rest="${rest%%/*}"
    local host="${rest%:*}" port="${rest##*:}"
    [ "$host" = "$rest" ] && port=6379
    echo "${host:-127.0.0.1} ${port:-6379}"
}

# redis_alive: true when something answers PING at REDIS_URL.
redis_alive() {
    local host port reply
    read -r host port < <(redis_hostport)
    { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    read -r -t 2 reply <&3 || true
    exec 3<&- 3>&-
    case "$reply" in +PONG*|-NOAUTH*) return 0 ;; *) return 1 ;; esac
}

# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_redis: starts a local redis-server at REDIS_URL when none answers.
ensure_redis() {
    redis_alive && return 0
    local host port
    read -r host port < <(redis_hostport)
    case "$host" in 127.*|localhost|::1) ;; *) die "no Redis answers at $host:$port and it is not local" ;; esac
    command -v redis-server >/dev/null || apt_install redis-server
    log "starting redis-server on $host:$port"
    mkdir -p "$FLASHMM_ROOT/logs"
    redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no \
        --maxmemory 512mb --maxmemory-policy noeviction \
        --logfile "$FLASHMM_ROOT/logs/redis.log" >/dev/null
    for _ in $(seq 1 50); do redis_alive && return 0; sleep 0.1; done
    die "redis-server did not answer on $host:$port"
}

# influx_alive URL: true when an InfluxDB answers /ping at URL (http://host:port).
influx_alive() {
    local rest="${1#*://}"
    rest="${rest%%/*}"
    local host="${rest%:*}" port="${rest##*:}"
    [ "$host" = "$rest" ] && port=8086
    { exec 3<>"/dev/tcp/${host:-127.0.0.1}/${port:-8086}"; } 2>/dev/null || return 1
    printf 'GET /ping HTTP/1.0\r\n\r\n' >&3
    local reply
    read -r -t 2 reply <&3 || true
    exec 3<&- 3>&-
    case "$reply" in HTTP/1.?\ 204*) return 0 ;; *) return 1 ;; esac
}

# ensure_influxdb: starts a local influxd (Debian's influxdb package, 1.x) at INFLUXDB_URL
# (default http://127.0.0.1:8086) when none answers; data and log under logs/influxdb.
ensure_influxdb() {
    local url="${INFLUXDB_URL:-http://127.0.0.1:8086}"
    influx_alive "$url" && return 0
    local rest="${url#*://}"
    rest="${rest%%/*}"
    local host="${rest%:*}" port="${rest##*:}"
    [ "$host" = "$rest" ] && port=8086
    case "$host" in 127.*|localhost) ;; *) die "no InfluxDB answers at $url and it is not local" ;; esac
    command -v influxd >/dev/null || apt_install influxdb
    local dir="$FLASHMM_ROOT/logs/influxdb"
    mkdir -p "$dir"
    cat >"$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$((port + 2))"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
[monitor]
  store-enabled = false
[http]
  bind-address = "$host:$port"
  log-enabled = false
CONF
    log "starting influxd on $host:$port"
    nohup influxd -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
    for _ in $(seq 1 100); do influx_alive "$url" && return 0; sleep 0.1; done
    die "influxd did not answer on $host:$port (see $dir/influxd.log)"
}

# replay_markets FLASHMM CONFIG DIR: when ../shared/data holds the BTCUSDT and ETHUSDT spot
# captures, imports them into DIR (once), replaces the markets of the config file CONFIG (edited
# in place) by the recordings' (their tick and lot) and exports SIM_REPLAY and SIM_REPLAY_LOOP,
# so the simulator replays them in a loop (docs/operations.md). Returns 1, changing nothing, when
# the captures are absent.
replay_markets() {
    local flashmm="$1" config="$2" dir="$3" sym symbol tick lot recs="" markets=""
    local data="$FLASHMM_ROOT/../shared/data/binance/spot"
    for sym in btcusdt ethusdt; do
        compgen -G "$data/${sym}_*.gz" >/dev/null || return 1
    done
    mkdir -p "$dir"
    for sym in btcusdt ethusdt; do
        if [ ! -s "$dir/$sym.rec" ]; then
            log "importing $data/${sym}_*.gz into $dir/$sym.rec"
            "$flashmm" import binance "$data/${sym}_"*.gz --out "$dir/$sym.rec" >/dev/null
        fi
        # "market     BTC/USDT tick 0.01 lot 0.000001 min notional 0 maker 0 taker 0"
        read -r symbol tick lot < <("$flashmm" recording info "$dir/$sym.rec" |
            awk '$1 == "market" && !seen {print $2, $4, $6; seen = 1}')
        [ -n "$lot" ] || die "cannot read the market of $dir/$sym.rec"
        markets+="
[[markets]]
symbol = \"$symbol\"
tick_size = \"$tick\"
lot_size = \"$lot\"
min_notional = \"1\"
maker_fee_rate = \"-0.0001\"
taker_fee_rate = \"0.0005\"
"
        recs+="${recs:+,}$dir/$sym.rec"
    done
    awk '/^\[\[markets\]\]/ {skip = 1; next} /^\[/ {skip = 0} !skip' "$config" >"$config.tmp"
    printf '%s' "$markets" >>"$config.tmp"
    mv "$config.tmp" "$config"
    export SIM_REPLAY="$recs" SIM_REPLAY_LOOP=true
}
