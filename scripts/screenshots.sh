#!/usr/bin/env bash
# Screenshots of a refolio EPUB as headless Chromium renders it, to look at
# (issue 13: "screenshots at 360 px and 1,100 px, the pop-up included").
# Nothing is committed: the PNGs go to OUT_DIR.
#
# Usage: scripts/screenshots.sh OUT_DIR [ARTICLE.txt | BOOK.epub] [CITE_ID]
#
#   ARTICLE.txt   converted with `cargo run --bin refolio -- convert … -t epub`
#                 (default: input/canal-and-locks.txt); or give a BOOK.epub
#   CITE_ID       the citation whose note pops up (default: cite-2-1)
#
# Writes, from the book's first chapter:
#   chapter-360.png, chapter-1100.png   the whole chapter at 360 and 1,100 px
#   chapter-360-01.png …  the chapter at 360 px, one 640 px screen each
#   numbers-360.png      the first paragraph or item with a digit group
#                        (`412 000`) at 360 px
#   references-360.png   the start of the references list at 360 px
#   popup-360.png        foliate-js at 360 x 640: the chapter at the
#                        citation, its note popped up over it
#
# Tools (scripts/install-validators.sh installs them): node; Chromium
# ($PUPPETEER_EXECUTABLE_PATH, else `chromium` on PATH); puppeteer-core
# ($REFOLIO_PUPPETEER_CORE, else --print-puppeteer-core); foliate-js
# ($REFOLIO_FOLIATE_JS, else --print-foliate-js). The pages are drawn by
# tests/foliate/lines.js (--shots) and tests/foliate/popup.js.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: scripts/screenshots.sh OUT_DIR [ARTICLE.txt | BOOK.epub] [CITE_ID]}"
source="${2:-$here/input/canal-and-locks.txt}"
cite="${3:-cite-2-1}"

command -v node >/dev/null || { echo "node not found on PATH" >&2; exit 1; }
chromium="${PUPPETEER_EXECUTABLE_PATH:-$(command -v chromium || true)}"
[[ -n "$chromium" ]] || { echo "chromium not found on PATH" >&2; exit 1; }
puppeteer="${REFOLIO_PUPPETEER_CORE:-$("$here/scripts/install-validators.sh" --print-puppeteer-core)}"
foliate="${REFOLIO_FOLIATE_JS:-$("$here/scripts/install-validators.sh" --print-foliate-js)}"
[[ -f "$puppeteer/package.json" ]] || { echo "$puppeteer: no puppeteer-core (run scripts/install-validators.sh)" >&2; exit 1; }
[[ -f "$foliate/footnotes.js" ]] || { echo "$foliate: no foliate-js (run scripts/install-validators.sh)" >&2; exit 1; }

mkdir -p "$out"
out="$(cd "$out" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

case "$source" in
    *.epub) epub="$source" ;;
    *)
        (cd "$here" && cargo run --quiet --bin refolio -- convert "$source" -t epub -o "$tmp") >&2
        epub="$tmp/$(basename "${source%.*}").epub"
        ;;
esac
[[ -f "$epub" ]] || { echo "$epub was not written" >&2; exit 1; }

node "$here/tests/foliate/lines.js" "$puppeteer" "$chromium" "$epub" --shots "$out" >/dev/null
node "$here/tests/foliate/popup.js" "$puppeteer" "$chromium" "$foliate" "$epub" "$cite" \
    "$out/popup-360.png" >/dev/null
for f in chapter-360 chapter-1100 numbers-360 references-360 popup-360; do
    if [[ -f "$out/$f.png" ]]; then echo "$out/$f.png"; fi
done
ls -1 "$out"/chapter-360-[0-9]*.png
