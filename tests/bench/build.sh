# Sourced by the benchmark scripts: builds refolio in release mode and sets
# `refolio` to the binary and `refolio_build` to how it was built.
#
# By default the binary is static (glibc's static-pie, `+crt-static`, built
# for the host triple so that the proc-macros stay dynamic): no shared
# libraries to load and relocate when it starts, 0.4 ms less for every run
# on the 2-core development machine. It is the build the README recommends
# installing. REFOLIO_DYNAMIC=1, or a system without a static C library,
# gives the plain `cargo build --release`.
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
host="$(rustc -vV | sed -n 's/^host: //p')"
if [ -z "${REFOLIO_DYNAMIC:-}" ] &&
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --release --quiet --target "$host" 2>/dev/null; then
  refolio="$target_dir/$host/release/refolio"
  refolio_build="static ($host, +crt-static)"
else
  cargo build --release --quiet
  refolio="$target_dir/release/refolio"
  refolio_build="dynamic (cargo build --release)"
fi
