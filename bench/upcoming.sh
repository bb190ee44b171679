#!/usr/bin/env bash
# Benchmark `confcal upcoming` (and `export`, `check`) on a generated curated
# data set: wall time (min/median/max over several runs) and peak RSS.
#
# Targets for `upcoming`: under 50 ms wall and under 50 MB peak RSS. This
# script prints figures; it exits non-zero only when something fails (build,
# generation, a command's exit status, or warnings on stderr), not when a
# target is missed.
#
# Needs: cargo, python3 (3.11+, standard library only), GNU time at
# /usr/bin/time. Uses hyperfine for the wall-time runs when it is installed,
# else a bash loop on $EPOCHREALTIME.
#
# Knobs (environment):
#   EVENTS=10000        events to generate
#   DEADLINES=3         deadlines per event
#   FILES=20            curated files the events are split over
#   RUNS=10             timed runs per command (after one warm-up run)
#   BUDGET_S=25         wall-time budget per command: when one run is slow,
#                       fewer runs are made (never fewer than MIN_RUNS=3)
#   KEEP=1              keep the generated data directory and print its path
#   NO_HYPERFINE=1      use the bash loop even when hyperfine is installed
#
# Usage: bench/upcoming.sh

set -euo pipefail
export LC_ALL=C # a '.' in $EPOCHREALTIME, whatever the user's locale

EVENTS=${EVENTS:-10000}
DEADLINES=${DEADLINES:-3}
FILES=${FILES:-20}
RUNS=${RUNS:-10}
MIN_RUNS=${MIN_RUNS:-3}
BUDGET_S=${BUDGET_S:-25}
NOW=2026-01-01T00:00:00Z
TARGET_MS=50
TARGET_MB=50

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TIME=/usr/bin/time

die() { echo "upcoming.sh: $*" >&2; exit 1; }

[[ -x $TIME ]] || die "GNU time not found at $TIME"
command -v python3 >/dev/null || die "python3 not found"
command -v cargo >/dev/null || die "cargo not found"

