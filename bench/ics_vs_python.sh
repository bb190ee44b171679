#!/usr/bin/env bash
# `confcal upcoming` against a Python peer on one generated iCalendar file:
# speed and peak memory side by side, and whether both list the same
# occurrences.
#
# The peer and the generator are not in this repository: they are
# py_upcoming.py (Python `icalendar` + `recurring-ical-events`, "what is
# coming up in the next N days") and gen_ics.py (a deterministic, realistic
# calendar: zones with VTIMEZONE, UTC, floating and all-day times, RRULEs
# with COUNT/UNTIL/open ends, EXDATE, RECURRENCE-ID overrides, VALARMs,
# X-WR-TIMEZONE). The folder holding both is the first argument, else
# $PEER_DIR; one of them is required.
#
# What it does:
#   1. cargo build --release;
#   2. a venv under the target folder (target/bench-venv) with the peer's
#      packages pinned in bench/requirements.txt, rebuilt when that file
#      changes (pip must reach PyPI the first time);
#   3. generates the calendar once per set of knobs (kept under
#      target/bench-ics/, regenerated when gen_ics.py is newer);
#   4. runs the peer once under GNU time (wall s, peak RSS);
#   5. runs confcal once under GNU time (peak RSS, and its output for the
#      comparison), then RUNS more times for min/median wall time;
#   6. compares the two occurrence lists by (UTC start minute, UID) with
#      bench/compare_upcoming.py: counts, matches, and up to EXAMPLES
#      occurrences only in the peer / only in confcal, with each difference
#      put in a class by its VEVENT (printed as written in the file);
#   7. prints a table: wall times, peak RSS, speed ratio, confcal's
#      throughput in MB/s (file size / wall time of a whole run).
#
# Both read the same window: the peer with --start START --days DAYS --tz
# ZONE (ZONE is where it puts all-day and floating times and the window's
# midnight), confcal with --from START --until START+DAYS in a config whose
# default_timezone is ZONE (both bounds are local times in that zone).
#
# Knobs (environment):
#   EVENTS=100000      events in the generated calendar
#   START=2026-01-01   first day of the window
#   DAYS=30            days in the window
#   ZONE=UTC           zone of the window, all-day and floating times
#   XWR unset          X-WR-TIMEZONE as gen_ics.py writes it by default
#                      (Europe/Berlin); XWR='' leaves it out (--xwr-tz ''),
#                      XWR=Zone/Name writes that one
#   SEED=42 GEN_START=2026-01-01 GEN_DAYS=730
#                      gen_ics.py's --seed, --start and --days (the events
#                      fall in GEN_DAYS days from GEN_START)
#   RUNS=5             timed confcal runs after the measured one
#   EXAMPLES=20        differences shown per side
#   VEVENTS=1          VEVENTs printed per difference class
#   KEEP=1             keep this run's outputs and print where they are
#   STRICT=1           exit 1 when the occurrence lists differ
#
# Exit status: 0 when every step ran and confcal wrote nothing to stderr;
# 1 when a step failed, confcal warned, or (with STRICT=1) the lists differ.
# Differences are reported, not failures, unless STRICT=1.
#
# Needs: cargo, python3 (3.11+) with venv and pip, GNU time at /usr/bin/time.
#
# Usage: bench/ics_vs_python.sh [PEER_DIR]
#   e.g. EVENTS=2000 bench/ics_vs_python.sh PEER_DIR
#        EVENTS=100000 XWR='' bench/ics_vs_python.sh PEER_DIR

set -euo pipefail
export LC_ALL=C # a '.' in $EPOCHREALTIME and in GNU time's %e

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER_DIR=${1:-${PEER_DIR:-}}
if [ -z "$PEER_DIR" ] || [ ! -f "$PEER_DIR/py_upcoming.py" ] || [ ! -f "$PEER_DIR/gen_ics.py" ]; then
  echo "usage: bench/ics_vs_python.sh PEER_DIR (the folder with py_upcoming.py and gen_ics.py)" >&2
  exit 2
fi
EVENTS=${EVENTS:-100000}
START=${START:-2026-01-01}
DAYS=${DAYS:-30}
ZONE=${ZONE:-UTC}
SEED=${SEED:-42}
GEN_START=${GEN_START:-2026-01-01}
GEN_DAYS=${GEN_DAYS:-730}
RUNS=${RUNS:-5}
EXAMPLES=${EXAMPLES:-20}
VEVENTS=${VEVENTS:-1}
TIME=/usr/bin/time
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$TARGET/bench-venv
REQS=$ROOT/bench/requirements.txt

die() { echo "ics_vs_python.sh: $*" >&2; exit 1; }

