#!/usr/bin/env bash
# Benchmark `confcal serve`, three figures side by side:
#
#   1. /calendar.ics requests per second with wrk, for a feed of about 1 MB,
#      full body (200) and conditional (304, `If-None-Match` with the
#      current ETag), against nginx serving the same bytes as a static file
#      (`etag on`; the 304 run sends nginx's own ETag). Target: confcal at
#      least half of nginx's rate.
#   2. An idle daemon with BIG_EVENTS (10,000) events: RSS (VmRSS, VmHWM)
#      once start-up has settled (target: under 30 MB), and the CPU time it
#      uses over an idle window with no requests, with its wakeups counted
#      (target: no CPU use between the daemon's wakeups, at least every 60 s).
#   3. Time from a changed local source file to the new feed being served,
#      for the 10,000-event catalog and a small one: one curated file is
#      replaced by atomic rename (written in a staging folder on the same
#      file system, then rename(2) onto it); /healthz is polled until its
#      `generation` grows (the snapshot is published), then /calendar.ics
#      with HEAD until its ETag changes (the new feed is rendered and
#      served); median of TRIALS trials (bench/serve_probe.py).
#
# Steps: build release; generate curated sources with bench/gen_curated.py
# (one deadline per event by default) in a temporary folder; for each data
# set write a configuration (state_dir, default_timezone = "UTC",
# `[reminders] notifiers = ["log"]`, one curated source) and start
#   confcal --config CFG --now 2015-04-05 serve --bind 127.0.0.1:0
# (the port it got is read from its `listening on http://ADDR` line; its log
# goes to a file). The feed confcal serves is saved with curl and served
# again by nginx, run by this script with its own minimal configuration in
# the temporary folder, as the current user, on a free loopback port (not
# the system's nginx service). Both run at once, the one not measured idle;
# the wrk runs go one after the other, with the same settings, confcal and
# nginx back to back for each of 200 and 304, over ROUNDS rounds with the
# order swapped each round, and the best rate of each is kept. Each run also
# reports the server's CPU time per request, the softirq share (loopback
# TCP) and how much of the machine's CPU other tasks took (other work on
# the machine makes the figures noisy). Every child is stopped on exit.
#
# wrk sends no Accept-Encoding, so both servers send the body as is (no
# gzip). nginx gets sendfile, tcp_nopush, open_file_cache, access_log off
# and keepalive_requests high enough that wrk's connections stay open: a
# well set-up static server is the yardstick.
#
# This script prints figures; it exits non-zero only when something fails
# (tools, build, a server not starting, a wrong answer), not when a target
# is missed. The whole run takes about 2.5 minutes with the defaults.
#
# Needs: cargo, python3 (3.11+, standard library only), curl, and nginx and
# wrk from Debian's packages, which it installs with apt-get when missing
# (root, or sudo). Uses perf, when it works, as a second count of the idle
# window's CPU time and context switches.
#
# Knobs (environment):
#   FEED_EVENTS=660     events behind the ~1 MB feed of figure 1 (with one
#                       deadline each: about 1.0 MB)
#   BIG_EVENTS=10000    events of the idle / latency daemon (figures 2, 3)
#   SMALL_EVENTS=20     events of the small catalog (figure 3)
#   DEADLINES=1         deadlines per event (all data sets)
#   WRK_THREADS=2 WRK_CONNS=32 WRK_SECONDS=10   wrk -t -c -d for each run
#   WARMUP_SECONDS=2    an unmeasured wrk run before each measured one
#   ROUNDS=2            rounds of the four wrk runs (confcal and nginx, 200
#                       and 304, back to back, the order swapped each
#                       round); the best of the rounds is reported
#   PIN=1               pin the servers (every confcal and nginx started) to
#                       CPU 0 and wrk to CPU 1 (taskset; confcal then runs
#                       one tokio worker, nginx one worker process);
#                       default: not pinned, all free on both CPUs
#   IDLE_SECONDS=30     idle window of figure 2 (the daemon's own tick is
#                       every 60 s: a window over 60 s includes one)
#   SETTLE_SECONDS=3    wait after start-up before reading RSS
#   TRIALS=10           change-to-feed trials per catalog
#   POLL_MS=2           pause between two HEAD polls while waiting
#   KEEP=1              keep the temporary folder and print its path
#
# Usage: bench/serve.sh

