//! The reference platform (`stampede serve`): the API driven in-process through tower's
//! `oneshot`, and the real binary through a socket (startup line, SIGINT, restart).

mod api;
mod faults;
mod process;
mod rooms;
