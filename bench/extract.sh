#!/usr/bin/env bash
# Measures `confcal extract`:
#  - its scores on a labelled corpus of real announcements, when one is
#    given (a folder holding labels.json, texts/ and score.py, as the
#    scorer of the corpus expects): precision, recall and F1 for events,
#    CFP closings and registration closings;
#  - its speed on a generated 5 MB post (MB/s);
#  - how its time grows with hostile input at two sizes, 10k and 100k:
#    dates in one sentence, and HTML nested that deep.
#
# usage: bench/extract.sh [CORPUS_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench/extract.sh: $*" >&2; exit 1; }
cd "$ROOT"
source bench/common.sh
build_release
make_workdir extract

# Seconds of CPU (user + system) and peak memory of one extract run.
measure() {
    local file=$1 out
    out=$( { /usr/bin/time -f '%U %S %M' "$BIN" extract "$file" --format json >/dev/null; } 2>&1 | tail -1)
    awk '{printf "%.3f s CPU, %d MB peak", $1 + $2, $3 / 1024}' <<<"$out"
}

if [[ $# -ge 1 ]]; then
    corpus=$1
    [[ -f $corpus/labels.json && -f $corpus/score.py ]] || die "$corpus has no labels.json and score.py"
    echo "== scores on $corpus"
    python3 "$corpus/score.py" "$BIN" "$corpus/labels.json"
fi

echo "== a 5 MB post"
python3 bench/gen_announcement.py page 5000000 "$WORK/page.md"
bytes=$(stat -c %s "$WORK/page.md")
for run in 1 2 3; do
    start=$(date +%s.%N)
    "$BIN" extract "$WORK/page.md" --format json >/dev/null
    end=$(date +%s.%N)
    awk -v b="$bytes" -v s="$start" -v e="$end" -v r="$run" \
        'BEGIN {printf "run %d: %.2f s wall, %.1f MB/s\n", r, e - s, b / 1e6 / (e - s)}'
done
echo "   $(measure "$WORK/page.md")"

echo "== growth with hostile input (linear: about 10x from 10k to 100k)"
for size in 10000 100000; do
    python3 bench/gen_announcement.py dates "$size" "$WORK/dates-$size.md"
    python3 bench/gen_announcement.py nested "$size" "$WORK/nested-$size.html"
    echo "dates in one sentence, $size: $(measure "$WORK/dates-$size.md")"
    echo "HTML nested $size deep:      $(measure "$WORK/nested-$size.html")"
done
