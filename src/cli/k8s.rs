//! `stampede k8s`: prints a Kubernetes manifest that replays one scenario from N pods — an
//! Indexed Job whose pod `i` runs `stampede run --segment i/N` — and merges their run
//! directories on a shared volume into one report.
//!
//! Design choices, each for a reason:
//! - **Start barrier**: one wall-clock `--start-at` is computed here, once, and written into
//!   every pod's command, so all segments start their replay clocks at the same instant
//!   whatever the scheduling delays (pods that are not ready by then fail loudly).
//! - **Direct Service target**: each pod sends load to the target Service itself; naming
//!   the Service on this command line authorises it, so the manifest passes
//!   `--allow-host HOST` (stampede refuses any non-loopback host not allowlisted, and a
//!   scenario file cannot allowlist one).
//! - **Merge**: pod 0, after its own segment, waits (at most an hour) for every segment's
//!   run directory on the shared volume — its `intervals.hlog`, the last file a run writes,
//!   so no `report.json` is read half-written — and runs `stampede merge` (which names any
//!   missing segment); its exit code is the merged verdict (0 pass, 1 failed thresholds,
//!   2 error). Other pods exit 0 when their segment ran (a segment's own verdicts judge a
//!   partial load and are not the gate); a segment that fails (exit 2) leaves a
//!   `failed-<i>` marker so pod 0 stops waiting at once.

use std::path::PathBuf;

use clap::Args;

use super::exit;
use crate::units::Span;

#[derive(Debug, Args)]
pub struct K8sArgs {
    /// Scenario file, as a path inside the image (e.g. scenarios/threads-launch-2023-07.yaml).
    pub file: PathBuf,
    /// Segments (pods) N.
    #[arg(long, value_name = "N")]
    pub segments: u32,
    /// Container image holding the `stampede` binary and the scenario files.
    #[arg(long, value_name = "IMAGE")]
    pub image: String,
    /// The target Service as HOST:PORT (plain HTTP) or a URL (http:// or https://); the
    /// pods send load to it directly, allowlisted with `--allow-host HOST`.
    #[arg(long, value_name = "HOST:PORT|URL")]
    pub target: String,
    /// Name of the Job (and prefix of the other objects).
    #[arg(long, default_value = "stampede")]
    pub name: String,
    /// Time from now to the common start, long enough to schedule every pod and set up.
    #[arg(long, value_name = "D", default_value = "5m")]
    pub start_in: Span,
    /// Extra `stampede run` flags for every segment, e.g. "--sample 0.1 --compress 10".
    #[arg(long, value_name = "FLAGS", default_value = "", allow_hyphen_values = true)]
    pub run_flags: String,
    /// Size of the shared volume for the run directories.
    #[arg(long, value_name = "SIZE", default_value = "1Gi")]
    pub volume_size: String,
}

pub fn run(args: &K8sArgs) -> anyhow::Result<u8> {
    let start = time::OffsetDateTime::now_utc() + args.start_in.as_duration();
    let start = start.replace_nanosecond(0).unwrap_or(start);
    let start_at = start.format(&time::format_description::well_known::Rfc3339)?;
    match manifest(args, &start_at) {
        Ok(text) => {
            print!("{text}");
            Ok(exit::OK)
        }
        Err(why) => {
            eprintln!("error: {why}");
            Ok(exit::ERROR)
        }
    }
}

/// Characters safe inside the single-quoted shell script and a YAML plain scalar.
fn safe(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:= ".contains(c))
}

