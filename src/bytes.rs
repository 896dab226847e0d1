//! Byte classes, sixteen bytes at a time. The scans that every byte of an
//! article goes through (the search for marker candidates, the XML
//! writer's checks of its text) test a [`Chunk`] with a few vector
//! instructions and look at single bytes only where a chunk holds one they
//! want.

/// The bytes of a [`Chunk`].
pub(crate) const CHUNK: usize = 16;

/// Bit k is set when byte k of a chunk is in the class asked for.
pub(crate) type Mask = u32;

/// Sixteen bytes, held to be classified ([`Chunk::eq`], [`Chunk::in_range`]).
#[derive(Clone, Copy)]
pub(crate) struct Chunk(imp::Vector);

impl Chunk {
    /// The chunk of these bytes.
    #[inline]
    pub(crate) fn new(bytes: &[u8; CHUNK]) -> Chunk {
        Chunk(imp::load(bytes))
    }

    /// The chunk of `bytes` (fewer than [`CHUNK`]) and then `pad`s. The
    /// bytes are put together in registers: a copy into a buffer on the
    /// stack, read back at once as a vector, would wait for the copy's
    /// stores (most texts and attribute values are that short).
    #[inline]
    fn padded(bytes: &[u8], pad: u8) -> Chunk {
        let word = |part: &[u8]| {
            part.iter()
                .enumerate()
                .fold(u64::from_ne_bytes([pad; 8]), |w, (i, &b)| {
                    let shift = 8 * i;
                    (w & !(0xFF << shift)) | (u64::from(b) << shift)
                })
        };
        let (lo, hi) = bytes.split_at(bytes.len().min(8));
        Chunk(imp::from_words(word(lo), word(hi)))
    }

    /// The bytes equal to `b`.
    #[inline]
    pub(crate) fn eq(self, b: u8) -> Mask {
        imp::eq(self.0, b)
    }

    /// The bytes in `lo..=hi`.
    #[inline]
    pub(crate) fn in_range(self, lo: u8, hi: u8) -> Mask {
        imp::in_range(self.0, lo, hi)
    }
}

/// Calls `f(at, chunk, own)` for the chunks of `bytes` in order, until it
/// returns false: `at` is where the chunk starts in `bytes`, and bit k of
/// `own` is set when byte `at + k` is one of `bytes` not seen before. The
/// last bytes, fewer than [`CHUNK`], come in a chunk that overlaps the one
/// before, or, when `bytes` is that short, padded with `pad`.
#[inline]
pub(crate) fn each_chunk(bytes: &[u8], pad: u8, mut f: impl FnMut(usize, Chunk, Mask) -> bool) {
    const ALL: Mask = (1 << CHUNK) - 1;
    let (whole, rest) = bytes.as_chunks::<CHUNK>();
    for (i, c) in whole.iter().enumerate() {
        if !f(i * CHUNK, Chunk::new(c), ALL) {
            return;
        }
    }
    if rest.is_empty() {
        return;
    }
    let at = bytes.len().saturating_sub(CHUNK);
    let c = match bytes[at..].first_chunk::<CHUNK>() {
        Some(last) => Chunk::new(last),
        None => Chunk::padded(rest, pad),
    };
    // The bytes of `rest` are the last ones of the chunk, or its first.
    let own = if bytes.len() >= CHUNK {
        ALL & !((1 << (CHUNK - rest.len())) - 1)
    } else {
        (1 << rest.len()) - 1
    };
    f(at, c, own);
}

