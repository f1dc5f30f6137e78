//! HdrHistogram helpers: one configuration for every latency in stampede, saturating
//! records, summary statistics, and the V2 deflate encoding (raw and base64) that interval
//! series, `report.json` and `.hlog` files share.
//!
//! Every value is in microseconds: 1 µs resolution is far below network jitter, and one hour
//! is far above any timeout, so `[1 µs, 1 h]` at 3 significant digits (0.1 % error) covers
//! every request without auto-resizing.

use std::cell::RefCell;
use std::io::Cursor;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::{Compress, Compression, FlushCompress, Status};
use hdrhistogram::serialization::{
    DeserializeError, Deserializer, Serializer, V2DeflateSerializeError, V2Serializer,
};
use hdrhistogram::{CreationError, Histogram};

/// Smallest distinguishable value, µs.
pub const LOWEST_US: u64 = 1;
/// Largest trackable value, µs (one hour); larger values are recorded as this.
pub const HIGHEST_US: u64 = 3_600_000_000;
/// Significant decimal digits kept (relative error ≤ 0.1 %).
pub const SIGFIG: u8 = 3;

/// Why a histogram could not be created, encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum HistogramError {
    #[error("cannot create histogram: {0:?}")]
    Create(CreationError),
    #[error("cannot encode histogram: {0}")]
    Encode(#[from] V2DeflateSerializeError),
    #[error("cannot decode histogram: {0}")]
    Decode(#[from] DeserializeError),
    #[error("histogram is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
}

/// An empty histogram with stampede's bounds.
pub fn new() -> Result<Histogram<u64>, HistogramError> {
    Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGFIG).map_err(HistogramError::Create)
}

/// An empty histogram with stampede's precision that grows to the largest value recorded
/// (never past [`HIGHEST_US`], as [`record_saturating`] clamps): one sized for an hour holds
/// ~23,500 counters (~184 KiB) where a tag whose values stay under 10 s needs ~15,000 and one
/// under 10 ms ~6,000. The run's recorders hold one per tag and interval, so this is most of
/// the metrics' memory.
pub fn new_growing() -> Result<Histogram<u64>, HistogramError> {
    let mut histogram =
        Histogram::new_with_bounds(LOWEST_US, 2 * LOWEST_US, SIGFIG).map_err(HistogramError::Create)?;
    histogram.auto(true);
    Ok(histogram)
}

/// Records `value_us`, clamped to [`HIGHEST_US`]: a request slower than an hour is still a
/// (very slow) request, never a panic or a lost sample. A growing histogram grows to hold
/// it (hdrhistogram's own saturating record would clamp it to the current top instead).
pub fn record_saturating(histogram: &mut Histogram<u64>, value_us: u64) {
    let value_us = value_us.min(HIGHEST_US);
    if histogram.record(value_us).is_err() {
        histogram.saturating_record(value_us);
    }
}

/// A histogram allocated on first record.
///
/// A histogram sized for an hour holds ~23 k counters (~184 KiB), so tags that never see
/// traffic (most actions in most journeys) should not pay for one, and the one made grows
/// only as wide as its values ([`new_growing`]). Allocation happens on the first record and
/// when a value exceeds the width so far (a few times per tag), never per record.
#[derive(Debug, Clone, Default)]
pub struct LazyHistogram(Option<Histogram<u64>>);

impl LazyHistogram {
    /// Records one value; allocates the histogram the first time.
    pub fn record(&mut self, value_us: u64) {
        if self.0.is_none() {
            // Creation only fails on invalid constant bounds (checked by a test); the
            // value is then dropped rather than panicking on the executor's hot path.
            self.0 = new_growing().ok();
        }
        if let Some(histogram) = &mut self.0 {
            record_saturating(histogram, value_us);
        }
    }

    /// The histogram, when anything was recorded since creation.
    pub fn get(&self) -> Option<&Histogram<u64>> {
        self.0.as_ref()
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.0.as_ref().map_or(0, Histogram::len)
    }

    /// Zeroes the counters, keeping the allocation for the next interval.
    pub fn reset(&mut self) {
        if let Some(histogram) = &mut self.0 {
            histogram.reset();
        }
    }
}

/// Summary statistics of a histogram, µs (zero when empty).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    pub mean_us: f64,
}

impl Stats {
    /// Statistics of `histogram`; `None` (nothing recorded) gives all zeros.
    pub fn of(histogram: Option<&Histogram<u64>>) -> Stats {
        let Some(h) = histogram.filter(|h| !h.is_empty()) else {
            return Stats::default();
        };
        // `highest_equivalent` reports the top of the bucket, as HdrHistogram's own
        // percentile output does, so p100 equals `max`.
        Stats {
            count: h.len(),
            p50_us: h.value_at_quantile(0.50),
            p90_us: h.value_at_quantile(0.90),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
            mean_us: h.mean(),
        }
    }
}

