//! Merging the live-room section: counters summed, delivery and connect histograms added.

use super::{Input, MergeError, add_all, add_errors, encode};
use crate::metrics::Stats;
use crate::report::build::latency;
use crate::report::model::ChatReport;

/// The chat section of the merged report; `None` when no input has one.
pub fn merge(inputs: &[Input]) -> Result<Option<ChatReport>, MergeError> {
    let chats: Vec<&ChatReport> = inputs.iter().filter_map(|i| i.report.chat.as_ref()).collect();
    if chats.is_empty() {
        return Ok(None);
    }
    let mut merged = ChatReport::default();
    for chat in &chats {
        merged.messages_sent += chat.messages_sent;
        merged.deliveries += chat.deliveries;
        merged.missed += chat.missed;
        merged.streams_opened += chat.streams_opened;
        merged.streams_broken += chat.streams_broken;
        add_errors(&mut merged.stream_errors, &chat.stream_errors);
        // Members of different processes (or targets) may overlap in time: an upper bound,
        // like `journeys_open_max`.
        merged.max_members += chat.max_members;
    }
    let delivery =
        add_all(inputs, "chat.delivery", |r| r.chat.as_ref().map(|c| c.delivery_histogram.as_str()))?;
    merged.delivery_us = latency(Stats::of(delivery.as_ref()));
    merged.delivery_histogram = encode(delivery.as_ref());
    let connect = add_all(inputs, "chat.connect", |r| r.chat.as_ref().map(|c| c.connect_histogram.as_str()))?;
    merged.connect_us = latency(Stats::of(connect.as_ref()));
    merged.connect_histogram = encode(connect.as_ref());
    Ok(Some(merged))
}
