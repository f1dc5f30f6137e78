//! The flags of `stampede serve` (raw, as clap parses them) and the validated [`Config`]
//! the server runs with. Tests build a `Config` directly.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use super::access_log::AccessLogFormat;
use super::fault::{ErrorRate, Faults, Latency, Scope, Stall, parse_error_rate_flag, parse_latency_flag};

/// Flags of `stampede serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. The first line on stdout is
    /// `listening on http://ADDR` (https:// with TLS).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory for the SQLite database and media files, kept across restarts.
    /// A temporary directory, deleted on exit, when omitted.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Argon2id cost of password hashing: low (1 MiB, t=1), default (OWASP: 19 MiB,
    /// t=2) or high (64 MiB, t=3).
    #[arg(long, value_enum, default_value_t = HashCost::Default)]
    pub hash_cost: HashCost,

    /// Added latency on a route: ROUTE=DIST with ROUTE a route name or `all` and DIST
    /// fixed:20ms, uniform:10ms..50ms, exp:50ms (mean) or lognormal:40ms,0.5. Repeatable.
    #[arg(long, value_name = "ROUTE=DIST", value_parser = parse_latency_flag)]
    pub fault_latency: Vec<(Scope, Latency)>,

    /// Probability of answering 503, for all routes or ROUTE=P. Repeatable.
    #[arg(long, value_name = "[ROUTE=]P", value_parser = parse_error_rate_flag)]
    pub fault_error_rate: Vec<(Scope, ErrorRate)>,

    /// Stall window START+DURATION after server start (e.g. 3s+2s): requests arriving in
    /// it hang until it ends. Repeatable.
    #[arg(long, value_name = "START+DURATION")]
    pub fault_stall: Vec<Stall>,

    /// Capacity of a route (or `all`): ROUTE=RATE[,QUEUE], e.g. signup=200/s. Beyond the
    /// rate requests queue for at most QUEUE (default 100ms), then get 503. Repeatable.
    #[arg(long, value_name = "ROUTE=RATE[,QUEUE]", value_parser = super::fault::capacity::parse_capacity_flag)]
    pub fault_capacity: Vec<(Scope, super::fault::capacity::Capacity)>,

    /// Token enabling `GET/PUT /admin/faults` (send as `Authorization: Bearer TOKEN`).
    /// Without one the admin endpoint answers 404.
    #[arg(long, env = "STAMPEDE_ADMIN_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub admin_token: Option<Secret>,

    /// Read-only SQLite connections serving concurrent reads.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub readers: usize,

    #[command(flatten)]
    pub tls: super::tls::TlsArgs,

    /// Append one line per request to FILE (for `stampede import access-log`).
    #[arg(long, value_name = "FILE")]
    pub access_log: Option<PathBuf>,

    /// Line format of --access-log.
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    pub access_log_format: AccessLogFormat,
}

/// Argon2id cost presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HashCost {
    Low,
    Default,
    High,
}

impl HashCost {
    /// (memory KiB, iterations, parallelism).
    pub fn params(self) -> (u32, u32, u32) {
        match self {
            HashCost::Low => (1_024, 1, 1),
            // OWASP's recommended minimum for argon2id.
            HashCost::Default => (19_456, 2, 1),
            HashCost::High => (65_536, 3, 1),
        }
    }
}

/// A string kept out of `Debug` output, for tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl FromStr for Secret {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err("the admin token must not be empty".into());
        }
        Ok(Secret(text.to_string()))
    }
}

/// Everything the server needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Holds `stampede.sqlite3` and `media/`; must exist.
    pub data_dir: PathBuf,
    pub hash_cost: HashCost,
    /// Faults in force at start; the admin endpoint can replace them.
    pub faults: Faults,
    pub admin_token: Option<Secret>,
    pub readers: usize,
    /// Password hashes computed at once; more queue. Defaults to the CPU count.
    pub parallel_hashes: usize,
    /// Where and how to log requests; `None` logs nothing.
    pub access_log: Option<(PathBuf, AccessLogFormat)>,
}

impl Config {
    /// Defaults for a data directory: default hash cost, no faults, no admin endpoint.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            hash_cost: HashCost::Default,
            faults: Faults::default(),
            admin_token: None,
            readers: 4,
            parallel_hashes: std::thread::available_parallelism().map_or(2, |n| n.get()),
            access_log: None,
        }
    }

    /// The config for `args`, with the data directory already chosen.
    pub fn from_args(args: &ServeArgs, data_dir: PathBuf) -> Self {
        let mut faults = Faults::default();
        faults.latency.extend(args.fault_latency.iter().copied());
        faults.error_rate.extend(args.fault_error_rate.iter().copied());
        faults.stalls.extend(args.fault_stall.iter().copied());
        faults.capacity.extend(args.fault_capacity.iter().copied());
        Self {
            hash_cost: args.hash_cost,
            faults,
            admin_token: args.admin_token.clone(),
            readers: args.readers.max(1),
            access_log: args.access_log.clone().map(|path| (path, args.access_log_format)),
            ..Self::new(data_dir)
        }
    }
}
