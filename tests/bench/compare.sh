#!/usr/bin/env bash
# Whole-program speed: refolio against pandoc on the same content.
#
#   apt-get install -y pandoc hyperfine      # once, on Debian
#   bash tests/bench/compare.sh [SCALE]      # SCALE: body repetitions (default 50)
#
# Builds refolio in release mode, makes a SCALE× article from the bundled
# example (the body repeated, back-links multiplied so the reference list
# still agrees), writes its pandoc-Markdown equivalent (citations as
# footnotes), and times both programs producing TEI and EPUB 3 with
# hyperfine. Prints the medians and the ratio pandoc/refolio.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scale="${1:-50}"
for tool in pandoc hyperfine python3 cargo; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is not installed (apt-get install -y pandoc hyperfine)" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
refolio="${CARGO_TARGET_DIR:-$PWD/target}/release/refolio"

python3 - "$scale" input/canal-and-locks.txt > "$work/article.txt" <<'EOF'
import sys
scale, path = int(sys.argv[1]), sys.argv[2]
text = open(path, encoding="utf-8").read()
at = text.rfind("\n\n  1. ") + 2
head, refs = text[:at], text[at:]
title, body = head.split("\n\n", 1)
out = [title, "\n\n", body * scale]
for line in refs.splitlines():
    groups = line.count("[]")
    out.append(line.replace("[]", "") + "[]" * (groups * scale) + "\n")
sys.stdout.write("".join(out))
EOF
"$refolio" convert "$work/article.txt" -t json -o "$work" 2>/dev/null
python3 tests/bench/to_markdown.py "$work/article.json" > "$work/article.md"
echo "input: $(wc -c < "$work/article.txt") bytes ($scale× input/canal-and-locks.txt); pandoc $(pandoc --version | head -1 | cut -d' ' -f2)"

formats="tei"
"$refolio" convert --help | grep -q 'epub' && formats="tei epub"
for f in $formats; do
  case $f in
    tei) ptarget="tei"; pout="$work/p.tei.xml" ;;
    epub) ptarget="epub3"; pout="$work/p.epub" ;;
  esac
  hyperfine -N --style none --warmup 2 --min-runs 10 --export-json "$work/$f.json" \
    -n "refolio $f" "$refolio convert $work/article.txt -t $f -o $work/r" \
    -n "pandoc $f" "pandoc $work/article.md -s -t $ptarget -o $pout" >/dev/null
  python3 - "$work/$f.json" "$f" <<'EOF'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
f = sys.argv[2]
a, b = r[f"refolio {f}"], r[f"pandoc {f}"]
print(f"{f:5} refolio {a*1000:9.1f} ms   pandoc {b*1000:9.1f} ms   pandoc/refolio {b/a:7.1f}x")
EOF
done
