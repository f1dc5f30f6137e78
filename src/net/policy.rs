//! Which targets stampede may send load to, decided on the resolved configuration before
//! any DNS lookup or connection.
//!
//! Loopback is always allowed. Any other host only when the operator allowlisted it on
//! the command line (`--allow-host`, repeatable) or in the environment
//! (`STAMPEDE_ALLOW_HOSTS`) — never from a scenario or profile file, so a scenario from a
//! pull request cannot authorise its own target. The host judged is where packets go: the
//! URL's host, or the address a `--connect-to` entry maps it to (no lookup of the name
//! happens then). `--max-rate` is a second rail for shared staging: a plan whose expected
//! peak request rate exceeds it does not start.

use std::net::IpAddr;
use std::str::FromStr;

use super::connect_to::ConnectTo;

/// The environment variable holding allowlisted hosts (comma or space separated).
pub const ALLOW_HOSTS_ENV: &str = "STAMPEDE_ALLOW_HOSTS";

/// One allowlist entry: an exact host (name or IP address) or every name under a suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// `staging.example.com`, `198.18.0.2`, `::1`.
    Exact(String),
    /// `*.example.com`, stored as `.example.com`: any name ending with it (not the bare
    /// `example.com`, as with TLS wildcards).
    Suffix(String),
}

impl HostPattern {
    fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(exact) => exact == host,
            Self::Suffix(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
        }
    }
}

impl FromStr for HostPattern {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Self, PolicyError> {
        let bad = |why: &str| PolicyError::BadPattern { text: text.to_string(), why: why.to_string() };
        let host = text.trim().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if host.is_empty() {
            return Err(bad("expected a host name, an IP address or *.suffix"));
        }
        if host.parse::<IpAddr>().is_ok() {
            return Ok(Self::Exact(normal_host(&host)));
        }
        let (suffix, name) = match host.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, host.as_str()),
        };
        if name.contains('*') {
            return Err(bad("`*` may only start the pattern, as in *.example.com"));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if name.len() > 253 || !name.split('.').all(label_ok) {
            return Err(bad(
                "expected a host name without scheme, port or path, such as staging.example.com",
            ));
        }
        Ok(if suffix { Self::Suffix(format!(".{name}")) } else { Self::Exact(name.to_string()) })
    }
}

/// An IP address in one spelling (`::1`, not `0::1`), so entries and URLs compare equal.
fn normal_host(host: &str) -> String {
    host.parse::<IpAddr>().map_or_else(|_| host.to_string(), |ip| ip.to_string())
}

/// Why a target may not be replayed against.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("allowed host `{text}`: {why}")]
    BadPattern { text: String, why: String },
    #[error("target `{url}`: {why}")]
    BadUrl { url: String, why: String },
    #[error(
        "refusing to send load to {url}: {host} is not loopback and not allowlisted \
         (pass --allow-host {host}, or set {ALLOW_HOSTS_ENV}; scenario and profile files cannot allow hosts)"
    )]
    NotAllowed { url: String, host: String },
    #[error(
        "the plan's expected peak request rate is {peak_per_s:.1}/s, above --max-rate {max_per_s}/s: \
         lower --sample or --compress, or raise --max-rate"
    )]
    TooFast { peak_per_s: f64, max_per_s: f64 },
}

/// Where a checked target's traffic goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// The URL's host (what Host and SNI carry).
    pub host: String,
    /// The URL's port, or its scheme's default.
    pub port: u16,
    /// The address `--connect-to` sends it to instead of a DNS lookup.
    pub mapped: Option<std::net::SocketAddr>,
    /// Whether every packet stays on this machine.
    pub loopback: bool,
}

/// The allowlist and rate rail of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    allowed: Vec<HostPattern>,
    /// `--max-rate`, requests per second.
    pub max_rate_per_s: Option<f64>,
}

impl Policy {
    /// The allowlist from the flags plus the environment variable's value (comma or space
    /// separated entries).
    pub fn new(flags: &[HostPattern], env: Option<&str>) -> Result<Self, PolicyError> {
        let mut allowed = flags.to_vec();
        for entry in env.unwrap_or_default().split([',', ' ', '\n', '\t']).filter(|e| !e.trim().is_empty()) {
            allowed.push(entry.parse().map_err(|e| match e {
                PolicyError::BadPattern { text, why } => {
                    PolicyError::BadPattern { text: format!("{text}` in {ALLOW_HOSTS_ENV} `"), why }
                }
                other => other,
            })?);
        }
        Ok(Self { allowed, max_rate_per_s: None })
    }

    /// The allowlist as given, for passing on to child processes.
    pub fn allowed(&self) -> Vec<String> {
        self.allowed
            .iter()
            .map(|p| match p {
                HostPattern::Exact(host) => host.clone(),
                HostPattern::Suffix(suffix) => format!("*{suffix}"),
            })
            .collect()
    }

    fn allows(&self, host: &str) -> bool {
        self.allowed.iter().any(|p| p.matches(host))
    }

