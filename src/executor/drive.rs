//! Driving a prepared replay: goose's worker slots claim jobs from the dispatch and run
//! them while the watchers (signals, drain limit, progress, outages) look on; then what the
//! run measured is gathered into its [`RunOutcome`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use goose::config::GooseConfiguration;
use goose::goose::{GooseUser, Scenario as GooseScenario, Transaction, TransactionFunction};
use goose::prelude::GooseAttack;

use super::context::{Context, StopReason};
use super::prepare::Prepared;
use super::slots::{self, Groups};
use super::{ExecutorError, RunOutcome, abort, cpu, progress, signals};

/// Runs the prepared replay to its end (the schedule done, or a stop) and gathers what it
/// measured.
pub(super) async fn drive(prepared: Prepared) -> Result<RunOutcome, ExecutorError> {
    let Prepared {
        ctx, client, wire, interrupts, injector, slot_budget, setup, unsupported, base_url, ..
    } = prepared;
    let replay_span = prepared.replay_span;
    let (slots, t0, grace) = (slot_budget.slots, ctx.t0, ctx.limits.grace);
    let completed = Arc::new(AtomicBool::new(false));
    let watchers = [
        tokio::spawn(signals::watch_signals(ctx.clone(), interrupts, grace)),
        tokio::spawn(signals::watch_stop(ctx.clone(), grace)),
        tokio::spawn(signals::watch_drain(ctx.clone(), t0 + replay_span + ctx.limits.drain)),
        tokio::spawn(progress::show(ctx.clone(), progress::Shown { slots, replay_span }, prepared.progress)),
        tokio::spawn(injector.clone().run(ctx.clone())),
        tokio::spawn(abort::watch(ctx.clone(), prepared.abort)),
    ];
    let cpu_before = cpu::process_cpu_s();
    let result = attack(ctx.clone(), completed.clone(), slots, &base_url, client).await;
    let cpu_s = cpu::process_cpu_s().zip(cpu_before).map(|(after, before)| after - before);
    for watcher in watchers {
        watcher.abort();
    }
    injector.lift().await;
    result?;
    let elapsed = Instant::now().saturating_duration_since(t0);
    let mut stop = ctx.stop_reason();
    if stop.is_none() && !completed.load(Ordering::Relaxed) {
        // Something else fired goose's killswitch (its Ctrl-C handler, if ours could not
        // be installed): the schedule did not complete.
        stop = Some(StopReason::Signal("SIGINT".to_string()));
    }
    Ok(RunOutcome {
        metrics: ctx.recorder.finish(),
        stop,
        elapsed,
        slots,
        slot_budget,
        setup,
        population_users: ctx.population.user_count(),
        population_posts: ctx.population.post_count(),
        population_bytes: ctx.population.heap_bytes(),
        unsupported,
        cpu_s,
        outages: injector.records(),
        transport: wire.transport(base_url.starts_with("https:"), prepared.insecure),
    })
}

/// Runs goose with one user per group of `slots` (see [`slots`]), each running its group
/// with `client` (ours, not goose's: it carries the run's TLS, HTTP version and connection
/// count, and one pool).
async fn attack(
    ctx: Arc<Context>,
    completed: Arc<AtomicBool>,
    slots: usize,
    base_url: &str,
    client: crate::net::Sender,
) -> Result<(), ExecutorError> {
    let goose_error = |e: goose::GooseError| ExecutorError::Goose(e.to_string());
    let mut cfg = GooseConfiguration::default();
    cfg.host = Some(base_url.to_string());
    let groups = Arc::new(Groups::new(slots));
    cfg.users = Some(groups.users);
    cfg.increase_rate = Some("10000".to_string());
    cfg.quiet = 1;
    cfg.no_print_metrics = true;
    cfg.no_error_summary = true;
    cfg.no_telnet = true;
    cfg.no_metrics = true;
    let transaction: TransactionFunction = Arc::new(move |_: &mut GooseUser| {
        let (ctx, completed, client, groups) =
            (ctx.clone(), completed.clone(), client.clone(), groups.clone());
        Box::pin(async move {
            slots::group(&ctx, &completed, &client, &groups).await;
            Ok(())
        })
    });
    // goose builds a client of its own even so, never used: one shared, without cookies,
    // rather than one per user (its default), which would cost a cookie jar per slot.
    let builder = goose::client::GooseClientBuilder::new().without_cookies().gzip(false);
    GooseAttack::initialize_with_config(cfg)
        .map_err(goose_error)?
        .set_client_builder_without_cookies(builder)
        .map_err(goose_error)?
        .register_scenario(
            GooseScenario::new("replay").register_transaction(Transaction::new(transaction).set_name("slot")),
        )
        .execute()
        .await
        .map_err(goose_error)?;
    Ok(())
}