/// Appends `b` to `out`. Most of what the XML writers and the content
/// identifier append is a few bytes (a name, `="`, an id's parts, a
/// field's separator), whose length the compiler does not know:
/// `extend_from_slice` would call `memcpy` through the C library's table
/// for each, which cost more than the copy. Up to 16 bytes are copied here
/// instead, as two words that overlap (as `memcpy` itself copies them);
/// longer ones by `extend_from_slice`.
#[inline]
pub(crate) fn append(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    if n > 16 {
        out.extend_from_slice(b);
        return;
    }
    out.reserve(n);
    let len = out.len();
    // SAFETY: `reserve` made room for `n` more bytes after `len`; every
    // read is of bytes of `b` (from `src` to `src + n`) and every write of
    // bytes of that room (from `dst` to `dst + n`), as the words' offsets
    // show for each range of `n`; the two do not overlap (`out` is
    // borrowed mutably, so `b` is not part of it). The `n` bytes are then
    // initialised.
    unsafe {
        let (src, dst) = (b.as_ptr(), out.as_mut_ptr().add(len));
        if n >= 8 {
            let head = src.cast::<u64>().read_unaligned();
            let tail = src.add(n - 8).cast::<u64>().read_unaligned();
            dst.cast::<u64>().write_unaligned(head);
            dst.add(n - 8).cast::<u64>().write_unaligned(tail);
        } else if n >= 4 {
            let head = src.cast::<u32>().read_unaligned();
            let tail = src.add(n - 4).cast::<u32>().read_unaligned();
            dst.cast::<u32>().write_unaligned(head);
            dst.add(n - 4).cast::<u32>().write_unaligned(tail);
        } else if n > 0 {
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
        out.set_len(len + n);
    }
}

/// Appends the decimal digits of `n` to `out` (ids, numbers, the content
/// identifier's fields: thousands in an article). Eight digits at a time
/// are put together in a register, a digit a byte, and stored as one
/// word: digits stored one by one into a buffer and read back at once in
/// wider words, as a copy reads them, wait for those stores to finish (a
/// profile of a build where such a function was not inlined put 8% of a
/// TEI conversion in it).
#[inline]
pub(crate) fn append_decimal(out: &mut Vec<u8>, n: u64) {
    const EIGHT: u64 = 100_000_000;
    if n >= EIGHT {
        append_decimal(out, n / EIGHT);
        append_digits(out, n % EIGHT, 8);
    } else {
        append_digits(out, n, 1);
    }
}

/// Appends the digits of `n` (under 10^8), at least `min` of them (led by
/// zeros).
#[inline]
fn append_digits(out: &mut Vec<u8>, mut n: u64, min: usize) {
    // The last digit made (the first written) in the lowest byte.
    let (mut word, mut len) = (0u64, 0);
    loop {
        word = word << 8 | (u64::from(b'0') + n % 10);
        len += 1;
        n /= 10;
        if n == 0 && len >= min {
            break;
        }
    }
    out.reserve(8);
    let at = out.len();
    // SAFETY: `reserve` made room for 8 more bytes after `at`, all
    // written here; the first `len` (at most 8, as `n` < 10^8) are the
    // digits.
    unsafe {
        out.as_mut_ptr()
            .add(at)
            .cast::<[u8; 8]>()
            .write_unaligned(word.to_le_bytes());
        out.set_len(at + len);
    }
}

/// SSE2, which every x86-64 processor has.
#[cfg(target_arch = "x86_64")]
mod imp {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8,
        _mm_sub_epi8,
    };

    pub(super) type Vector = __m128i;

    // SAFETY (for the four calls below): SSE2 is part of x86-64 itself.
    // Every x86-64 processor has it, and the compiler assumes it for all
    // x86-64 code, so the `sse2` functions can always run (and are inlined).

    #[inline]
    pub(super) fn load(bytes: &[u8; 16]) -> Vector {
        unsafe { load_sse2(bytes) }
    }

    /// Bytes 0–7 from `lo`, 8–15 from `hi`, the lowest byte first.
    #[inline]
    pub(super) fn from_words(lo: u64, hi: u64) -> Vector {
        unsafe { from_words_sse2(lo, hi) }
    }

    #[inline]
    pub(super) fn eq(v: Vector, b: u8) -> u32 {
        unsafe { eq_sse2(v, b) }
    }

    #[inline]
    pub(super) fn in_range(v: Vector, lo: u8, hi: u8) -> u32 {
        unsafe { in_range_sse2(v, lo, hi) }
    }

    #[target_feature(enable = "sse2")]
    fn load_sse2(bytes: &[u8; 16]) -> Vector {
        let (lo, hi) = bytes.split_at(8);
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
        from_words_sse2(word(lo), word(hi))
    }

    #[target_feature(enable = "sse2")]
    fn from_words_sse2(lo: u64, hi: u64) -> Vector {
        _mm_set_epi64x(hi as i64, lo as i64)
    }

    #[target_feature(enable = "sse2")]
    fn eq_sse2(v: Vector, b: u8) -> u32 {
        _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8))) as u32 & 0xFFFF
    }

    /// `x - lo` (wrapping) is at most `hi - lo`: the unsigned minimum of
    /// the two is then `x - lo` itself.
    #[target_feature(enable = "sse2")]
    fn in_range_sse2(v: Vector, lo: u8, hi: u8) -> u32 {
        let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
        let inside = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(hi.wrapping_sub(lo) as i8)), d);
        _mm_movemask_epi8(inside) as u32 & 0xFFFF
    }
}