    /// Checks that `url` may receive load: loopback, or allowlisted where its traffic goes.
    pub fn check(&self, url: &str, connect_to: &[ConnectTo]) -> Result<Destination, PolicyError> {
        let bad = |why: &str| PolicyError::BadUrl { url: url.to_string(), why: why.to_string() };
        let parsed = url::Url::parse(url).map_err(|e| bad(&format!("{e} (expected http://HOST:PORT)")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad("expected an http:// or https:// URL"));
        }
        let port = parsed.port_or_known_default().ok_or_else(|| bad("no port"))?;
        let host = match parsed.host() {
            Some(url::Host::Domain(name)) => name.to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(bad("no host")),
        };
        let mapped = super::connect_to::lookup(connect_to, &host, port);
        // Judge where packets go: the mapped address, else the URL's host.
        let (judged, loopback) = match mapped {
            Some(addr) => (addr.ip().to_string(), addr.ip().is_loopback()),
            None => (host.clone(), is_loopback_host(&host)),
        };
        if !loopback && !self.allows(&judged) {
            return Err(PolicyError::NotAllowed { url: url.to_string(), host: judged });
        }
        Ok(Destination { host, port, mapped, loopback })
    }

    /// Checks the plan's expected peak request rate against `--max-rate`.
    pub fn check_rate(&self, peak_per_s: f64) -> Result<(), PolicyError> {
        match self.max_rate_per_s {
            Some(max_per_s) if peak_per_s > max_per_s => Err(PolicyError::TooFast { peak_per_s, max_per_s }),
            _ => Ok(()),
        }
    }
}

/// Whether `host` (a name or an address, lowercase) is this machine's loopback. Only the
/// name `localhost` counts among names: anything else would need a lookup to judge.
fn is_loopback_host(host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost",
    }
}

/// Whether `url`'s host is a loopback address (or `localhost`).
pub fn is_loopback(url: &str) -> bool {
    Policy::default().check(url, &[]).is_ok_and(|d| d.loopback)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> Policy {
        let flags: Vec<HostPattern> = entries.iter().map(|e| e.parse().expect("valid pattern")).collect();
        Policy::new(&flags, None).expect("policy")
    }

    #[test]
    fn loopback_is_always_allowed_and_nothing_else_by_default() {
        let none = Policy::default();
        for url in ["http://127.0.0.1:8080", "http://127.1.2.3/", "http://[::1]:80", "https://LocalHost:3000"]
        {
            assert!(none.check(url, &[]).is_ok_and(|d| d.loopback), "{url}");
        }
        for url in
            ["http://10.0.0.1", "http://192.168.1.1:80", "http://example.com", "http://localhost.evil.com"]
        {
            match none.check(url, &[]) {
                Err(PolicyError::NotAllowed { host, .. }) => assert!(url.contains(&host), "{url}: {host}"),
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(matches!(none.check("not a url", &[]), Err(PolicyError::BadUrl { .. })));
        assert!(matches!(none.check("ftp://127.0.0.1/", &[]), Err(PolicyError::BadUrl { .. })));
    }

    #[test]
    fn exact_and_suffix_entries_match_as_written() {
        let p = policy(&["staging.example.com", "*.internal.test", "198.18.0.2", "[2001:db8::1]"]);
        for url in [
            "https://staging.example.com",
            "https://STAGING.example.com:8443/x",
            "http://a.internal.test",
            "http://b.a.internal.test:81",
            "http://198.18.0.2:8080",
            "http://[2001:db8:0::1]:80",
        ] {
            assert!(p.check(url, &[]).is_ok_and(|d| !d.loopback), "{url}");
        }
        for url in
            ["https://example.com", "http://internal.test", "http://xinternal.test", "http://198.18.0.3"]
        {
            assert!(p.check(url, &[]).is_err(), "{url}");
        }
    }

    #[test]
    fn the_environment_adds_entries_and_bad_ones_are_named() {
        let p = Policy::new(&[], Some("a.test, *.b.test  c.test")).expect("valid");
        assert_eq!(p.allowed(), ["a.test", "*.b.test", "c.test"]);
        assert!(Policy::new(&[], Some("a.test,http://x")).is_err());
        for bad in ["", "*", "*.", "a.*.b", "http://a.test", "a.test:80", "a.test/x", "a..b"] {
            assert!(bad.parse::<HostPattern>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_mapped_by_connect_to_is_judged_by_its_address() {
        let to_loopback: ConnectTo = "api.made-up.test:443:127.0.0.1:8443".parse().expect("valid");
        let p = Policy::default();
        let d = p.check("https://api.made-up.test", &[to_loopback]).expect("loopback address");
        assert!(d.loopback);
        assert_eq!(d.host, "api.made-up.test");
        let elsewhere: ConnectTo = "api.made-up.test:443:198.18.0.2:443".parse().expect("valid");
        let refused =
            policy(&["api.made-up.test"]).check("https://api.made-up.test", std::slice::from_ref(&elsewhere));
        assert!(matches!(refused, Err(PolicyError::NotAllowed { host, .. }) if host == "198.18.0.2"));
        assert!(policy(&["198.18.0.2"]).check("https://api.made-up.test", &[elsewhere]).is_ok());
    }

    #[test]
    fn the_rate_rail_refuses_only_above_it() {
        let mut p = Policy::default();
        assert!(p.check_rate(1e9).is_ok());
        p.max_rate_per_s = Some(100.0);
        assert!(p.check_rate(100.0).is_ok());
        assert!(matches!(p.check_rate(100.5), Err(PolicyError::TooFast { .. })));
    }
}
