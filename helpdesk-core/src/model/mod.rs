//! The domain model (DESIGN.md §3): plain data, serde on everything.

mod agent;
mod category;
mod channel;
mod contact;
mod event;
pub mod ids;
mod message;
mod organization;
mod queue;
mod settings;
mod sla_state;
mod task;
mod ticket;

pub use agent::{Agent, Team};
pub use category::Category;
pub use channel::Channel;
pub use contact::{Contact, is_plausible_email, normalize_email, normalized_email};
pub use event::{Event, EventKind};
pub use ids::*;
pub use message::{
    Actor, Attachment, Classification, Direction, EmailIds, Message, SendState, Visibility,
};
pub use organization::Organization;
pub use queue::Queue;
pub use settings::WorkspaceSettings;
pub use sla_state::{Deadline, SlaDue, SlaTarget};
pub use task::Task;
pub use ticket::{Priority, Ticket, TicketFlags, TicketKind, TicketTimes};