/// First four bytes of a V2 deflate encoding (HdrHistogram's `V2CompressedEncodingCookieBase`
/// with the word size 8 in bits 4–7), as hdrhistogram's `V2DeflateSerializer` writes them.
const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9314;
/// Where a V2 header holds the highest trackable value (big-endian u64), after the cookie,
/// payload length, normalizing offset, significant digits and lowest value.
const HIGHEST_FIELD: std::ops::Range<usize> = 24..32;

thread_local! {
    /// One zlib compressor per thread, reset between histograms: a new one allocates and
    /// clears ~300 KB, which cost half of each encoding (callgrind, 2026-11-30: ~390,000 of
    /// ~770,000 instructions per interval histogram with `V2DeflateSerializer`).
    static DEFLATE: RefCell<Option<Compress>> = const { RefCell::new(None) };
}

/// V2 deflate encoding of `histogram` (the format of `.hlog` files, before base64): the
/// bytes hdrhistogram's `V2DeflateSerializer` writes, with a compressor reused per thread.
pub fn encode(histogram: &Histogram<u64>) -> Result<Vec<u8>, HistogramError> {
    let mut raw = Vec::new();
    V2Serializer::new()
        .serialize(histogram, &mut raw)
        .map_err(V2DeflateSerializeError::InternalSerializationError)?;
    // The header names the histogram's top; a growing one's depends on its largest value so
    // far (and on an interval's reuse of a wider one), which must not change a report's
    // bytes: every histogram is written as the one-hour histogram of the same counts (the
    // counts' positions depend only on the lowest value and the precision).
    // (One wider than an hour, grown to hold the clamped top value, holds nothing above it.)
    if histogram.high() != HIGHEST_US
        && histogram.lowest_equivalent(histogram.max()) <= HIGHEST_US
        && raw.len() >= HIGHEST_FIELD.end
    {
        raw[HIGHEST_FIELD].copy_from_slice(&HIGHEST_US.to_be_bytes());
    }
    let mut bytes = Vec::with_capacity(8 + raw.len() / 2 + 64);
    bytes.extend_from_slice(&V2_COMPRESSED_COOKIE.to_be_bytes());
    bytes.extend_from_slice(&[0; 4]);
    DEFLATE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let deflate = cell.get_or_insert_with(|| Compress::new(Compression::default(), true));
        deflate.reset();
        loop {
            if bytes.len() == bytes.capacity() {
                bytes.reserve(bytes.len().max(256));
            }
            let consumed = usize::try_from(deflate.total_in()).unwrap_or(raw.len()).min(raw.len());
            let status = deflate.compress_vec(&raw[consumed..], &mut bytes, FlushCompress::Finish);
            match status.map_err(|e| V2DeflateSerializeError::IoError(std::io::Error::other(e)))? {
                Status::StreamEnd => return Ok::<_, HistogramError>(()),
                Status::Ok | Status::BufError => {}
            }
        }
    })?;
    // The length after the 8-byte header; far below u32::MAX (a whole histogram is ~50 KB raw).
    let length = u32::try_from(bytes.len() - 8).unwrap_or(u32::MAX);
    bytes[4..8].copy_from_slice(&length.to_be_bytes());
    Ok(bytes)
}

/// Decodes bytes produced by [`encode`] (or any V2 / V2 deflate encoder). The result grows
/// when more is added to it: an encoded histogram is only as wide as its largest value
/// ([`new_growing`]), so a sum that starts from one must widen for the next.
pub fn decode(bytes: &[u8]) -> Result<Histogram<u64>, HistogramError> {
    let mut histogram: Histogram<u64> = Deserializer::new().deserialize(&mut Cursor::new(bytes))?;
    histogram.auto(true);
    Ok(histogram)
}

/// [`encode`] then base64 (standard alphabet, padded), as `.hlog` lines and `report.json` hold it.
pub fn encode_base64(histogram: &Histogram<u64>) -> Result<String, HistogramError> {
    Ok(BASE64.encode(encode(histogram)?))
}

/// Base64 of bytes already encoded with [`encode`].
pub fn bytes_to_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Inverse of [`bytes_to_base64`].
pub fn base64_to_bytes(text: &str) -> Result<Vec<u8>, HistogramError> {
    Ok(BASE64.decode(text)?)
}

