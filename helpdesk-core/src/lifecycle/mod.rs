//! The ticket lifecycle (DESIGN.md §4): Open, Pending, Closed, Archived.
//!
//! | from | event | to |
//! |---|---|---|
//! | Open | agent sets pending \[reopen_at\] | Pending |
//! | Open, Pending | agent closes \[reopen_at\] (needs status if the category demands) | Closed |
//! | Pending, Closed | customer replies | Open |
//! | Pending, Closed | reopen_at reached (`run_due`) | Open |
//! | Closed | agent reopens | Open |
//! | Closed | agent archives, or auto-archive | Archived |
//! | Archived | customer replies | unchanged; a new linked ticket is opened |
//! | any but Archived | merged into another ticket | Closed, `merged_into` set |
//!
//! Every other move is [`Error::InvalidTransition`](crate::Error::InvalidTransition).

mod state;
mod transition;

pub use state::State;
pub use transition::{
    CustomerReply, LifecycleContext, Outcome, Transition, apply, check_invariants,
    on_customer_reply,
};
