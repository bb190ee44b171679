#!/usr/bin/env bash
# Benchmark reading hostile iCalendar text: a calendar whose components are
# nested SIZE levels deep (SIZE `BEGIN:X-BOX` lines, then as many `END`s),
# followed by one ordinary event, at two sizes, 10,000 and 100,000 levels.
# Each is read with `confcal check`, which loads the source, and its wall
# time and peak RSS printed. Components past confcal's nesting limit are
# skipped, so the time grows with the size of the text, not with its square;
# the tests show that by counting the scanner's steps, this script by the
# clock.
#
# Give another binary as BEFORE=/path/to/confcal (a build of an older
# version) to print its figures beside this build's. A run that takes
# longer than LIMIT seconds is stopped and printed as such.
#
# Needs: cargo, python3, GNU time (/usr/bin/time), timeout (coreutils).
#
# Knobs (environment):
#   BEFORE=             another confcal binary to compare with
#   LIMIT=120           seconds before a run is stopped
#   KEEP=1              keep the temporary folder and print its path
#
# Usage: bench/nesting.sh

set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TIME=/usr/bin/time
LIMIT=${LIMIT:-120}

die() { echo "nesting.sh: $*" >&2; exit 1; }

[[ -x $TIME ]] || die "GNU time not found at $TIME"
command -v python3 >/dev/null || die "python3 not found"
command -v timeout >/dev/null || die "timeout (coreutils) not found"
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

cd "$ROOT"
build_release
make_workdir nesting

# Writes a calendar nested $1 levels deep into $2.
nested() {
    python3 - "$1" "$2" <<'PY'
import sys
depth, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", newline="") as f:
    f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//confcal bench//EN\r\n")
    f.write("BEGIN:X-BOX\r\n" * depth)
    f.write("END:X-BOX\r\n" * depth)
    f.write("BEGIN:VEVENT\r\nUID:after@bench\r\nDTSTAMP:20150101T000000Z\r\n"
            "DTSTART;VALUE=DATE:20150817\r\nSUMMARY:After the boxes\r\nEND:VEVENT\r\n")
    f.write("END:VCALENDAR\r\n")
PY
}

# Times `check` of $2 with binary $1; prints "seconds peak-KiB" or
# "stopped-after-LIMITs -".
measure() {
    local bin=$1 size=$2 dir=$WORK/$size
    mkdir -p "$dir"
    [[ -f $dir/nested.ics ]] || nested "$size" "$dir/nested.ics"
    printf 'calendar_name = "bench"\nstate_dir = "state"\n[[source]]\nname = "nested"\nkind = "ics"\npath = "nested.ics"\n' \
        >"$dir/config.toml"
    local status=0
    timeout "$LIMIT" "$TIME" -f "%e %M" -o "$dir/time" "$bin" --config "$dir/config.toml" check \
        >/dev/null 2>"$dir/stderr" || status=$?
    if [[ $status == 124 ]]; then
        echo "stopped-after-${LIMIT}s -"
        return
    fi
    # `check` exits 1 for the reported problem (the skipped nesting).
    [[ $status == 0 || $status == 1 ]] || die "$bin check failed ($status): $(tail -3 "$dir/stderr")"
    tail -n 1 "$dir/time"
}

printf '%-8s %-10s %12s %12s\n' build levels seconds peak-KiB
for size in 10000 100000; do
    if [[ -n ${BEFORE:-} ]]; then
        read -r seconds kib < <(measure "$BEFORE" "$size")
        printf '%-8s %-10s %12s %12s\n' before "$size" "$seconds" "$kib"
    fi
    read -r seconds kib < <(measure "$BIN" "$size")
    printf '%-8s %-10s %12s %12s\n' this "$size" "$seconds" "$kib"
done