# --- build -------------------------------------------------------------------
echo "== cargo build --release" >&2
(cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/confcal
[[ -x $BIN ]] || die "no binary at $BIN"

# --- data --------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/confcal-bench.XXXXXX")
if [[ ${KEEP:-} == 1 ]]; then
    trap 'echo "data kept in $WORK" >&2' EXIT
else
    trap 'rm -rf "$WORK"' EXIT
fi
DATA=$WORK/data
echo "== generating $EVENTS events x $DEADLINES deadlines in $FILES files" >&2
python3 "$ROOT/bench/gen_curated.py" "$DATA" "$EVENTS" "$DEADLINES" "$FILES" \
    || die "data generation failed"
CONFIG=$DATA/config.toml

# --- measuring ---------------------------------------------------------------
# $EPOCHREALTIME ("seconds.micros") as integer microseconds; read it with
# t=$EPOCHREALTIME (no subshell inside the timed span), convert afterwards.
us() { echo $((10#${1/./})); }

HYPERFINE=
if [[ ${NO_HYPERFINE:-} != 1 ]] && command -v hyperfine >/dev/null; then
    HYPERFINE=$(command -v hyperfine)
fi

RESULTS=$WORK/results.tsv
: >"$RESULTS"

# One run under GNU time: checks the exit status and that stderr is empty,
# and gives the peak RSS (KiB) and this run's wall time (ms).
#   measured_run NAME ARGS...   -> sets RSS_KB, ONE_MS; output in $WORK/NAME.out
measured_run() {
    local name=$1; shift
    local t0 t1 status=0
    t0=$EPOCHREALTIME
    "$TIME" -f '%M' -o "$WORK/$name.rss" "$BIN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" \
        || status=$?
    t1=$EPOCHREALTIME
    if ((status != 0)); then
        cat "$WORK/$name.err" >&2
        die "\`confcal $*\` exited with status $status"
    fi
    if [[ -s $WORK/$name.err ]]; then
        head -5 "$WORK/$name.err" >&2
        die "\`confcal $*\` wrote to stderr (warnings?)"
    fi
    RSS_KB=$(tail -n 1 "$WORK/$name.rss")
    ONE_MS=$(( ($(us "$t1") - $(us "$t0")) / 1000 ))
}

# Times NAME: one warm-up run under GNU time (exit status, stderr, peak RSS),
# then up to RUNS timed runs, fewer if one run would blow BUDGET_S.
bench() {
    local name=$1; shift
    measured_run "$name" "$@"
    local runs=$RUNS
    if ((ONE_MS > 0 && ONE_MS * RUNS > BUDGET_S * 1000)); then
        runs=$(( BUDGET_S * 1000 / ONE_MS ))
        ((runs < MIN_RUNS)) && runs=$MIN_RUNS
        echo "   $name: one run takes ${ONE_MS} ms; making $runs runs instead of $RUNS" >&2
    fi
    echo "== $name: $runs runs" >&2
    local times=$WORK/$name.times
    : >"$times"
    if [[ -n $HYPERFINE ]]; then
        "$HYPERFINE" -N --style none --warmup 0 --runs "$runs" \
            --export-json "$WORK/$name.json" -- "$(printf '%q ' "$BIN" "$@")" >/dev/null \
            || die "hyperfine failed on $name"
        python3 -c 'import json,sys
for t in json.load(open(sys.argv[1]))["results"][0]["times"]: print(round(t*1e6))' \
            "$WORK/$name.json" >"$times"
    else
        local i t0 t1
        for ((i = 0; i < runs; i++)); do
            t0=$EPOCHREALTIME
            "$BIN" "$@" >/dev/null 2>&1 || die "\`confcal $*\` failed on run $i"
            t1=$EPOCHREALTIME
            echo $(( $(us "$t1") - $(us "$t0") )) >>"$times"
        done
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$RSS_KB" "$times" "$*" >>"$RESULTS"
}

COMMON=(--config "$CONFIG" --now "$NOW")

# The data must load cleanly, or the figures mean nothing: `check` exits 1
# and writes to stderr on any problem. Timed once: loading alone, no merge.
echo "== check: 1 run" >&2
measured_run check "${COMMON[@]}" check
sed 's/^/   /' "$WORK/check.out" >&2
printf 'check\t%s\t-\t%s\n' "$RSS_KB" "$ONE_MS" >>"$RESULTS"

bench "upcoming-json" "${COMMON[@]}" upcoming --days 30 --format json
bench "upcoming-table" "${COMMON[@]}" upcoming --days 30 --format table

# What the window held, to tell a fast run from an empty one.
ITEMS=$(python3 -c 'import json,sys
items = json.load(open(sys.argv[1]))
ev = sum(1 for i in items if i["type"] == "event")
print(f"{len(items)} items ({ev} events, {len(items) - ev} deadlines)")' "$WORK/upcoming-json.out") \
    || die "upcoming --format json did not print JSON"
[[ $ITEMS != 0\ items* ]] || die "the 30-day window is empty: the data does not cover $NOW"

# export, once.
echo "== export: 1 run" >&2
measured_run export "${COMMON[@]}" export --output "$WORK/feed.ics"
[[ -s $WORK/feed.ics ]] || die "export wrote no feed"
printf 'export\t%s\t-\t%s\n' "$RSS_KB" "$ONE_MS" >>"$RESULTS"
FEED_MB=$(python3 -c 'import os,sys; print(f"{os.path.getsize(sys.argv[1]) / 1e6:.1f}")' "$WORK/feed.ics")

# --- summary -----------------------------------------------------------------
echo
echo "confcal bench: $EVENTS events, $((EVENTS * DEADLINES)) deadlines in $FILES files; --now $NOW"
echo "binary: $BIN"
echo "timer: ${HYPERFINE:+hyperfine}${HYPERFINE:-bash \$EPOCHREALTIME loop}; RSS: $TIME -f %M (one run)"
echo "upcoming --days 30 window: $ITEMS"
echo "export feed: $FEED_MB MB"
echo
python3 - "$RESULTS" "$TARGET_MS" "$TARGET_MB" <<'PY'
import statistics
import sys

results, target_ms, target_mb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows = []
for line in open(results):
    name, rss_kb, times, rest = line.rstrip("\n").split("\t")
    rss_mb = int(rss_kb) / 1024
    if times == "-":  # a single run: rest is its wall ms
        us = [int(rest) * 1000]
    else:
        us = [int(t) for t in open(times) if t.strip()]
    ms = [u / 1000 for u in us]
    verdict = ""
    if name.startswith("upcoming"):
        over = []
        if statistics.median(ms) > target_ms:
            over.append(f"time {statistics.median(ms) / target_ms:.1f}x")
        if rss_mb > target_mb:
            over.append(f"RSS {rss_mb / target_mb:.1f}x")
        verdict = "OVER: " + ", ".join(over) if over else "ok"
    rows.append((name, str(len(ms)), f"{min(ms):.1f}", f"{statistics.median(ms):.1f}",
                 f"{max(ms):.1f}", f"{rss_mb:.1f}", verdict))

header = ("command", "runs", "min ms", "median ms", "max ms", "peak RSS MiB",
          f"vs target ({target_ms:.0f} ms, {target_mb:.0f} MB)")
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
def show(row):
    cells = [c.ljust(w) if i in (0, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
    print("  ".join(cells).rstrip())
show(header)
show(tuple("-" * w for w in widths))
for row in rows:
    show(row)
PY
