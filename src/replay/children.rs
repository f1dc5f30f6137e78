//! Replays in child processes: runs that must not share a process (goose's killswitch and
//! Ctrl-C handling are global to one) are started as `stampede run` children on a common
//! `--start-at`. This module passes the user's Ctrl-C and `kill` on to them, so every child
//! still ends within its grace time and writes its report.

/// Passes SIGINT and SIGTERM on to the children `ids` until aborted. Installing the
/// handlers also keeps the parent alive through a Ctrl-C, so it can collect the reports.
/// (A terminal's Ctrl-C reaches the children anyway; a `kill` of the parent alone would
/// not.)
#[cfg(unix)]
pub async fn forward_signals(ids: Vec<u32>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        return;
    };
    loop {
        let name = tokio::select! {
            _ = interrupt.recv() => "-INT",
            _ = terminate.recv() => "-TERM",
        };
        for id in &ids {
            let _ = tokio::process::Command::new("kill").args([name, &id.to_string()]).status().await;
        }
    }
}

#[cfg(not(unix))]
pub async fn forward_signals(_ids: Vec<u32>) {
    let _ = tokio::signal::ctrl_c().await;
}

/// Waits for every child, passing signals on meanwhile; each one's exit status as text
/// (for the error that names a child without a report).
pub async fn wait_all(children: &mut [tokio::process::Child]) -> Vec<String> {
    let ids: Vec<u32> = children.iter().filter_map(tokio::process::Child::id).collect();
    let forward = tokio::spawn(forward_signals(ids));
    let mut statuses = Vec::with_capacity(children.len());
    for child in children.iter_mut() {
        statuses.push(match child.wait().await {
            Ok(status) => status.to_string(),
            Err(e) => format!("not waited for: {e}"),
        });
    }
    forward.abort();
    statuses
}
