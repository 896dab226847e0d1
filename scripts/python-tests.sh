#!/usr/bin/env bash
# The Python package's tests (issue 17): build the wheel once, install it into
# the tools' virtualenv, run pytest over python/tests (API, byte-identity with
# the CLI, the Dask cluster recipe on 1,000 articles, the Spark recipe).
#
# The wheel is built with the `python-ci` profile (opt-level 1, no debug
# info): a debug PDF takes ~0.15 s, which would make the 1,000-article Dask
# test take ~3 minutes on two cores. The CLI the byte-identity tests compare
# with is the debug `refolio` that `cargo test` builds (built here if absent).
#
# Usage: scripts/python-tests.sh [PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-validators.sh --python-env </dev/null
VENV="$(bash scripts/install-validators.sh --print-python-env)"
PY="$VENV/bin/python"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/refolio-py.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

start=$SECONDS
"$VENV/bin/maturin" build --quiet --profile python-ci -m python/Cargo.toml -o "$WORK/dist" </dev/null
wheels=("$WORK"/dist/refolio-*-cp39-abi3-*.whl)
[[ -f "${wheels[0]}" ]] || { echo "python-tests: no abi3 wheel in $WORK/dist" >&2; exit 1; }
PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip install --quiet --force-reinstall --no-deps "${wheels[0]}"
echo "python wheel: built and installed in $((SECONDS - start))s ($(basename "${wheels[0]}"))"

start=$SECONDS
# From the repository root; the tests import the installed package, not python/refolio.
"$PY" -m pytest -p no:cacheprovider -q -s python/tests "$@" </dev/null
echo "python tests: $((SECONDS - start))s"