[[ -x $TIME ]] || die "GNU time not found at $TIME"
command -v python3 >/dev/null || die "python3 not found"
command -v cargo >/dev/null || die "cargo not found"
[[ -d $PEER_DIR ]] || die "no peer folder at $PEER_DIR (give it as the first argument or PEER_DIR)"
PEER_DIR=$(cd "$PEER_DIR" && pwd)
GEN=$PEER_DIR/gen_ics.py
PEER=$PEER_DIR/py_upcoming.py
[[ -f $GEN ]] || die "no gen_ics.py in $PEER_DIR"
[[ -f $PEER ]] || die "no py_upcoming.py in $PEER_DIR"
[[ $EVENTS =~ ^[0-9]+$ && $DAYS =~ ^[0-9]+$ && $RUNS =~ ^[0-9]+$ ]] \
    || die "EVENTS, DAYS and RUNS must be whole numbers"
[[ $START =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "START must be YYYY-MM-DD"

# X-WR-TIMEZONE: unset -> the generator's default; '' -> none; else that zone.
if [[ -z ${XWR+set} ]]; then
    XWR_ARGS=(); XWR_TAG=default; XWR_SHOWN="gen_ics.py's default"
elif [[ -z $XWR ]]; then
    XWR_ARGS=(--xwr-tz ''); XWR_TAG=none; XWR_SHOWN="none (--xwr-tz '')"
else
    XWR_ARGS=(--xwr-tz "$XWR"); XWR_TAG=${XWR//\//_}; XWR_SHOWN=$XWR
fi

# --- build -------------------------------------------------------------------
echo "== cargo build --release" >&2
(cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
BIN=$TARGET/release/confcal
[[ -x $BIN ]] || die "no binary at $BIN"

# --- the peer's venv ---------------------------------------------------------
if ! cmp -s "$REQS" "$VENV/.bench-requirements" 2>/dev/null || [[ ! -x $VENV/bin/python ]]; then
    echo "== creating $VENV from bench/requirements.txt" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV" \
        || die "python3 -m venv failed (Debian/Ubuntu: apt-get install python3-venv)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS" \
        || die "pip install -r bench/requirements.txt failed (pip must reach PyPI)"
    cp "$REQS" "$VENV/.bench-requirements"
fi
PY=$VENV/bin/python

# --- data --------------------------------------------------------------------
DATA=$TARGET/bench-ics
mkdir -p "$DATA"
ICS=$DATA/ev$EVENTS-seed$SEED-$GEN_START-${GEN_DAYS}d-xwr_$XWR_TAG.ics
if [[ ! -s $ICS || $GEN -nt $ICS ]]; then
    echo "== generating $EVENTS events into $ICS" >&2
    python3 "$GEN" "$ICS.tmp" "$EVENTS" --seed "$SEED" --start "$GEN_START" \
        --days "$GEN_DAYS" "${XWR_ARGS[@]}" || die "gen_ics.py failed"
    mv "$ICS.tmp" "$ICS"
fi
ICS_BYTES=$(wc -c <"$ICS")

WORK=$(mktemp -d "$DATA/run.XXXXXX")
if [[ ${KEEP:-} == 1 ]]; then
    trap 'echo "outputs kept in $WORK" >&2' EXIT
else
    trap 'rm -rf "$WORK"' EXIT
fi

UNTIL=$(python3 -c 'import datetime as d, sys
print(d.date.fromisoformat(sys.argv[1]) + d.timedelta(days=int(sys.argv[2])))' "$START" "$DAYS")
CONFIG=$WORK/config.toml
toml_string() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
cat >"$CONFIG" <<EOF
default_timezone = $(toml_string "$ZONE")
deadline_timezone = "AoE"

[[source]]
name = "bench"
kind = "ics"
path = $(toml_string "$ICS")
EOF
CONFCAL_ARGS=(--config "$CONFIG" upcoming --from "${START}T00:00:00"
              --until "${UNTIL}T00:00:00" --format json)
PEER_ARGS=(--start "$START" --days "$DAYS" --tz "$ZONE" "$ICS")

# $EPOCHREALTIME ("seconds.micros") as integer microseconds.
us() { echo $((10#${1/./})); }

# --- the peer ----------------------------------------------------------------
echo "== peer: 1 run (python py_upcoming.py ${PEER_ARGS[*]})" >&2
status=0
"$TIME" -f '%e %M' -o "$WORK/peer.time" "$PY" "$PEER" "${PEER_ARGS[@]}" \
    >"$WORK/peer.out" 2>"$WORK/peer.err" || status=$?
if ((status != 0)); then
    tail -20 "$WORK/peer.err" >&2
    die "the peer exited with status $status"
fi
read -r PEER_S PEER_KB < <(tail -n 1 "$WORK/peer.time")
PEER_NOTE=$(grep '^py upcoming:' "$WORK/peer.err" || true)

# --- confcal -----------------------------------------------------------------
FAILED=0
echo "== confcal: 1 measured run + $RUNS timed runs ($BIN ${CONFCAL_ARGS[*]})" >&2
status=0
t0=$EPOCHREALTIME
"$TIME" -f '%e %M' -o "$WORK/confcal.time" "$BIN" "${CONFCAL_ARGS[@]}" \
    >"$WORK/confcal.json" 2>"$WORK/confcal.err" || status=$?
t1=$EPOCHREALTIME
if ((status != 0)); then
    tail -20 "$WORK/confcal.err" >&2
    die "confcal exited with status $status: $BIN ${CONFCAL_ARGS[*]}"
fi
read -r _ CONFCAL_KB < <(tail -n 1 "$WORK/confcal.time")
CONFCAL_WARNINGS=$(wc -l <"$WORK/confcal.err")
if ((CONFCAL_WARNINGS > 0)); then
    FAILED=1
    echo "!! confcal wrote $CONFCAL_WARNINGS lines to stderr (first 20):" >&2
    head -20 "$WORK/confcal.err" | sed 's/^/   /' >&2
fi
: >"$WORK/confcal.times"
echo $(( $(us "$t1") - $(us "$t0") )) >"$WORK/confcal.measured"
for ((i = 0; i < RUNS; i++)); do
    t0=$EPOCHREALTIME
    "$BIN" "${CONFCAL_ARGS[@]}" >/dev/null 2>&1 || die "confcal failed on timed run $i"
    t1=$EPOCHREALTIME
    echo $(( $(us "$t1") - $(us "$t0") )) >>"$WORK/confcal.times"
done
# With RUNS=0 the measured run (under GNU time) is the only figure.
[[ -s $WORK/confcal.times ]] || cp "$WORK/confcal.measured" "$WORK/confcal.times"

# --- comparison --------------------------------------------------------------
echo
python3 "$ROOT/bench/compare_upcoming.py" "$WORK/peer.out" "$WORK/confcal.json" \
    --ics "$ICS" --examples "$EXAMPLES" --vevents "$VEVENTS" --summary "$WORK/counts.tsv" \
    || die "compare_upcoming.py failed"

# --- summary -----------------------------------------------------------------
echo
echo "== ics_vs_python: $EVENTS events, $(python3 -c "print(f'{$ICS_BYTES / 1e6:.1f}')") MB; window $START + $DAYS days in $ZONE; X-WR-TIMEZONE: $XWR_SHOWN"
echo "   file:    $ICS"
echo "   peer:    $PEER_NOTE"
echo "   confcal: $BIN ${CONFCAL_ARGS[*]}"
echo
python3 - "$WORK" "$ICS_BYTES" "$PEER_S" "$PEER_KB" "$CONFCAL_KB" <<'PY'
import statistics
import sys

work, size, peer_s, peer_kb, confcal_kb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
runs = [int(t) / 1e6 for t in open(f"{work}/confcal.times") if t.strip()]
counts = dict(line.rstrip("\n").split("\t") for line in open(f"{work}/counts.tsv"))
best, median = min(runs), statistics.median(runs)
mb = size / 1e6
rows = [
    ("peer wall (1 run)", f"{peer_s:.2f} s"),
    ("peer peak RSS", f"{peer_kb / 1024:.0f} MiB"),
    (f"confcal wall min / median ({len(runs)} runs)", f"{best * 1e3:.0f} / {median * 1e3:.0f} ms"),
    ("confcal peak RSS", f"{confcal_kb / 1024:.0f} MiB"),
    ("speed ratio (peer / confcal median)", f"{peer_s / median:.0f}x"),
    ("memory ratio (peer / confcal peak)", f"{peer_kb / confcal_kb:.1f}x"),
    ("confcal throughput (size / wall, median; best)", f"{mb / median:.0f} MB/s; {mb / best:.0f} MB/s"),
    ("occurrences peer / confcal", f"{counts['peer']} / {counts['confcal']}"),
    ("matching", counts["matching"]),
    ("only in peer / only in confcal", f"{counts['only_peer']} / {counts['only_confcal']}"),
]
w = max(len(k) for k, _ in rows)
for k, v in rows:
    print(f"{k.ljust(w)}  {v}")
PY

DIFFERENT=$(awk -F'\t' '$1 ~ /^only_|peer_unparsed/ && $2 > 0 {n++} END {print n+0}' "$WORK/counts.tsv")
if ((CONFCAL_WARNINGS > 0)); then
    echo "!! confcal wrote $CONFCAL_WARNINGS lines to stderr: see above" >&2
fi
if [[ ${STRICT:-} == 1 ]] && ((DIFFERENT > 0)); then
    FAILED=1
fi
exit "$FAILED"
