//! The network flags of `stampede run` (allowlist, rate rail, TLS, HTTP version,
//! `--connect-to`) and their resolution into a [`NetConfig`], checked against the run's
//! targets before the runtime starts: no DNS lookup or connection happens for a target
//! the policy refuses.

use std::path::PathBuf;

use clap::Args;

use crate::net::{
    ConnectTo, HostPattern, HttpVersion, NetConfig, Policy, TlsSettings, policy::ALLOW_HOSTS_ENV,
};
use crate::scenario::Scenario;
use crate::units::Rate;

#[derive(Debug, Clone, Default, Args)]
pub struct NetArgs {
    /// Allow load to HOST besides loopback: a name, an IP address or `*.suffix`; repeatable.
    /// Also read from STAMPEDE_ALLOW_HOSTS (comma separated). Scenario and profile files
    /// cannot allow hosts.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_host: Vec<HostPattern>,
    /// Refuse to start a plan whose expected peak request rate exceeds RATE (e.g. 200/s):
    /// a rail for shared staging.
    #[arg(long, value_name = "RATE")]
    pub max_rate: Option<Rate>,
    /// Trust the CA certificates in FILE (PEM) besides the system's; repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,
    /// Client certificate (PEM) for servers that require one (mutual TLS); with --client-key.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Do not verify the target's certificate (recorded in the report).
    #[arg(long)]
    pub insecure: bool,
    /// Speak HTTP/2 only: prior knowledge (h2c) on http://, h2 over TLS.
    #[arg(long, conflicts_with = "http1")]
    pub http2: bool,
    /// Speak HTTP/1.1 only, also over TLS (where ALPN would otherwise choose h2).
    #[arg(long)]
    pub http1: bool,
    /// Send HOST:PORT's traffic to ADDR:PORT (an IP address) instead of where DNS would;
    /// Host header and TLS server name unchanged. Repeatable.
    #[arg(long = "connect-to", value_name = "HOST:PORT:ADDR:PORT")]
    pub connect_to: Vec<ConnectTo>,
}

impl NetArgs {
    /// The validated configuration: the allowlist from the flags and the environment,
    /// certificate files read and checked.
    pub fn resolve(&self) -> anyhow::Result<NetConfig> {
        let env = std::env::var(ALLOW_HOSTS_ENV).ok();
        let mut policy = Policy::new(&self.allow_host, env.as_deref())?;
        policy.max_rate_per_s = match self.max_rate.map(Rate::as_per_s) {
            Some(r) if r <= 0.0 => anyhow::bail!("--max-rate must be above 0/s"),
            other => other,
        };
        let tls = TlsSettings::load(
            &self.ca_cert,
            self.client_cert.as_deref(),
            self.client_key.as_deref(),
            self.insecure,
        )?;
        let version = match (self.http1, self.http2) {
            (true, _) => HttpVersion::Http1,
            (_, true) => HttpVersion::Http2,
            _ => HttpVersion::Auto,
        };
        Ok(NetConfig { policy, connect_to: self.connect_to.clone(), tls, version })
    }

    /// The flags as given, for child processes (the environment passes on by itself).
    pub fn to_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        let mut pass = |name: &str, value: String| flags.extend([format!("--{name}"), value]);
        for host in Policy::new(&self.allow_host, None).map(|p| p.allowed()).unwrap_or_default() {
            pass("allow-host", host);
        }
        if let Some(rate) = self.max_rate {
            pass("max-rate", rate.to_string());
        }
        for path in &self.ca_cert {
            pass("ca-cert", path.display().to_string());
        }
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            pass("client-cert", cert.display().to_string());
            pass("client-key", key.display().to_string());
        }
        for entry in &self.connect_to {
            let host =
                if entry.host.contains(':') { format!("[{}]", entry.host) } else { entry.host.clone() };
            pass("connect-to", format!("{host}:{}:{}", entry.port, entry.to));
        }
        for (on, flag) in [(self.insecure, "--insecure"), (self.http2, "--http2"), (self.http1, "--http1")] {
            if on {
                flags.push(flag.to_string());
            }
        }
        flags
    }
}

/// The whole plan's expected peak request rate (per second, on the replay clock) and
/// request total: what the targets together will receive.
pub fn plan_load(scenario: &Scenario) -> (f64, f64) {
    let (_, peak_arrivals_per_s) = scenario.curve.peak_rate_per_s();
    let expectations = crate::plan::expect::expect(scenario, peak_arrivals_per_s);
    let peak = expectations.actions.values().map(|a| a.peak_per_s).sum();
    let total = expectations.actions.values().map(|a| a.requests).sum();
    (peak, total)
}

/// Checks every target URL against the policy and the plan against `--max-rate`.
pub fn check<'a>(
    net: &NetConfig,
    urls: impl IntoIterator<Item = &'a str>,
    scenario: &Scenario,
) -> Result<(), crate::net::PolicyError> {
    for url in urls {
        net.policy.check(url, &net.connect_to)?;
    }
    net.policy.check_rate(plan_load(scenario).0)
}