set -euo pipefail
export LC_ALL=C

FEED_EVENTS=${FEED_EVENTS:-660}
BIG_EVENTS=${BIG_EVENTS:-10000}
SMALL_EVENTS=${SMALL_EVENTS:-20}
DEADLINES=${DEADLINES:-1}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-32}
WRK_SECONDS=${WRK_SECONDS:-10}
WARMUP_SECONDS=${WARMUP_SECONDS:-2}
ROUNDS=${ROUNDS:-2}
PIN=${PIN:-0}
IDLE_SECONDS=${IDLE_SECONDS:-30}
SETTLE_SECONDS=${SETTLE_SECONDS:-3}
TRIALS=${TRIALS:-10}
POLL_MS=${POLL_MS:-2}
NOW=2015-04-05
TARGET_RATIO=0.5
TARGET_RSS_MB=30

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { echo "serve.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

for knob in FEED_EVENTS BIG_EVENTS SMALL_EVENTS WRK_THREADS WRK_CONNS WRK_SECONDS \
    ROUNDS IDLE_SECONDS TRIALS; do
    [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || die "$knob must be a positive whole number"
done
for knob in DEADLINES WARMUP_SECONDS SETTLE_SECONDS; do
    [[ ${!knob} =~ ^[0-9]+$ ]] || die "$knob must be a whole number"
done
command -v python3 >/dev/null || die "python3 not found"
command -v cargo >/dev/null || die "cargo not found"
command -v curl >/dev/null || die "curl not found"

# --- tools: nginx and wrk from Debian ----------------------------------------
find_nginx() {
    command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true
}
if [[ -z $(find_nginx) ]] || ! command -v wrk >/dev/null; then
    say "installing nginx and wrk (apt-get)"
    SUDO=
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "nginx or wrk missing, and not root to install them"
        SUDO=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >&2 || true
    $SUDO apt-get install -y -qq nginx-light wrk >&2 ||
        $SUDO apt-get install -y -qq nginx wrk >&2 ||
        die "apt-get could not install nginx and wrk"
fi
NGINX=$(find_nginx)
[[ -n $NGINX ]] || die "nginx not found after installing it"
command -v wrk >/dev/null || die "wrk not found after installing it"

SERVER_CPUS=$(nproc)
SERVER_PIN=()
CLIENT_PIN=()
if [[ $PIN == 1 ]]; then
    command -v taskset >/dev/null || die "PIN=1 needs taskset"
    ((SERVER_CPUS >= 2)) || die "PIN=1 needs two CPUs"
    SERVER_PIN=(taskset -c 0)
    CLIENT_PIN=(taskset -c 1)
    SERVER_CPUS=1
fi

# --- build, temporary folder and cleanup ------------------------------------
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
build_release
make_workdir serve

# stop PID: SIGTERM, then waits for it to end (SIGKILL after 10 s).
stop() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# --- data and daemons --------------------------------------------------------
# make_data NAME EVENTS FILES: curated sources and a configuration under
# $WORK/NAME; prints the configuration's path.
make_data() {
    local dir=$WORK/$1
    python3 "$ROOT/bench/gen_curated.py" "$dir" "$2" "$DEADLINES" "$3" 2>"$WORK/gen.log" ||
        { cat "$WORK/gen.log" >&2; die "generating $1 failed"; }
    mkdir -p "$dir/state"
    cat >"$dir/config.toml" <<EOF
# confcal serve benchmark configuration, written by bench/serve.sh.
calendar_name = "bench"
default_timezone = "UTC"
state_dir = "$dir/state"

[reminders]
notifiers = ["log"]

[[source]]
name = "bench"
kind = "curated"
path = "$dir/feeds"
EOF
    echo "$dir/config.toml"
}

# start_confcal NAME CONFIG: starts the daemon; sets PID, URL (its base) and
# STARTUP_MS (from spawn to its `listening on` line).
start_confcal() {
    local name=$1 config=$2 out=$WORK/$1.out log=$WORK/$1.log i start
    start=$EPOCHREALTIME
    "${SERVER_PIN[@]}" "$BIN" --config "$config" --now "$NOW" serve --bind 127.0.0.1:0 \
        </dev/null >"$out" 2>"$log" &
    PID=$!
    CHILDREN+=("$PID")
    URL=
    for ((i = 0; i < 1200; i++)); do
        URL=$(sed -n 's|^listening on \(http://[^ ]*\).*|\1|p' "$out" 2>/dev/null | head -n 1)
        [[ -n $URL ]] && break
        kill -0 "$PID" 2>/dev/null || { cat "$log" >&2; die "confcal ($name) did not start"; }
        sleep 0.01
    done
    [[ -n $URL ]] || die "confcal ($name) did not listen within 12 s"
    STARTUP_MS=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
}

# fetch URL FILE [HEADER...]: GET into FILE; prints "STATUS ETAG".
fetch() {
    local url=$1 file=$2 headers=$WORK/headers
    shift 2
    local args=() h
    for h in "$@"; do args+=(-H "$h"); done
    local status
    status=$(curl -s --max-time 30 -o "$file" -D "$headers" -w '%{http_code}' "${args[@]}" "$url") ||
        die "curl $url failed"
    echo "$status $(tr -d '\r' <"$headers" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p' | head -n 1)"
}

memory() { python3 "$ROOT/bench/serve_probe.py" memory "$1"; }
kib_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# --- 1: requests per second, confcal vs nginx --------------------------------
WRK_ARGS=(-t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_SECONDS"s)

# CPU time of the whole machine so far (all CPUs, ms), from /proc/stat, as
# "TASKS IRQ": user + nice + system + steal, then irq + softirq. Loopback
# TCP is mostly softirq work, which this kernel does not charge to tasks.
machine_busy_ms() {
    awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {
        printf "%.0f %.0f\n", ($2 + $3 + $4 + $9) * 1000 / hz, ($7 + $8) * 1000 / hz }' /proc/stat
}
# Sets KIDS_MS: the CPU time of this shell's waited-for children so far
# (ms), from `times` (run here, not in a subshell, which has its own).
children_ms() {
    times >"$WORK/times"
    KIDS_MS=$(tail -n 1 "$WORK/times" | awk '{ t = 0
        for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
        printf "%.0f", t * 1000 }')
}

# bench LABEL "PID..." URL [HEADER]: a warm-up run, then a measured one;
# prints "REQUESTS_PER_S SERVER_CPU_US_PER_REQUEST OTHERS_PERCENT": the CPU
# time (user + system) of the server processes PID... over the measured run
# divided by the requests wrk completed (softirq time, the loopback's TCP
# work, is not in it), and the share of the machine's CPU that tasks other
# than the server and wrk used in that time (other work on the machine,
# which makes the figures noisy). Any non-2xx/3xx answer or socket error
# fails.
bench() {
    local label=$1 pids=$2 url=$3 header=${4:-} out=$WORK/wrk-$1.txt args=()
    local cpu0 cpu1 busy0 busy1 irq0 irq1 kids0 kids1 t0 t1
    [[ -n $header ]] && args=(-H "$header")
    if ((WARMUP_SECONDS > 0)); then
        "${CLIENT_PIN[@]}" wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WARMUP_SECONDS"s \
            "${args[@]}" "$url" >/dev/null || die "wrk ($label warm-up) failed"
    fi
    # shellcheck disable=SC2086 # $pids is a list
    cpu0=$(python3 "$ROOT/bench/serve_probe.py" cpu $pids)
    children_ms
    kids0=$KIDS_MS
    read -r busy0 irq0 < <(machine_busy_ms)
    t0=$EPOCHREALTIME
    "${CLIENT_PIN[@]}" wrk "${WRK_ARGS[@]}" --latency "${args[@]}" "$url" >"$out" ||
        die "wrk ($label) failed"
    t1=$EPOCHREALTIME
    read -r busy1 irq1 < <(machine_busy_ms)
    children_ms
    kids1=$KIDS_MS
    # shellcheck disable=SC2086
    cpu1=$(python3 "$ROOT/bench/serve_probe.py" cpu $pids)
    if grep -q -e 'Non-2xx or 3xx' -e 'Socket errors' "$out"; then
        cat "$out" >&2
        die "wrk ($label): errors or unexpected answers"
    fi
    local rps transfer p50 p99 requests us others softirq
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    requests=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$out")
    transfer=$(awk '/^Transfer\/sec:/ { print $2 }' "$out")
    p50=$(awk '$1 == "50%" { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    [[ -n $rps && $requests -gt 0 ]] || { cat "$out" >&2; die "wrk ($label): no Requests/sec"; }
    us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }')
    others=$(awk -v busy=$((busy1 - busy0)) -v srv=$((cpu1 - cpu0)) -v wrk=$((kids1 - kids0)) \
        -v a="$t0" -v b="$t1" -v n="$(nproc)" \
        'BEGIN { o = (busy - srv - wrk) * 100 / ((b - a) * 1000 * n); printf "%.0f", (o < 0 ? 0 : o) }')
    softirq=$(awk -v i=$((irq1 - irq0)) -v a="$t0" -v b="$t1" -v n="$(nproc)" \
        'BEGIN { printf "%.0f", i * 100 / ((b - a) * 1000 * n) }')
    printf '   %-12s %10s req/s %9s/s  p50 %-7s p99 %-7s server %6s us/req  softirq %s%%  others %s%%\n' \
        "$label" "$rps" "$transfer" "$p50" "$p99" "$us" "$softirq" "$others" >&2
    echo "$rps $us $others"
}

say "generating the feed catalog ($FEED_EVENTS events, $DEADLINES deadline(s) each)"
FEED_CFG=$(make_data feed "$FEED_EVENTS" 20)
start_confcal feed "$FEED_CFG"
FEED_PID=$PID
FEED_URL=$URL/calendar.ics
read -r status CONFCAL_ETAG < <(fetch "$FEED_URL" "$WORK/calendar.ics")
[[ $status == 200 && -n $CONFCAL_ETAG ]] || die "GET $FEED_URL: $status, ETag '$CONFCAL_ETAG'"
FEED_BYTES=$(wc -c <"$WORK/calendar.ics")
FEED_BYTES=${FEED_BYTES//[[:space:]]/}
read -r status _ < <(fetch "$FEED_URL" /dev/null "If-None-Match: $CONFCAL_ETAG")
[[ $status == 304 ]] || die "confcal answered $status, not 304, to its own ETag"

# nginx, on its own configuration under $WORK/nginx, as the current user.
NG=$WORK/nginx
mkdir -p "$NG/www" "$NG/tmp"
cp "$WORK/calendar.ics" "$NG/www/calendar.ics"
NG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NG_USER=
((EUID == 0)) && NG_USER="user $(id -un) $(id -gn);"
cat >"$NG/nginx.conf" <<EOF
# Written by bench/serve.sh: one static file, nothing else.
daemon off;
$NG_USER
worker_processes $SERVER_CPUS;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $NG/tmp/body;
    proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;
    types { text/calendar ics; }
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/calendar;
    sendfile on;
    tcp_nopush on;
    etag on;
    open_file_cache max=16 inactive=60s;
    keepalive_requests 100000000;
    keepalive_timeout 65s;
    server {
        listen 127.0.0.1:$NG_PORT;
        root $NG/www;
    }
}
EOF
"${SERVER_PIN[@]}" "$NGINX" -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" </dev/null \
    >"$NG/stdout" 2>&1 &
NG_PID=$!
CHILDREN+=("$NG_PID")
NG_URL=http://127.0.0.1:$NG_PORT/calendar.ics
for ((i = 0; i < 500; i++)); do
    curl -s -o /dev/null --max-time 1 "$NG_URL" && break
    kill -0 "$NG_PID" 2>/dev/null || { cat "$NG/stdout" "$NG/error.log" >&2; die "nginx did not start"; }
    sleep 0.02
done
read -r status NGINX_ETAG < <(fetch "$NG_URL" "$WORK/nginx.ics")
[[ $status == 200 && -n $NGINX_ETAG ]] || die "GET $NG_URL: $status, ETag '$NGINX_ETAG'"
cmp -s "$WORK/calendar.ics" "$WORK/nginx.ics" || die "nginx does not serve the same bytes"
read -r status _ < <(fetch "$NG_URL" /dev/null "If-None-Match: $NGINX_ETAG")
[[ $status == 304 ]] || die "nginx answered $status, not 304, to its own ETag"
NG_PIDS="$NG_PID $(pgrep -P "$NG_PID" | tr '\n' ' ')"

PIN_TEXT="not pinned (servers and wrk share all $(nproc) CPUs)"
[[ $PIN == 1 ]] && PIN_TEXT="servers pinned to CPU 0, wrk to CPU 1"
say "wrk ${WRK_ARGS[*]}, ${PIN_TEXT}; feed $FEED_BYTES bytes; $ROUNDS round(s)"
say "confcal $FEED_URL (pid $FEED_PID)"
say "nginx $("$NGINX" -v 2>&1 | sed 's|.*/||') $NG_URL (pids $NG_PIDS; $SERVER_CPUS worker(s))"

# Both servers are up (the one not measured is idle); each round runs the
# pairs back to back, confcal first in odd rounds and nginx first in even
# ones, and each figure is the best of the rounds (other work on the
# machine only ever slows a run down).
declare -A BEST_RPS=() BEST_US=() BEST_OTHERS=()
declare -A PIDS_OF=([confcal]=$FEED_PID [nginx]=$NG_PIDS)
declare -A URL_OF=([confcal]=$FEED_URL [nginx]=$NG_URL)
declare -A ETAG_OF=([confcal]=$CONFCAL_ETAG [nginx]=$NGINX_ETAG)
for ((round = 1; round <= ROUNDS; round++)); do
    say "round $round"
    order=(confcal nginx)
    ((round % 2 == 0)) && order=(nginx confcal)
    for code in 200 304; do
        for server in "${order[@]}"; do
            header=
            [[ $code == 304 ]] && header="If-None-Match: ${ETAG_OF[$server]}"
            rps= us= others=
            read -r rps us others < <(bench "$server-$code" "${PIDS_OF[$server]}" "${URL_OF[$server]}" "$header")
            [[ -n $rps ]] || die "the $server $code run failed"
            key=$server-$code
            if [[ -z ${BEST_RPS[$key]:-} ]] || awk -v a="$rps" -v b="${BEST_RPS[$key]}" 'BEGIN { exit !(a > b) }'; then
                BEST_RPS[$key]=$rps BEST_US[$key]=$us BEST_OTHERS[$key]=$others
            fi
        done
    done
done
C200=${BEST_RPS[confcal-200]} N200=${BEST_RPS[nginx-200]}
C304=${BEST_RPS[confcal-304]} N304=${BEST_RPS[nginx-304]}
FEED_RSS=$(memory "$FEED_PID")
stop "$FEED_PID"
stop "$NG_PID"

# --- 2: idle daemon with BIG_EVENTS events -----------------------------------
say "generating the big catalog ($BIG_EVENTS events, $DEADLINES deadline(s) each)"
BIG_CFG=$(make_data big "$BIG_EVENTS" 20)
start_confcal big "$BIG_CFG"
BIG_PID=$PID
BIG_URL=$URL/calendar.ics
BIG_STARTUP_MS=$STARTUP_MS
sleep "$SETTLE_SECONDS"
read -r RSS0 HWM0 ANON0 FILE0 < <(memory "$BIG_PID")
say "idle window: ${IDLE_SECONDS} s without requests (pid $BIG_PID, started in $BIG_STARTUP_MS ms)"
PERF_OUT=$WORK/perf.txt
PERF_PID=
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
    perf stat -x, -e task-clock,context-switches -p "$BIG_PID" -o "$PERF_OUT" \
        -- sleep "$IDLE_SECONDS" >/dev/null 2>&1 &
    PERF_PID=$!
    CHILDREN+=("$PERF_PID")
fi
IDLE=$(python3 "$ROOT/bench/serve_probe.py" idle "$BIG_PID" "$IDLE_SECONDS")
PERF_TEXT="perf n/a"
if [[ -n $PERF_PID ]]; then
    wait "$PERF_PID" 2>/dev/null || true
    # perf says <not counted> for a counter of a task that never ran.
    PERF_TEXT=$(awk -F, '$3 == "task-clock" { t = $1 } $3 == "context-switches" { c = $1 }
        END { sub(/<not counted>/, "0 (not counted: never ran)", t); sub(/<not counted>/, "0", c)
              if (t != "") printf "perf stat: task-clock %s ms, %s context switches", t, c
              else print "perf n/a" }' \
        "$PERF_OUT" 2>/dev/null || echo "perf n/a")
fi
read -r RSS1 HWM1 ANON1 FILE1 < <(memory "$BIG_PID")
read -r status _ < <(fetch "$BIG_URL" "$WORK/big.ics")
[[ $status == 200 ]] || die "GET $BIG_URL: $status"
BIG_BYTES=$(wc -c <"$WORK/big.ics")
BIG_BYTES=${BIG_BYTES//[[:space:]]/}
read -r RSS2 HWM2 ANON2 FILE2 < <(memory "$BIG_PID")
say "   $IDLE"
say "   $PERF_TEXT"

# --- 3: change to feed -------------------------------------------------------
say "change to feed, $BIG_EVENTS events: $TRIALS trials"
BIG_LAT=$(python3 "$ROOT/bench/serve_probe.py" latency "$BIG_URL" "$WORK/big/feeds/bench-00.toml" \
    "$TRIALS" "$WORK/big/staging" "$POLL_MS") ||
    die "latency trials (big) failed"
stop "$BIG_PID"
if grep -q -E '^ ?(WARN|ERROR) ' "$WORK/big.log"; then
    grep -E '^ ?(WARN|ERROR) ' "$WORK/big.log" | head -n 5 >&2
    die "the big daemon logged warnings or errors"
fi

say "change to feed, $SMALL_EVENTS events: $TRIALS trials"
SMALL_CFG=$(make_data small "$SMALL_EVENTS" 2)
start_confcal small "$SMALL_CFG"
SMALL_PID=$PID
SMALL_URL=$URL/calendar.ics
read -r status _ < <(fetch "$SMALL_URL" "$WORK/small.ics")
[[ $status == 200 ]] || die "GET $SMALL_URL: $status"
SMALL_BYTES=$(wc -c <"$WORK/small.ics")
SMALL_BYTES=${SMALL_BYTES//[[:space:]]/}
SMALL_LAT=$(python3 "$ROOT/bench/serve_probe.py" latency "$SMALL_URL" "$WORK/small/feeds/bench-00.toml" \
    "$TRIALS" "$WORK/small/staging" "$POLL_MS") ||
    die "latency trials (small) failed"
stop "$SMALL_PID"

# --- results -----------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t ? "met" : "MISSED") }'; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
R200=$(ratio "$C200" "$N200")
R304=$(ratio "$C304" "$N304")
RSS_VERDICT=$(awk -v k="$HWM0" -v t="$TARGET_RSS_MB" 'BEGIN { print (k / 1024 < t ? "met" : "MISSED") }')

echo
echo "confcal serve benchmark ($(nproc) CPUs, $(uname -r))"
echo "wrk ${WRK_ARGS[*]} (after a ${WARMUP_SECONDS}s warm-up), best of $ROUNDS round(s), loopback, $PIN_TEXT"
echo "feed: $FEED_EVENTS events + $((FEED_EVENTS * DEADLINES)) deadlines, /calendar.ics = $FEED_BYTES bytes, identity (no gzip)"
echo
echo "1. /calendar.ics requests/s           confcal       nginx   ratio   target >= $TARGET_RATIO"
printf '   200, full body                %10s  %10s   %5s   %s\n' "$C200" "$N200" "$R200" "$(verdict "$R200")"
printf '   304, If-None-Match            %10s  %10s   %5s   %s\n' "$C304" "$N304" "$R304" "$(verdict "$R304")"
echo "   server CPU us/request           confcal       nginx   (user+system, without softirq)"
printf '   200                           %10s  %10s\n' "${BEST_US[confcal-200]}" "${BEST_US[nginx-200]}"
printf '   304                           %10s  %10s\n' "${BEST_US[confcal-304]}" "${BEST_US[nginx-304]}"
echo "   others' CPU in those runs       (share of the machine's CPU used by other tasks)"
printf '   200                           %9s%%  %9s%%\n' "${BEST_OTHERS[confcal-200]}" "${BEST_OTHERS[nginx-200]}"
printf '   304                           %9s%%  %9s%%\n' "${BEST_OTHERS[confcal-304]}" "${BEST_OTHERS[nginx-304]}"
read -r FEED_RSS_KB FEED_HWM_KB _ <<<"$FEED_RSS"
echo "   (confcal RSS after its wrk runs: $(kib_mb "$FEED_RSS_KB") MB, peak $(kib_mb "$FEED_HWM_KB") MB)"
echo
echo "2. idle daemon, $BIG_EVENTS events + $((BIG_EVENTS * DEADLINES)) deadlines (start-up to listening: $BIG_STARTUP_MS ms)"
mem_line() { # mem_line LABEL RSS HWM ANON FILE
    printf '   %-30s VmRSS %6s MB, VmHWM %6s MB (anon %s + file %s)\n' "$1" \
        "$(kib_mb "$2")" "$(kib_mb "$3")" "$(kib_mb "$4")" "$(kib_mb "$5")"
}
mem_line "RSS $SETTLE_SECONDS s after start:" "$RSS0" "$HWM0" "$ANON0" "$FILE0"
echo "   -> target VmHWM < $TARGET_RSS_MB MB: $RSS_VERDICT"
mem_line "after the idle window:" "$RSS1" "$HWM1" "$ANON1" "$FILE1"
mem_line "after one GET of the feed:" "$RSS2" "$HWM2" "$ANON2" "$FILE2"
echo "   (the $BIG_EVENTS-event feed is $BIG_BYTES bytes)"
printf '   CPU in %s s idle:             %s ms (utime+stime), %s ms on-CPU (schedstat)\n' \
    "$IDLE_SECONDS" "$(field cpu_ms "$IDLE")" "$(field sched_ms "$IDLE")"
printf '   wakeups in the window:        %s thread runs (%s), %s voluntary + %s involuntary switches\n' \
    "$(field slices "$IDLE")" "$(field woken "$IDLE")" "$(field vol_cs "$IDLE")" "$(field invol_cs "$IDLE")"
echo "   $PERF_TEXT; $(field threads "$IDLE") threads"
if ((SETTLE_SECONDS + IDLE_SECONDS < 60)); then
    echo "   (the window ends before the daemon's first 60 s tick: any wakeup above is unexpected)"
else
    echo "   (the window spans the daemon's first 60 s tick: the wakeups above include it)"
fi
echo
echo "3. change to feed (atomic rename of one curated file -> new ETag on /calendar.ics; ms, $TRIALS trials;"
echo "   'published' = /healthz shows the new snapshot, before the feed is rendered)"
printf '   %6s events (%9s bytes):  %s\n' "$BIG_EVENTS" "$BIG_BYTES" "$BIG_LAT"
printf '   %6s events (%9s bytes):  %s\n' "$SMALL_EVENTS" "$SMALL_BYTES" "$SMALL_LAT"