/// Byte by byte, elsewhere.
#[cfg(not(target_arch = "x86_64"))]
mod imp {
    pub(super) type Vector = [u8; 16];

    pub(super) fn load(bytes: &[u8; 16]) -> Vector {
        *bytes
    }

    pub(super) fn from_words(lo: u64, hi: u64) -> Vector {
        let mut v = [0; 16];
        v[..8].copy_from_slice(&lo.to_le_bytes());
        v[8..].copy_from_slice(&hi.to_le_bytes());
        v
    }

    fn mask(v: Vector, class: impl Fn(u8) -> bool) -> u32 {
        v.iter()
            .enumerate()
            .fold(0, |m, (k, &b)| m | (u32::from(class(b)) << k))
    }

    pub(super) fn eq(v: Vector, b: u8) -> u32 {
        mask(v, |x| x == b)
    }

    pub(super) fn in_range(v: Vector, lo: u8, hi: u8) -> u32 {
        mask(v, |x| (lo..=hi).contains(&x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every class of every byte at every place of a chunk, against the
    /// byte-by-byte answer.
    #[test]
    fn masks_agree_with_the_bytes() {
        let ranges = [(b'0', b'9'), (0x80, 0xBF), (0, 0x1F), (0xF0, 0xFF), (7, 7)];
        for byte in 0..=255u8 {
            for at in 0..CHUNK {
                let mut bytes = [b'a'; CHUNK];
                bytes[at] = byte;
                let c = Chunk::new(&bytes);
                let want = |class: &dyn Fn(u8) -> bool| {
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| class(**b))
                        .fold(0, |m, (k, _)| m | 1 << k)
                };
                for probe in [byte, b'a', 0, 0xFF] {
                    assert_eq!(c.eq(probe), want(&|b| b == probe), "{byte:#x} at {at}");
                }
                for (lo, hi) in ranges {
                    let got = c.in_range(lo, hi);
                    assert_eq!(got, want(&|b| (lo..=hi).contains(&b)), "{byte:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn each_chunk_sees_every_byte_once_in_order() {
        for len in [0, 1, 15, 16, 17, 31, 32, 40] {
            let bytes: Vec<u8> = (0..len as u8).collect();
            let mut seen = Vec::new();
            each_chunk(&bytes, 0xFF, |at, c, own| {
                for k in 0..CHUNK {
                    if own & 1 << k != 0 {
                        // The byte at `at + k` is where the chunk has it.
                        let b = bytes[at + k];
                        assert_eq!(c.eq(b) & 1 << k, 1 << k, "{len}: {at} + {k}");
                        seen.push(b);
                    }
                }
                true
            });
            assert_eq!(seen, bytes, "{len}");
        }
        let mut calls = 0;
        each_chunk(&[b'a'; 40], b' ', |_, _, _| {
            calls += 1;
            false
        });
        assert_eq!(calls, 1, "stops when told to");
    }

    proptest::proptest! {
        /// Bytes of every length, appended after any bytes into a vector
        /// with or without room, are those bytes; nothing else changes.
        #[test]
        fn append_appends_the_bytes(
            before in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
            b in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
            room in 0usize..24,
        ) {
            let mut out = Vec::with_capacity(before.len() + room);
            out.extend_from_slice(&before);
            append(&mut out, &b);
            proptest::prop_assert_eq!(out, [before, b].concat());
        }

        /// A number's digits, appended after any bytes, are what `format!`
        /// writes; so is a number led by zeros to 8 digits.
        #[test]
        fn append_decimal_writes_the_digits(
            before in proptest::collection::vec(proptest::num::u8::ANY, 0..12),
            n: u64,
            small in 0u64..100_000_000,
        ) {
            for n in [n, small, n % 1000, u64::MAX] {
                let mut out = before.clone();
                append_decimal(&mut out, n);
                let want = n.to_string();
                proptest::prop_assert_eq!(&out[before.len()..], want.as_bytes());
                proptest::prop_assert_eq!(&out[..before.len()], &before[..]);
            }
            let mut out = before.clone();
            append_digits(&mut out, small, 8);
            let want = format!("{small:08}");
            proptest::prop_assert_eq!(&out[before.len()..], want.as_bytes());
        }
    }
}
