"""Runs the corpus scorer, ../shared/corpus/score.py, faster.

Usage: python3 tests/support/score.py SCORE_PY [score.py's arguments]

score.py aligns a document's blocks with the truth's by difflib's
SequenceMatcher ratio of every pair, in pure Python: some two CPU-minutes
for a flattened variant of the corpus (tests/flatteners.rs scores twelve).
This runs it unchanged, with difflib's SequenceMatcher replaced by
cydifflib's, a compiled implementation of the same algorithm whose authors
count any difference from difflib as a bug: the twelve variants' reports
came out byte-identical, 12 times faster (125 s -> 10.7 s for one).

Without cydifflib (scripts/install-validators.sh installs it) score.py runs
with difflib as it is, slower, with a note on stderr; with
REFOLIO_REQUIRE_TOOLS=1 (CI) that is an error (exit 3), so that CI never
silently takes ten minutes more.
"""

import os
import runpy
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: score.py SCORE_PY [ARGS...]")
    try:
        import cydifflib
    except ImportError:
        if os.environ.get("REFOLIO_REQUIRE_TOOLS") == "1":
            sys.stderr.write(
                "cydifflib is not installed (scripts/install-validators.sh), "
                "and REFOLIO_REQUIRE_TOOLS=1\n"
            )
            sys.exit(3)
        sys.stderr.write("cydifflib is not installed: score.py runs with difflib, slower\n")
    else:
        import difflib

        difflib.SequenceMatcher = cydifflib.SequenceMatcher
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")


main()
