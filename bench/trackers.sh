#!/usr/bin/env bash
# Benchmark `confcal upcoming` over tracker datasets the size of the real
# ones: a ccfddl-sized dataset (350 series files, 2,100 deadlines) plus a
# confs.tech-sized one (1,000 conferences), beside the bundled config.toml.
# Prints wall time (min/median/max over RUNS runs), and the CPU time and
# peak RSS of one more run, for each. On a busy machine the wall time is
# the CPU time plus waiting for a core; both are shown.
#
# Targets for the trackers: under 100 ms and 50 MB. The script prints
# figures; it fails only when a command fails or warns, not when a target
# is missed.
#
# Needs: cargo, python3, GNU time at /usr/bin/time.
# Knobs: SERIES=350 EVENTS=1000 RUNS=10 KEEP=1
#
# Usage: bench/trackers.sh

set -euo pipefail
export LC_ALL=C

SERIES=${SERIES:-350}
EVENTS=${EVENTS:-1000}
RUNS=${RUNS:-10}
TIME=/usr/bin/time
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "trackers.sh: $*" >&2; exit 1; }
[[ -x $TIME ]] || die "GNU time not found at $TIME"
command -v python3 >/dev/null || die "python3 not found"

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
cd "$ROOT"
build_release
make_workdir trackers
python3 "$ROOT/bench/gen_trackers.py" "$WORK/data" "$SERIES" "$EVENTS" \
    || die "data generation failed"

us() { echo $((10#${1/./})); }

# measure NAME CONFIG: RUNS timed runs of `upcoming` over all time, then one
# under GNU time for the peak RSS.
measure() {
    local name=$1 config=$2 times=() t0 t1 i
    local args=(--config "$config" --offline upcoming --from 1990-01-01 --until 2100-01-01 --format json)
    "$BIN" "${args[@]}" >"$WORK/out.json" 2>"$WORK/err" || die "$name: upcoming failed: $(cat "$WORK/err")"
    [[ -s $WORK/err ]] && die "$name: warnings: $(cat "$WORK/err")"
    local items deadlines
    items=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), sum(1 for i in d if i["type"]=="deadline"))' "$WORK/out.json")
    read -r items deadlines <<<"$items"
    for ((i = 0; i < RUNS; i++)); do
        t0=$EPOCHREALTIME
        "$BIN" "${args[@]}" >/dev/null 2>&1
        t1=$EPOCHREALTIME
        times+=($(( ($(us "$t1") - $(us "$t0")) )))
    done
    mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
    local rss cpu
    read -r rss cpu < <("$TIME" -f '%M %U %S' "$BIN" "${args[@]}" 2>&1 >/dev/null | tail -n1 | awk '{print $1, ($2 + $3) * 1000}')
    printf '%-30s %5s items %5s deadlines  wall min %6.1f ms  median %6.1f ms  max %6.1f ms  cpu %4.0f ms  peak RSS %5.1f MB\n' \
        "$name" "$items" "$deadlines" \
        "$(echo "${sorted[0]} / 1000" | bc -l)" \
        "$(echo "${sorted[$((RUNS / 2))]} / 1000" | bc -l)" \
        "$(echo "${sorted[$((RUNS - 1))]} / 1000" | bc -l)" \
        "$cpu" \
        "$(echo "$rss / 1024" | bc -l)"
}

echo "== upcoming over all time, $RUNS runs each (targets for the trackers: < 100 ms, < 50 MB)"
measure "bundled config.toml" "$ROOT/config.toml"
measure "ccfddl $SERIES + confs.tech $EVENTS" "$WORK/data/config.toml"
