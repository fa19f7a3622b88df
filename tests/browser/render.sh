#!/usr/bin/env bash
# Browser test of the HTML report: headless Chromium (Debian's `chromium`) renders a report made by a
# tiny search to a PNG, and the test checks that the page rendered - an image of the expected size,
# far from blank (its PNG is several times larger than a blank page's at the same size) - and that the
# browser logged no console errors. `make test` runs it; it says SKIPPED, and why, without Chromium.
#   tests/browser/render.sh [REPORT.html]   (without an argument it makes one)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${EVOFOLIO_BIN:-$root/build/evofolio}")
width=1280
height=4000

skip() { echo "browser test: SKIPPED - $*"; exit 0; }
command -v chromium >/dev/null || skip "chromium is missing (make deps installs it)"

scratch=$(mktemp -d /tmp/evofolio-browser-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
report=${1:-}
if [ -z "$report" ]; then # a report of a tiny search
    "$bin" synth --assets 6 --days 900 --seed 3 --out "$scratch/s.csv" >/dev/null || exit 1
    cat >"$scratch/tiny.yaml" <<'CONF'
name: browser <test> & "report"
data: {prices: s.csv}
split: {test_days: 60, folds: 2, train_days: 200, val_days: 60, embargo_days: 2}
backtest: {window: 20, rebalance: 5}
search: {layers: [1], hidden: [4, 8], seq_len: [5, 8], batch: [16], steps: [2, 3],
         features: [ret1, ret5, vol20], strategies: [ew, invvol, momentum], rebalance: [1, 5]}
ga: {population: 6, generations: 3, elite: 1, tournament: 2, seed: 5, champions: 2}
train: {patience: 2}
output: {archive: tiny.db}
CONF
    "$bin" run --quiet "$scratch/tiny.yaml" >/dev/null || { echo "browser test: the search failed"; exit 1; }
    report=$scratch/report.html
    "$bin" report "$scratch/tiny.db" -o "$report" || { echo "browser test: evofolio report failed"; exit 1; }
fi
echo '<!DOCTYPE html><html><body></body></html>' >"$scratch/blank.html"

# Render a page to a PNG; the browser's log (console messages included) goes to $2.log.
render() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-quic \
        --user-data-dir="$scratch/profile-$2" --window-size=$width,$height --hide-scrollbars \
        --enable-logging=stderr --v=0 --screenshot="$scratch/$2.png" "file://$1" >"$scratch/$2.log" 2>&1
}
# Width and height from the PNG's IHDR chunk (bytes 16..23, big-endian).
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{printf "%d %d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }

passed=0
failed=0
check() {
    if eval "$2"; then echo "ok     $1"; passed=$((passed + 1)); else echo "FAILED $1"; failed=$((failed + 1)); fi
}
render "$report" report
render "$scratch/blank.html" blank
check "chromium rendered the report to a PNG" '[ -s "$scratch/report.png" ]'
check "the image is ${width}x$height" '[ "$(png_size "$scratch/report.png")" = "$width $height" ]'
report_bytes=$(stat -c %s "$scratch/report.png" 2>/dev/null || echo 0)
blank_bytes=$(stat -c %s "$scratch/blank.png" 2>/dev/null || echo 1)
echo "       report PNG $report_bytes bytes, a blank page's $blank_bytes bytes"
check "the page is not blank (its PNG is > 5x a blank page's)" '[ "$report_bytes" -gt $((5 * blank_bytes)) ]'
check "no console errors" '! grep -E "CONSOLE|Uncaught|SyntaxError" "$scratch/report.log"'
[ "${KEEP_PNG:-}" ] && cp "$scratch/report.png" "$KEEP_PNG"
echo "browser test: $passed passed, $failed failed"
[ "$failed" = 0 ]
