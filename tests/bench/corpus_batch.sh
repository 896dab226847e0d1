#!/usr/bin/env bash
# The batch of real articles (issue 15): the articles of ../shared/corpus
# repeated to N files, converted to TEI + EPUB + PDF by one
# `refolio convert` run on every CPU. Prints wall time, articles per
# second, CPU time and peak memory.
#
#   bash tests/bench/corpus_batch.sh [N] [OTHER_REFOLIO] [RUNS]
#       N: articles (default 10000)
#       OTHER_REFOLIO: another build to measure side by side (for example
#           an older commit built in its own folder); the two are run in
#           turn, RUNS times each (default 2), so both see the same machine.
#
# Needs ../shared/corpus beside the package (not part of the repository).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
n="${1:-10000}"
other="${2:-}"
runs="${3:-2}"
corpus=../shared/corpus
[ -d "$corpus" ] || { echo "corpus_batch.sh: $corpus is not there" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "corpus_batch.sh: /usr/bin/time is not installed (apt-get install -y time)" >&2; exit 2; }

. tests/bench/build.sh
echo "refolio: $refolio_build"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# N names, hard links to the corpus texts in turn (no copies).
mkdir -p "$work/in"
mapfile -t texts < <(find "$corpus" -maxdepth 1 -name '*.txt' | sort)
for ((i = 0; i < n; i++)); do
  t="${texts[i % ${#texts[@]}]}"
  ln "$t" "$work/in/$(printf 'a%05d-' "$i")$(basename "$t")" 2>/dev/null ||
    cp "$t" "$work/in/$(printf 'a%05d-' "$i")$(basename "$t")"
done
bytes=$(find "$work/in" -name '*.txt' -print0 | xargs -0 cat | wc -c)
echo "batch: $n articles from ${#texts[@]} corpus texts, $bytes bytes; TEI + EPUB + PDF on $(nproc) CPUs"

one() { # label binary
  rm -rf "$work/out"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$2" convert -q "$work"/in/*.txt -t tei,epub,pdf -o "$work/out" || true
  read -r wall user sys rss < "$work/time"
  files=$(find "$work/out" -type f | wc -l)
  python3 -c 'import sys; l,w,u,s,r,f,n=sys.argv[1:]; w=float(w); print(f"{l:8} {w:7.1f} s wall  {int(n)/w:6.1f} articles/s  {float(u)+float(s):7.1f} s CPU  {int(r)/1024:6.0f} MB peak RSS  {f} files")' \
    "$1" "$wall" "$user" "$sys" "$rss" "$files" "$n"
}
for ((r = 0; r < runs; r++)); do
  one this "$refolio"
  [ -z "$other" ] || one other "$other"
done
