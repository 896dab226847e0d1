#!/usr/bin/env bash
# Whole-program speed: refolio against pandoc on the same content.
#
#   apt-get install -y pandoc hyperfine      # once, on Debian
#   bash tests/bench/compare.sh [SCALE] [BATCH]
#       SCALE: body repetitions (default 50); BATCH: articles in the batch
#       run (default 10000; 0 skips it)
#
# Builds refolio in release mode (static unless REFOLIO_DYNAMIC=1: see
# tests/bench/build.sh), makes a SCALE× article from the bundled
# example (the body repeated, back-links multiplied so the reference list
# still agrees), writes its pandoc-Markdown equivalent (citations as
# footnotes), and times both programs producing TEI and EPUB 3 with
# hyperfine; PDF too, against pandoc with WeasyPrint when `weasyprint` is
# installed (pip install weasyprint), else refolio's PDF time alone. Prints
# the medians and the ratio pandoc/refolio. Then the batch target: BATCH
# example-sized articles (the bundled examples, each copy varied: its own
# title and one more sentence) converted to TEI + EPUB + PDF by one
# `refolio convert` run, with wall time and peak memory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scale="${1:-50}"
batch="${2:-10000}"
for tool in pandoc hyperfine python3 cargo; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is not installed (apt-get install -y pandoc hyperfine)" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
. tests/bench/build.sh
echo "refolio: $refolio_build"

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

for f in tei epub pdf; do
  case $f in
    tei) pandoc_cmd="pandoc $work/article.md -s -t tei -o $work/p.tei.xml" ;;
    epub) pandoc_cmd="pandoc $work/article.md -s -t epub3 -o $work/p.epub" ;;
    pdf)
      if command -v weasyprint >/dev/null; then
        pandoc_cmd="pandoc $work/article.md -s --pdf-engine=weasyprint -o $work/p.pdf"
      else
        hyperfine -N --style none --warmup 1 --min-runs 5 --export-json "$work/pdf.json" \
          -n "refolio pdf" "$refolio convert $work/article.txt -t pdf -o $work/r" >/dev/null
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("pdf   refolio %9.1f ms   (weasyprint not installed: no pandoc PDF to compare)" % (r["median"]*1000))' "$work/pdf.json"
        continue
      fi ;;
  esac
  hyperfine -N --style none --warmup 1 --min-runs 5 --export-json "$work/$f.json" \
    -n "refolio $f" "$refolio convert $work/article.txt -t $f -o $work/r" \
    -n "pandoc $f" "$pandoc_cmd" >/dev/null
  python3 - "$work/$f.json" "$f" <<'EOF'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
f = sys.argv[2]
a, b = r[f"refolio {f}"], r[f"pandoc {f}"]
print(f"{f:5} refolio {a*1000:9.1f} ms   pandoc {b*1000:9.1f} ms   pandoc/refolio {b/a:7.1f}x")
EOF
done

[ "$batch" -gt 0 ] || exit 0
# The batch target: BATCH varied example articles -> TEI + EPUB + PDF.
mkdir -p "$work/batch"
python3 - "$batch" "$work/batch" input/*.txt <<'EOF'
import os, sys
n, out, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
texts = [open(p, encoding="utf-8").read() for p in paths]
words = ["alder", "birch", "cedar", "damson", "elm", "fir", "gorse", "hazel"]
for i in range(n):
    t = texts[i % len(texts)]
    title, rest = t.split("\n", 1)
    # Its own title, and one more sentence (no digits) after the title block.
    extra = " ".join(words[(i >> k) % len(words)] for k in range(0, 15, 3))
    body = rest.replace("\n\n", "\n\nA note on " + extra + " follows.\n\n", 1)
    with open(os.path.join(out, "article-%05d.txt" % i), "w", encoding="utf-8") as f:
        f.write(title + " (" + extra + ")\n" + body)
EOF
bytes=$(find "$work/batch" -name '*.txt' -print0 | xargs -0 cat | wc -c)
echo "batch: $batch articles, $bytes bytes; refolio convert -t tei,epub,pdf on $(nproc) CPUs"
/usr/bin/time -f "batch: %e s wall, %M KB peak memory" "$refolio" convert -q "$work"/batch/*.txt -t tei,epub,pdf -o "$work/batch-out"
echo "batch: $(find "$work/batch-out" -type f | wc -l) files written"
