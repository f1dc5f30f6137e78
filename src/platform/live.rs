//! Live delivery for rooms: one bounded `tokio::sync::broadcast` channel per room, created
//! on first use and shared by every member's event stream.
//!
//! Bounded on purpose: a member that reads too slowly is told how many messages it missed
//! (a `lagged` event) instead of the platform buffering for it without limit. A message is
//! serialised once, before the fan-out, so a room of 50,000 costs one encoding per message.
//! At shutdown [`Live::close`] drops every sender, which ends every stream, so the
//! server's graceful shutdown is not held open by members who never leave.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast;

/// Messages a room keeps for members that fall behind before they lag.
pub const ROOM_BUFFER_MESSAGES: usize = 1024;

/// Every live room's channel, by room id.
#[derive(Debug, Default)]
pub struct Live {
    /// `None` once closed: no stream may start after shutdown began.
    channels: Mutex<Option<HashMap<i64, broadcast::Sender<Arc<str>>>>>,
}

impl Live {
    pub fn new() -> Self {
        Self { channels: Mutex::new(Some(HashMap::new())) }
    }

    /// A receiver of room `room_id`'s messages from now on; `None` after [`Live::close`].
    pub fn subscribe(&self, room_id: i64) -> Option<broadcast::Receiver<Arc<str>>> {
        let mut guard = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let channels = guard.as_mut()?;
        let sender = channels.entry(room_id).or_insert_with(|| broadcast::channel(ROOM_BUFFER_MESSAGES).0);
        Some(sender.subscribe())
    }

    /// Sends one serialised message to the room's current listeners; returns how many.
    pub fn publish(&self, room_id: i64, message: Arc<str>) -> usize {
        let guard = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let sender = guard.as_ref().and_then(|channels| channels.get(&room_id));
        // An error only means nobody listens right now, which is not a failure.
        sender.map_or(0, |s| s.send(message).unwrap_or(0))
    }

    /// Ends every stream and refuses new ones.
    pub fn close(&self) {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slow_members_lag_instead_of_buffering_and_close_ends_streams() {
        let live = Live::new();
        let mut slow = live.subscribe(7).expect("open");
        for i in 0..ROOM_BUFFER_MESSAGES + 5 {
            assert_eq!(live.publish(7, Arc::from(i.to_string())), 1);
        }
        assert!(matches!(slow.recv().await, Err(broadcast::error::RecvError::Lagged(5))));
        assert_eq!(slow.recv().await.expect("oldest kept").as_ref(), "5");
        assert_eq!(live.publish(8, Arc::from("nobody")), 0);
        live.close();
        assert!(live.subscribe(7).is_none());
        let rest = (0..ROOM_BUFFER_MESSAGES).filter_map(|_| slow.try_recv().ok()).count();
        assert_eq!(rest, ROOM_BUFFER_MESSAGES - 1);
        assert!(matches!(slow.recv().await, Err(broadcast::error::RecvError::Closed)));
    }
}
