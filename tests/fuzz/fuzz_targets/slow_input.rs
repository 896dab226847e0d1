//! Slow-input target: parse + resolve must stay (near) linear. The input is
//! converted repeated 4 times and repeated 64 times; the large run may take
//! at most 16 × 8 times as long as the small one (plus 10 ms of slack for
//! the sanitizer's and the scheduler's noise): linear growth is 16×, so
//! anything quadratic in some construct (256×) shows up as a crash.
//!
//! Both runs use repetitions, so both are in the same regime: one copy of an
//! article satisfies its back-link counts, several copies cannot, and the
//! resolver then works harder per candidate (a constant factor, which the
//! first version of this target mistook for superlinear growth).
#![no_main]

use libfuzzer_sys::fuzz_target;
use refolio::{ParseOptions, parse_article};
use std::time::Instant;

fn time(text: &[u8]) -> f64 {
    let t = Instant::now();
    let _ = parse_article("fuzz", text.to_vec(), Default::default(), &ParseOptions::default());
    t.elapsed().as_secs_f64()
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 64 || data.len() > 4096 {
        return;
    }
    // Best of three, to keep scheduler noise out.
    let small_input = data.repeat(4);
    let small = (0..3).map(|_| time(&small_input)).fold(f64::INFINITY, f64::min);
    let big_input = data.repeat(64);
    let big = (0..3).map(|_| time(&big_input)).fold(f64::INFINITY, f64::min);
    assert!(
        big <= small * 16.0 * 8.0 + 0.010,
        "superlinear: {small:.6}s for 4 × {} bytes, {big:.6}s for 64 ×",
        data.len()
    );
});
