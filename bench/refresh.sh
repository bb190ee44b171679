#!/usr/bin/env bash
# Benchmark `confcal refresh --all` when nothing changed: many remote
# iCalendar sources, every one answering 304 Not Modified to confcal's
# conditional GET (If-None-Match / If-Modified-Since). Measures wall time
# (median/min/max over several runs) and peak RSS, for two layouts:
#   (a) every source on one host, 127.0.0.1: confcal fetches one at a time
#       per host, so the requests go one after another;
#   (b) the sources spread round-robin over HOSTS loopback addresses
#       127.0.0.1 ... 127.0.0.HOSTS (Linux routes all of 127/8 to loopback),
#       so up to 8 requests (confcal's `max_in_flight`) run at once.
#
# Steps: build release; generate the feeds (bench/gen_ics.py) in a temporary
# folder; start one bench/etag_server.py per loopback address, all on one
# port; then for each layout write a configuration with its own state dir,
# prime the state with one `refresh --all --quiet` (every source must come
# back `fresh`, from a 200), and time RUNS runs of `refresh --all --quiet`
# (every source must be `not modified`, and the servers must have answered
# every request with 304). Servers and temporary files are removed on exit.
#
# This script prints figures; it exits non-zero only when something fails
# (build, generation, a server, confcal's exit status, a source that is not
# `fresh` / `not modified` when it should be, or stray output on stderr).
#
# Needs: cargo, python3 (3.11+, standard library only). Times each run with
# GNU time (`/usr/bin/time -f "%e %M"`: wall seconds, peak RSS KiB); without
# it, a Python stand-in measures the wall time and the children's ru_maxrss.
#
# Knobs (environment):
#   SOURCES=100         remote sources (one generated .ics file each)
#   EVENTS=1000         events per source
#   HOSTS=10            loopback addresses for layout (b)
#   RUNS=10             timed runs per layout (the first argument wins)
#   KEEP=1              keep the temporary folder and print its path
#   NO_GNU_TIME=1       use the Python stand-in even if GNU time is there
#
# Usage: bench/refresh.sh [RUNS]

set -euo pipefail
export LC_ALL=C

