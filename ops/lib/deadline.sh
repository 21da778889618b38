# Deadlines for ops/test's phases: a phase that hangs must fail the run with what was still running, not hold CI
# until its own limit. Source after services.sh.

# with_deadline SECONDS NAME LOG command...: runs the command in its own process group, its output shown and kept in
# LOG. Past SECONDS it prints what the phase was doing (the tests still running, the test process's threads) and
# kills the group; the status is then 124.
with_deadline() {
    local seconds="$1" name="$2" output="$3"
    shift 3
    local expired="$output.expired"
    rm -f "$expired"
    setsid "$@" > >(tee "$output") 2>&1 &
    local pid=$!
    (
        sleep "$seconds" &
        wait $!
        kill -0 "$pid" 2>/dev/null || exit 0
        touch "$expired"
        log "$name did not finish within $seconds s"
        describe_hang "$pid" "$output"
        kill -KILL -- "-$pid" 2>/dev/null || true
    ) &
    local watcher=$!
    local status=0
    wait "$pid" || status=$?
    pkill -P "$watcher" sleep 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
    # Let tee finish writing what the phase printed before the next phase prints.
    sleep 0.2
    [ -f "$expired" ] && return 124
    return "$status"
}

# describe_hang PID LOG: the Swift tests (and suites) that started and never ended, and each thread's innermost
# frames of every test process in the group (gdb, when the machine has it; the full backtrace goes next to LOG).
describe_hang() {
    local pid="$1" output="$2"
    local member
    for member in $(pgrep -g "$pid" -f 'PackageTests' || true); do
        if command -v gdb >/dev/null 2>&1; then
            timeout 120 gdb -p "$member" -batch -ex 'thread apply all bt 40' >"$output.gdb.$member" 2>&1 || true
            log "threads of $member (innermost frames; all of them in $output.gdb.$member):"
            awk '/^Thread /{print; n=0; next} /^#/{if (n++ < 6) print "    " $0}' "$output.gdb.$member" | cut -c1-220 >&2
        fi
    done
    log "started and not ended:"
    unfinished_tests "$output" | sed 's/^/    /' >&2
}

# The tests swift-testing reported as started ("◇ Test x() started.") with no "passed"/"failed" line after them.
unfinished_tests() {
    awk '
        /◇ Test case / { next }
        /◇ (Test|Suite) .* started\.$/ { line = $0; sub(/^.*◇ /, "", line); sub(/ started\.$/, "", line); open[line] = 1 }
        /(✔|✘) (Test|Suite) .* (passed|failed) after/ {
            line = $0; sub(/^.*(✔|✘) /, "", line); sub(/ (passed|failed) after.*$/, "", line); sub(/ with [0-9]+ (test cases?|tests in [0-9]+ suites?)$/, "", line)
            delete open[line]
        }
        END { for (name in open) if (name ~ /^Test / && name != "Test run") print name }
    ' "$1" | sort
}