/// Inverse of [`encode_base64`].
pub fn decode_base64(text: &str) -> Result<Histogram<u64>, HistogramError> {
    decode(&BASE64.decode(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to_thousand() -> Histogram<u64> {
        let mut h = new().expect("valid bounds");
        for v in 1..=1000 {
            record_saturating(&mut h, v);
        }
        h
    }

    #[test]
    fn encoding_with_the_reused_compressor_is_hdrhistograms_own() {
        use hdrhistogram::serialization::V2DeflateSerializer;
        let mut wide = new().expect("valid bounds");
        for v in [3, 70, 900, 12_000, 450_000, 9_000_000, HIGHEST_US] {
            record_saturating(&mut wide, v);
        }
        // Several in a row on one thread: each must come out as from a fresh compressor.
        for h in [one_to_thousand(), wide, new().expect("valid bounds"), one_to_thousand()] {
            let mut own = Vec::new();
            V2DeflateSerializer::new().serialize(&h, &mut own).expect("encodes");
            let ours = encode(&h).expect("encodes");
            assert_eq!(ours, own);
            assert_eq!(decode(&ours).expect("decodes"), h);
        }
    }

    #[test]
    fn constant_bounds_are_valid() {
        let h = new().expect("valid bounds");
        assert_eq!(h.high(), HIGHEST_US);
        assert!(!h.is_auto_resize());
    }

    #[test]
    fn stats_of_uniform_values_are_exact_within_precision() {
        let s = Stats::of(Some(&one_to_thousand()));
        // Below 2048 the histogram has unit buckets, so these are exact.
        assert_eq!(s.count, 1000);
        assert_eq!(s.p50_us, 500);
        assert_eq!(s.p90_us, 900);
        assert_eq!(s.p99_us, 990);
        assert_eq!(s.p999_us, 999);
        assert_eq!(s.max_us, 1000);
        assert!((s.mean_us - 500.5).abs() < 1e-9);
    }

    #[test]
    fn empty_or_missing_histogram_has_zero_stats() {
        assert_eq!(Stats::of(None), Stats::default());
        assert_eq!(Stats::of(Some(&new().expect("valid bounds"))), Stats::default());
    }

    #[test]
    fn values_above_the_maximum_saturate() {
        let mut h = new().expect("valid bounds");
        record_saturating(&mut h, u64::MAX);
        record_saturating(&mut h, HIGHEST_US * 10);
        assert_eq!(h.len(), 2);
        assert!(h.equivalent(h.max(), HIGHEST_US));
    }

    #[test]
    fn base64_round_trip_keeps_counts_and_percentiles() {
        let h = one_to_thousand();
        let text = encode_base64(&h).expect("encodes");
        let back = decode_base64(&text).expect("decodes");
        assert_eq!(Stats::of(Some(&back)), Stats::of(Some(&h)));
        assert_eq!(bytes_to_base64(&encode(&h).expect("encodes")), text);
    }

    #[test]
    fn lazy_histogram_allocates_on_first_record_and_resets() {
        let mut lazy = LazyHistogram::default();
        assert!(lazy.get().is_none());
        lazy.record(42);
        lazy.record(43);
        assert_eq!(lazy.count(), 2);
        lazy.reset();
        assert_eq!(lazy.count(), 0);
        assert!(lazy.get().is_some());
    }

    #[test]
    fn a_growing_histogram_is_small_until_values_need_more_and_keeps_every_value() {
        let mut growing = new_growing().expect("valid bounds");
        let mut fixed = new().expect("valid bounds");
        for v in [3, 70, 900, 12_000] {
            record_saturating(&mut growing, v);
            record_saturating(&mut fixed, v);
        }
        assert!(growing.distinct_values() < fixed.distinct_values() / 2);
        for v in [450_000, 9_000_000, HIGHEST_US, u64::MAX] {
            record_saturating(&mut growing, v);
            record_saturating(&mut fixed, v);
        }
        assert_eq!(growing.len(), fixed.len());
        assert_eq!(Stats::of(Some(&growing)), Stats::of(Some(&fixed)));
        assert_eq!(encode(&growing).expect("encodes"), encode(&fixed).expect("encodes"));
        assert!(growing.equivalent(growing.max(), HIGHEST_US));
    }

    #[test]
    fn a_growing_histogram_is_written_as_the_fixed_one_with_the_same_counts() {
        let (mut growing, mut fixed) = (new_growing().expect("bounds"), new().expect("bounds"));
        for v in [1, 2, 5_000, 77_777] {
            record_saturating(&mut growing, v);
            record_saturating(&mut fixed, v);
        }
        assert!(growing.high() < HIGHEST_US);
        let bytes = encode(&growing).expect("encodes");
        assert_eq!(bytes, encode(&fixed).expect("encodes"));
        assert_eq!(decode(&bytes).expect("decodes"), fixed);
    }

    #[test]
    fn a_decoded_narrow_histogram_widens_when_a_wider_one_is_added() {
        let mut narrow = new_growing().expect("valid bounds");
        record_saturating(&mut narrow, 500);
        let mut wide = new_growing().expect("valid bounds");
        record_saturating(&mut wide, 30_000_000);
        let mut sum = decode(&encode(&narrow).expect("encodes")).expect("decodes");
        sum.add(decode(&encode(&wide).expect("encodes")).expect("decodes")).expect("widens");
        assert_eq!(sum.len(), 2);
        assert!(sum.equivalent(sum.max(), 30_000_000));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode_base64("not base64!").is_err());
        assert!(decode(b"\x1c\x84\x93\x14garbage").is_err());
    }
}
