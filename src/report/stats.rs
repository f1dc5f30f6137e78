//! The summaries every part of a report shares: a latency histogram's percentiles and the
//! failed requests by class. Apart from the model so that the report's sections and its
//! validity judgement use them without a circle through the model.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Summary of a latency histogram, µs. Percentiles are HdrHistogram's (3 significant
/// digits); all zero when `count` is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyStats {
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

/// Failed requests by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorsReport {
    /// Connection could not be established.
    pub connect: u64,
    /// TLS handshake failed (certificate untrusted or unsuitable, client certificate
    /// refused or missing); absent from reports before it existed.
    #[serde(default)]
    pub tls: u64,
    /// Request exceeded its timeout.
    pub timeout: u64,
    /// Connection reset or closed mid-request.
    pub reset: u64,
    /// Target answered 4xx.
    pub status_4xx: u64,
    /// Target answered 5xx.
    pub status_5xx: u64,
    /// Response unreadable or lacking what the journey needed.
    pub bad_body: u64,
    /// Response body larger than `--max-body` (absent from reports before it existed).
    #[serde(default)]
    pub body_too_large: u64,
    /// Anything else.
    pub other: u64,
}

impl ErrorsReport {
    /// `(class name, count)` for every class, in a fixed order (for tables and charts).
    pub fn by_class(&self) -> [(&'static str, u64); 9] {
        [
            ("connect", self.connect),
            ("tls", self.tls),
            ("timeout", self.timeout),
            ("reset", self.reset),
            ("4xx", self.status_4xx),
            ("5xx", self.status_5xx),
            ("bad body", self.bad_body),
            ("body too large", self.body_too_large),
            ("other", self.other),
        ]
    }

    /// Errors of every class.
    pub fn total(&self) -> u64 {
        self.by_class().iter().map(|(_, n)| n).sum()
    }

    /// Whether no error of any class was counted.
    pub fn is_zero(&self) -> bool {
        self.total() == 0
    }
}
