//! The ticket: the current state of one conversation with a customer.

use crate::lifecycle::State;
use crate::model::Channel;
use crate::model::SlaDue;
use crate::model::ids::{
    AgentId, CategoryId, ContactId, QueueId, TeamId, TicketId, TicketNumber, WorkspaceId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of request a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// An ordinary question or request.
    #[default]
    Regular,
    /// A return or refund request.
    Return,
    /// A buyer's rating or opinion.
    Feedback,
}

/// How urgent a ticket is. Ordered: `Low < Normal < High < Urgent`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Sooner than usual.
    High,
    /// Now.
    Urgent,
}

/// Flags the mail rules set on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketFlags {
    /// Automatic messages were bouncing between us and another robot; no
    /// automatic mail is sent on this ticket until an agent clears it.
    pub loop_detected: bool,
    /// The next autoresponder on this ticket is skipped (one-shot).
    pub suppress_next_autoresponder: bool,
    /// The ticket was marked as spam.
    pub spam: bool,
}

/// Timestamps of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTimes {
    /// When the ticket was created.
    pub created: DateTime<Utc>,
    /// When anything on the ticket last changed.
    pub updated: DateTime<Utc>,
    /// Last inbound (customer) message.
    pub last_inbound: Option<DateTime<Utc>>,
    /// Last outbound (agent, public) message.
    pub last_outbound: Option<DateTime<Utc>>,
    /// First public agent reply.
    pub first_response: Option<DateTime<Utc>>,
    /// Set iff the state is Closed or Archived.
    pub closed: Option<DateTime<Utc>>,
}

impl TicketTimes {
    /// All timestamps at `now`, optional ones empty.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            created: now,
            updated: now,
            last_inbound: None,
            last_outbound: None,
            first_response: None,
            closed: None,
        }
    }
}

/// A ticket: the current state of one conversation. Its history is the list of
/// [`Event`](crate::model::Event)s; its conversation the
/// [`Message`](crate::model::Message)s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Unique id.
    pub id: TicketId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Human number, per workspace, handed out by the store on creation.
    pub number: TicketNumber,
    /// Subject line.
    pub subject: String,
    /// Regular, return or feedback.
    pub kind: TicketKind,
    /// Channel the ticket came in through.
    pub channel: Channel,
    /// The helpdesk address (the [`Mailbox`](crate::engine::Mailbox)) the
    /// ticket's mail came in at: replies go out from it (else from
    /// [`EngineConfig::default_from`](crate::engine::EngineConfig::default_from)),
    /// so a customer who wrote to `sales@` is answered from `sales@`.
    /// (Shared: a ticket is copied often, its mailbox never changes.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<std::sync::Arc<str>>,
    /// The customer who asked.
    pub requester: ContactId,
    /// The requester's address this ticket's replies go to: the one they
    /// wrote from on it (the Reply-To or From of their latest mail), as
    /// long as it is one of their contact's addresses; else (or `None`)
    /// the contact's first address. A customer with several addresses is
    /// answered where they wrote. (Shared, as the mailbox: a ticket is
    /// copied often.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_address: Option<std::sync::Arc<str>>,
    /// Further customer addresses copied on replies.
    pub cc: Vec<String>,
    /// Agents notified of changes.
    pub followers: BTreeSet<AgentId>,
    /// The owner, if taken.
    pub assignee: Option<AgentId>,
    /// Team responsible.
    pub team: Option<TeamId>,
    /// Queue the ticket waits in.
    pub queue: Option<QueueId>,
    /// Category (may carry an SLA policy and a closing requirement).
    pub category: Option<CategoryId>,
    /// Urgency.
    pub priority: Priority,
    /// Workspace-defined status label (e.g. "New", "In progress").
    pub status: Option<String>,
    /// Lifecycle state.
    pub state: State,
    /// When a Pending or Closed ticket opens again by itself.
    pub reopen_at: Option<DateTime<Utc>>,
    /// Tags (kept sorted and unique).
    pub tags: BTreeSet<String>,
    /// Custom fields by name.
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    /// Parent ticket (parent/child links never form a cycle).
    pub parent: Option<TicketId>,
    /// Set when this ticket was merged into another (chains never cycle).
    pub merged_into: Option<TicketId>,
    /// Related tickets (e.g. the archived ticket a follow-up was opened from).
    pub related: BTreeSet<TicketId>,
    /// Marketplace / shop order references linked to the ticket.
    pub linked_orders: Vec<String>,
    /// SLA due times.
    pub sla: SlaDue,
    /// Timestamps.
    pub times: TicketTimes,
    /// Inbound messages not yet seen by the owner.
    pub unread_count: u32,
    /// Changed by someone else since the owner last opened it.
    pub unread_by_owner: bool,
    /// Mail-rule flags.
    pub flags: TicketFlags,
    /// How many times the ticket's public links were revoked
    /// ([`Helpdesk::revoke_public_links`](crate::engine::Helpdesk::revoke_public_links)):
    /// a link is signed for the revision it was made at, and opens nothing
    /// once the ticket has another.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub link_revision: u32,
    /// Compare-and-set version; incremented by every write.
    pub version: u64,
}

/// Whether `n` is 0 (a field left out of the serialised ticket).
fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Ticket {
    /// A new Open ticket at `now` (number 0 until the store assigns one,
    /// version 0).
    pub fn new(
        workspace: WorkspaceId,
        subject: impl Into<String>,
        requester: ContactId,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: TicketId::new(),
            workspace,
            number: TicketNumber(0),
            subject: subject.into(),
            kind: TicketKind::Regular,
            channel,
            mailbox: None,
            requester,
            reply_address: None,
            cc: Vec::new(),
            followers: BTreeSet::new(),
            assignee: None,
            team: None,
            queue: None,
            category: None,
            priority: Priority::Normal,
            status: None,
            state: State::Open,
            reopen_at: None,
            tags: BTreeSet::new(),
            custom_fields: BTreeMap::new(),
            parent: None,
            merged_into: None,
            related: BTreeSet::new(),
            linked_orders: Vec::new(),
            sla: SlaDue::default(),
            times: TicketTimes::at(now),
            unread_count: 0,
            unread_by_owner: false,
            flags: TicketFlags::default(),
            link_revision: 0,
            version: 0,
        }
    }
}