SOURCES=${SOURCES:-100}
EVENTS=${EVENTS:-1000}
HOSTS=${HOSTS:-10}
RUNS=${1:-${RUNS:-10}}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { echo "refresh.sh: $*" >&2; exit 1; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive whole number, not \`$RUNS'"
[[ $SOURCES =~ ^[1-9][0-9]*$ ]] || die "SOURCES must be a positive whole number"
[[ $EVENTS =~ ^[0-9]+$ ]] || die "EVENTS must be a whole number"
[[ $HOSTS =~ ^[1-9][0-9]*$ ]] && ((HOSTS <= 254)) || die "HOSTS must be 1 to 254"
command -v python3 >/dev/null || die "python3 not found"
command -v cargo >/dev/null || die "cargo not found"

TIME=/usr/bin/time
if [[ ${NO_GNU_TIME:-} == 1 ]] || [[ ! -x $TIME ]]; then
    TIME=
fi

# --- build, temporary folder and cleanup ------------------------------------
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
build_release
make_workdir refresh

# --- data --------------------------------------------------------------------
DATA=$WORK/feeds
echo "== generating $SOURCES feeds x $EVENTS events" >&2
python3 "$ROOT/bench/gen_ics.py" "$DATA" "$SOURCES" "$EVENTS" || die "feed generation failed"
BODY_BYTES=$(cat "$DATA"/feed-*.ics | wc -c)
BODY_BYTES=${BODY_BYTES//[[:space:]]/}

# --- servers -----------------------------------------------------------------
# One server process per address (no Python lock shared between hosts), the
# first picking a free port that the others then take too.
start_server() { # start_server ADDR PORT READY_FILE
    python3 "$ROOT/bench/etag_server.py" "$DATA" --bind "$1" --port "$2" --ready "$3" \
        </dev/null >>"$WORK/server.log" 2>&1 &
    CHILDREN+=("$!")
}

wait_ready() { # wait_ready READY_FILE PID
    local i
    for ((i = 0; i < 200; i++)); do
        [[ -s $1 ]] && return 0
        kill -0 "$2" 2>/dev/null || { cat "$WORK/server.log" >&2; die "a server did not start"; }
        sleep 0.05
    done
    die "a server did not become ready within 10 s"
}

host() { echo "127.0.0.$1"; }

echo "== starting $HOSTS servers on $(host 1) ... $(host "$HOSTS")" >&2
start_server "$(host 1)" 0 "$WORK/ready.1"
wait_ready "$WORK/ready.1" "${CHILDREN[0]}"
PORT=$(<"$WORK/ready.1")
for ((h = 2; h <= HOSTS; h++)); do
    start_server "$(host "$h")" "$PORT" "$WORK/ready.$h"
done
for ((h = 2; h <= HOSTS; h++)); do
    wait_ready "$WORK/ready.$h" "${CHILDREN[h - 1]}"
done

# Response counts by status, summed over all servers, as "200=N 304=N ..."
# (after reading them; with `reset`, zeroed too).
server_counts() { # server_counts [reset]
    local urls=() h
    for ((h = 1; h <= HOSTS; h++)); do
        urls+=("http://$(host "$h"):$PORT/__stats${1:+?reset=1}")
    done
    python3 - "${urls[@]}" <<'PY'
import collections, json, sys, urllib.request
total = collections.Counter()
for url in sys.argv[1:]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        total.update(json.load(answer))
print(" ".join(f"{status}={n}" for status, n in sorted(total.items())) or "none")
PY
}

# --- measuring ---------------------------------------------------------------
# timed OUT CMD... : runs CMD, writes "WALL_SECONDS PEAK_RSS_KIB" to OUT
# (its last line) and returns CMD's exit status.
timed() {
    local out=$1; shift
    if [[ -n $TIME ]]; then
        "$TIME" -f "%e %M" -o "$out" "$@"
    else
        python3 -c '
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
status = subprocess.call(cmd, stdin=subprocess.DEVNULL)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
with open(out, "w") as f:
    f.write(f"{wall:.3f} {peak}\n")
sys.exit(status if status >= 0 else 128 - status)
' "$out" "$@"
    fi
}

# One `refresh --all --quiet` that must leave every source with STATUS:
#   run_refresh LAYOUT_DIR NAME STATUS   -> figures appended to LAYOUT_DIR/NAME.times
run_refresh() {
    local dir=$1 name=$2 want=$3 status=0
    local out=$dir/$name.out err=$dir/$name.err
    timed "$dir/$name.time" "$BIN" --config "$dir/config.toml" refresh --all --quiet \
        >"$out" 2>"$err" </dev/null || status=$?
    if ((status != 0)); then
        head -20 "$err" >&2
        die "\`confcal refresh --all\` ($name) exited with status $status"
    fi
    # --quiet writes one "SOURCE: STATUS" line per source to stderr, nothing
    # else when all is well; the table on stdout has one row per source.
    local good bad rows
    good=$(grep -Ec "^feed-[0-9]+: $want\$" "$err" || true)
    bad=$(grep -Evc "^feed-[0-9]+: $want\$" "$err" || true)
    rows=$(grep -Ec "feed-[0-9]+ +$want " "$out" || true)
    if ((good != SOURCES || bad != 0 || rows != SOURCES)); then
        grep -Ev "^feed-[0-9]+: $want\$" "$err" | head -20 >&2 || true
        die "$name: expected all $SOURCES sources \`$want'; stderr has $good such lines and $bad others, the table $rows such rows (output in $dir with KEEP=1)"
    fi
    tail -n 1 "$dir/$name.time" >>"$dir/$name.times"
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"

# bench_layout NAME LABEL HOSTS_USED
bench_layout() {
    local name=$1 label=$2 used=$3 dir=$WORK/$1 i counts
    mkdir -p "$dir/state"
    {
        echo "# confcal refresh benchmark, layout $name: $label"
        echo 'default_timezone = "UTC"'
        echo "state_dir = \"$dir/state\""
        for ((i = 1; i <= SOURCES; i++)); do
            printf '\n[[source]]\nname = "feed-%03d"\nkind = "ics"\n' "$i"
            printf 'url = "http://%s:%s/feed-%03d.ics"\n' "$(host $(( (i - 1) % used + 1 )))" "$PORT" "$i"
        done
    } >"$dir/config.toml"

    server_counts reset >/dev/null
    echo "== $name: priming ($label)" >&2
    run_refresh "$dir" prime fresh
    counts=$(server_counts reset)
    [[ $counts == "200=$SOURCES" ]] || die "$name: priming should have been $SOURCES answers of 200, the servers sent: $counts"

    echo "== $name: $RUNS timed runs" >&2
    for ((i = 0; i < RUNS; i++)); do
        run_refresh "$dir" timed "not modified"
    done
    counts=$(server_counts reset)
    [[ $counts == "304=$((SOURCES * RUNS))" ]] \
        || die "$name: expected $((SOURCES * RUNS)) answers of 304, the servers sent: $counts"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$label" "$(<"$dir/prime.times")" "$dir/timed.times" "$counts" \
        >>"$RESULTS"
}

bench_layout "a" "all $SOURCES sources on 1 host" 1
bench_layout "b" "$SOURCES sources over $HOSTS hosts" "$HOSTS"

# --- summary -----------------------------------------------------------------
echo
echo "confcal refresh --all, every source 304 Not Modified"
echo "binary: $BIN"
if [[ -n $TIME ]]; then
    TIMER="GNU time ($TIME -f \"%e %M\", wall time in 10 ms steps)"
else
    TIMER="Python stand-in (perf_counter wall time, RUSAGE_CHILDREN ru_maxrss)"
fi
echo "timer: $TIMER; $RUNS timed runs per layout after one priming run"
python3 - "$RESULTS" "$SOURCES" "$EVENTS" "$BODY_BYTES" <<'PY'
import statistics
import sys

results, sources, events, body_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"sources: {sources}, events per source: {events}, "
      f"total body bytes: {body_bytes} ({body_bytes / 2**20:.1f} MiB)")
print()
rows = []
for line in open(results):
    name, label, prime, times, counts = line.rstrip("\n").split("\t")
    prime_s, prime_kib = prime.split()
    runs = [l.split() for l in open(times) if l.strip()]
    wall = [float(w) for w, _ in runs]
    peak_mib = max(int(k) for _, k in runs) / 1024
    rows.append((f"({name}) {label}", str(len(wall)), f"{statistics.median(wall):.3f}",
                 f"{min(wall):.3f}", f"{max(wall):.3f}", f"{peak_mib:.1f}",
                 f"{float(prime_s):.2f} s, {int(prime_kib) / 1024:.1f} MiB", counts))
header = ("layout", "runs", "median s", "min s", "max s", "peak RSS MiB",
          "priming run (200s)", "server answers")
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
def show(row):
    cells = [c.ljust(w) if i in (0, 6, 7) else c.rjust(w)
             for i, (c, w) in enumerate(zip(row, widths))]
    print("  ".join(cells).rstrip())
show(header)
show(tuple("-" * w for w in widths))
for row in rows:
    show(row)
PY