/// The manifest: a PersistentVolumeClaim for the run directories and the Indexed Job.
pub fn manifest(args: &K8sArgs, start_at: &str) -> Result<String, String> {
    let n = args.segments;
    if n == 0 {
        return Err("--segments must be at least 1".into());
    }
    let dns_label = |s: &str| {
        !s.is_empty()
            && s.len() <= 50
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !dns_label(&args.name) {
        return Err(format!("--name `{}`: expected lowercase letters, digits and -", args.name));
    }
    let file = args.file.display().to_string();
    for (flag, value) in [
        ("file", file.as_str()),
        ("--image", args.image.as_str()),
        ("--target", args.target.as_str()),
        ("--run-flags", args.run_flags.as_str()),
        ("--volume-size", args.volume_size.as_str()),
    ] {
        if !safe(value) {
            return Err(format!(
                "{flag} `{value}`: only letters, digits and - _ . / : = and spaces are allowed"
            ));
        }
    }
    let (url, host) = target_url(&args.target)?;
    let name = &args.name;
    // One directory per start, so a re-applied Job never merges a previous run's segments.
    // The segments' run id (their handles' prefix) is derived from the seed and the start.
    let stamp: String = start_at.chars().filter(char::is_ascii_alphanumeric).collect();
    let dir = format!("/runs/{name}/{stamp}");
    let script = format!(
        "stampede run {file} --target {url} --allow-host {host} --segment $JOB_COMPLETION_INDEX/{n} \
         --start-at {start_at} --out {dir}/segment-$JOB_COMPLETION_INDEX --quiet {flags}; \
         code=$?; \
         if [ $code -gt 1 ]; then mkdir -p {dir}; touch {dir}/failed-$JOB_COMPLETION_INDEX; exit $code; fi; \
         [ \"$JOB_COMPLETION_INDEX\" != 0 ] && exit 0; \
         for i in $(seq 1 720); do \
         [ \"$(ls {dir}/segment-*/intervals.hlog 2>/dev/null | wc -l)\" -ge {n} ] && break; \
         if ls {dir}/failed-* >/dev/null 2>&1; then echo segments failed: $(ls {dir}/failed-*); exit 2; fi; \
         sleep 5; done; \
         stampede merge {dir}/segment-* --out {dir}/merged",
        flags = args.run_flags.trim(),
    );
    Ok(format!(
        "# stampede k8s: {n} segments of {file}, common start {start_at}.\n\
         # Pod i runs `stampede run --segment i/{n}`; pod 0 then merges them into {dir}/merged.\n\
         # Every pod sends load to {url} directly (--allow-host {host}).\n\
         apiVersion: v1\n\
         kind: PersistentVolumeClaim\n\
         metadata:\n  name: {name}-runs\n\
         spec:\n  accessModes: [ReadWriteMany]\n  resources:\n    requests:\n      storage: {size}\n\
         ---\n\
         apiVersion: batch/v1\n\
         kind: Job\n\
         metadata:\n  name: {name}\n\
         spec:\n  completionMode: Indexed\n  completions: {n}\n  parallelism: {n}\n  backoffLimit: 0\n\
         \x20 template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      restartPolicy: Never\n\
         \x20     containers:\n\
         \x20       - name: stampede\n          image: {image}\n          command: ['/bin/sh', '-c']\n\
         \x20         args:\n            - '{script}'\n\
         \x20         volumeMounts:\n            - name: runs\n              mountPath: /runs\n\
         \x20     volumes:\n        - name: runs\n          persistentVolumeClaim:\n            claimName: {name}-runs\n",
        size = args.volume_size,
        image = args.image,
    ))
}

/// The target's URL and host: `HOST:PORT` means plain HTTP.
fn target_url(target: &str) -> Result<(String, String), String> {
    let url = if target.contains("://") { target.to_string() } else { format!("http://{target}") };
    let bad = || format!("--target `{target}`: expected HOST:PORT or an http(s)://HOST:PORT URL");
    let parsed = url::Url::parse(&url).map_err(|_| bad())?;
    let host = parsed.host_str().filter(|_| matches!(parsed.scheme(), "http" | "https")).ok_or_else(bad)?;
    if parsed.port_or_known_default().is_none() || !target.contains(':') {
        return Err(bad());
    }
    Ok((
        url.trim_end_matches('/').to_string(),
        host.trim_start_matches('[').trim_end_matches(']').to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use saphyr::{LoadableYamlNode, Yaml};

    use super::*;

    fn args(segments: u32) -> K8sArgs {
        K8sArgs {
            file: PathBuf::from("scenarios/threads-launch-2023-07.yaml"),
            segments,
            image: "ghcr.io/example/stampede:1".into(),
            target: "platform.default.svc:8080".into(),
            name: "threads-x4".into(),
            start_in: "5m".parse().expect("span"),
            run_flags: "--sample 0.1".into(),
            volume_size: "1Gi".into(),
        }
    }

    #[test]
    fn the_manifest_is_an_indexed_job_with_a_barrier_a_direct_allowlisted_target_and_a_merge() {
        let text = manifest(&args(4), "2026-01-01T12:00:00Z").expect("manifest");
        let docs = Yaml::load_from_str(&text).expect("valid YAML");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0]["kind"].as_str(), Some("PersistentVolumeClaim"));
        let job = &docs[1];
        assert_eq!(job["kind"].as_str(), Some("Job"));
        let spec = &job["spec"];
        assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
        assert_eq!(spec["completions"].as_integer(), Some(4));
        assert_eq!(spec["parallelism"].as_integer(), Some(4));
        let pod = &spec["template"]["spec"];
        assert!(!text.contains("initContainers"), "no forwarder sidecar");
        assert!(!text.contains("socat") && !text.contains("127.0.0.1"), "{text}");
        let script = pod["containers"][0]["args"][0].as_str().expect("script");
        for part in [
            "--target http://platform.default.svc:8080 --allow-host platform.default.svc ",
            "--segment $JOB_COMPLETION_INDEX/4 ",
            "--start-at 2026-01-01T12:00:00Z ",
            "--out /runs/threads-x4/20260101T120000Z/segment-$JOB_COMPLETION_INDEX ",
            "--sample 0.1;",
            "touch /runs/threads-x4/20260101T120000Z/failed-$JOB_COMPLETION_INDEX; exit $code;",
            "stampede merge /runs/threads-x4/20260101T120000Z/segment-* --out /runs/threads-x4/20260101T120000Z/merged",
        ] {
            assert!(script.contains(part), "{part} missing from {script}");
        }
        assert_eq!(pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as_str(), Some("threads-x4-runs"));
    }

    #[test]
    fn unsafe_values_are_refused() {
        let mut bad = args(2);
        bad.run_flags = "--sample 1'; rm -rf /".into();
        assert!(manifest(&bad, "2026-01-01T12:00:00Z").is_err());
        let mut bad = args(0);
        bad.segments = 0;
        assert!(manifest(&bad, "2026-01-01T12:00:00Z").is_err());
        for target in ["platform", "ftp://platform:21", "https://", "platform:port"] {
            let mut bad = args(2);
            bad.target = target.into();
            assert!(manifest(&bad, "2026-01-01T12:00:00Z").is_err(), "{target}");
        }
    }

    #[test]
    fn an_https_service_is_targeted_by_url() {
        let mut https = args(2);
        https.target = "https://api.staging.svc:8443".into();
        let text = manifest(&https, "2026-01-01T12:00:00Z").expect("manifest");
        assert!(
            text.contains("--target https://api.staging.svc:8443 --allow-host api.staging.svc "),
            "{text}"
        );
    }
}
