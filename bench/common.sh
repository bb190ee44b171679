# Shared by the bench scripts (sourced, after `ROOT` and `die` are set):
# the release build, and a temporary folder whose child processes are
# stopped and which is removed on exit (kept with KEEP=1).

# Builds the release binary and sets BIN.
build_release() {
    echo "== cargo build --release" >&2
    cargo build --release --quiet || die "cargo build --release failed"
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/confcal
    [[ -x $BIN ]] || die "no binary at $BIN"
}

# Makes the temporary folder WORK (named after $1) and arranges cleanup:
# every pid added to CHILDREN is stopped on exit.
make_workdir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/confcal-$1-bench.XXXXXX")
    CHILDREN=()
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

cleanup() {
    local pid
    for pid in "${CHILDREN[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${CHILDREN[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${KEEP:-} == 1 ]]; then
        echo "data kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
