//! `--connect-to HOST:PORT:ADDR:PORT`, as curl and oha have it: requests for `HOST:PORT`
//! go to `ADDR:PORT` instead of where DNS would send them, with the Host header and TLS
//! server name (SNI) unchanged — a staging name pointed at a test address, or a
//! certificate's name on a machine whose DNS does not know it.
//!
//! The address must be an IP address: a name would need the lookup this replaces. Entries
//! whose `HOST:PORT` is not the target's are ignored, like curl does, so one list can
//! serve the several targets of a run.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// One `--connect-to` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// The URL host it applies to, lowercase (an IPv6 address without brackets).
    pub host: String,
    pub port: u16,
    /// Where the connection goes instead.
    pub to: SocketAddr,
}

/// Why a `--connect-to` entry is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--connect-to `{text}`: {why} (expected HOST:PORT:ADDR:PORT with ADDR an IP address, e.g. api.test:443:127.0.0.1:8443)"
)]
pub struct ConnectToError {
    text: String,
    why: String,
}

impl FromStr for ConnectTo {
    type Err = ConnectToError;

    fn from_str(text: &str) -> Result<Self, ConnectToError> {
        let bad = |why: &str| ConnectToError { text: text.to_string(), why: why.to_string() };
        let (host, rest) = split_host(text).ok_or_else(|| bad("no HOST:"))?;
        let (port, rest) = rest.split_once(':').ok_or_else(|| bad("no PORT after HOST"))?;
        let (addr, to_port) = split_host(rest).ok_or_else(|| bad("no ADDR:PORT"))?;
        let port: u16 = port.parse().map_err(|_| bad("the first PORT is not a number from 1 to 65535"))?;
        let to_port: u16 =
            to_port.parse().map_err(|_| bad("the last PORT is not a number from 1 to 65535"))?;
        if port == 0 || to_port == 0 {
            return Err(bad("port 0"));
        }
        let ip: IpAddr = addr.parse().map_err(|_| bad(&format!("`{addr}` is not an IP address")))?;
        let host = host.to_ascii_lowercase();
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(bad("HOST is empty or not a host"));
        }
        let host = host.parse::<IpAddr>().map_or(host, |ip| ip.to_string());
        Ok(Self { host, port, to: SocketAddr::new(ip, to_port) })
    }
}

/// `host` and the rest after its `:`; a bracketed IPv6 host keeps its colons.
fn split_host(text: &str) -> Option<(&str, &str)> {
    match text.strip_prefix('[') {
        Some(inner) => {
            let (host, rest) = inner.split_once(']')?;
            Some((host, rest.strip_prefix(':')?))
        }
        None => text.split_once(':'),
    }
}

/// The address `host:port` is mapped to, if an entry maps it.
pub fn lookup(entries: &[ConnectTo], host: &str, port: u16) -> Option<SocketAddr> {
    entries.iter().find(|e| e.host == host && e.port == port).map(|e| e.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_like_curls() {
        let e: ConnectTo = "API.made-up.test:443:127.0.0.1:8443".parse().expect("valid");
        assert_eq!(
            e,
            ConnectTo {
                host: "api.made-up.test".into(),
                port: 443,
                to: "127.0.0.1:8443".parse().expect("addr")
            }
        );
        let v6: ConnectTo = "[2001:db8::1]:80:[::1]:8080".parse().expect("valid");
        assert_eq!(v6.host, "2001:db8::1");
        assert_eq!(v6.to, "[::1]:8080".parse().expect("addr"));
        assert_eq!(lookup(std::slice::from_ref(&e), "api.made-up.test", 443), Some(e.to));
        assert_eq!(lookup(&[e], "api.made-up.test", 80), None);
    }

    #[test]
    fn malformed_entries_say_what_is_expected() {
        for bad in [
            "",
            "a.test",
            "a.test:443",
            "a.test:443:127.0.0.1",
            "a.test:443:localhost:80",
            "a.test:0:127.0.0.1:80",
            "a.test:70000:127.0.0.1:80",
            "a.test:443:127.0.0.1:x",
            ":443:127.0.0.1:80",
        ] {
            let error = bad.parse::<ConnectTo>().expect_err(bad);
            assert!(error.to_string().contains("expected HOST:PORT:ADDR:PORT"), "{error}");
        }
    }
}
