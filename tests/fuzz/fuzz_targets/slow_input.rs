//! Slow-input target: parse + resolve must stay (near) linear. The input is
//! converted once and then repeated 16 times; the large run may take at
//! most 16 × 8 times as long as the small one (plus a millisecond of slack),
//! so anything quadratic in some construct shows up as a crash.
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
    if data.len() < 64 {
        return;
    }
    // Best of three, to keep scheduler noise out.
    let small = (0..3).map(|_| time(data)).fold(f64::INFINITY, f64::min);
    let big_input = data.repeat(16);
    let big = (0..3).map(|_| time(&big_input)).fold(f64::INFINITY, f64::min);
    assert!(big <= small * 16.0 * 8.0 + 0.001, "superlinear: {small:.6}s for {} bytes, {big:.6}s for 16×", data.len());
});
