//! Events: the history of a ticket. Every change appends one.

use crate::lifecycle::State;
use crate::model::Channel;
use crate::model::SlaTarget;
use crate::model::ids::{
    AgentId, CategoryId, ContactId, EventId, MessageId, QueueId, TaskId, TeamId, TicketId,
    WorkspaceId,
};
use crate::model::message::{Actor, Direction, Visibility};
use crate::model::ticket::Priority;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One entry in a ticket's history: who did what, when, with before/after.
///
/// Events are shown beside the conversation, feed follower notifications and
/// webhooks, and are the audit trail. They are never rewritten (except by
/// anonymisation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique id.
    pub id: EventId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Ticket the event belongs to.
    pub ticket: TicketId,
    /// Who caused it.
    pub actor: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// A new event.
    pub fn new(
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
        at: DateTime<Utc>,
        kind: EventKind,
    ) -> Self {
        Self {
            id: EventId::new(),
            workspace,
            ticket,
            actor,
            at,
            kind,
        }
    }
}

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum EventKind {
    /// The ticket was created.
    Created {
        /// Its channel.
        channel: Channel,
    },
    /// A message was added to the conversation.
    MessageAdded {
        /// The message.
        message: MessageId,
        /// Its direction.
        direction: Direction,
        /// Public or internal.
        visibility: Visibility,
    },
    /// An outbound message was delivered to its transport.
    MessageSent {
        /// The message.
        message: MessageId,
    },
    /// An outbound message could not be delivered (after retries).
    MessageFailed {
        /// The message.
        message: MessageId,
        /// The last error.
        reason: String,
    },
    /// A scheduled outbound message was cancelled before it went.
    MessageCancelled {
        /// The message.
        message: MessageId,
    },
    /// The lifecycle state changed.
    StateChanged {
        /// Before.
        from: State,
        /// After.
        to: State,
        /// Reopen date after the change, if any.
        reopen_at: Option<DateTime<Utc>>,
    },
    /// The reopen date changed without a state change.
    ReopenDateChanged {
        /// Before.
        from: Option<DateTime<Utc>>,
        /// After.
        to: Option<DateTime<Utc>>,
    },
    /// The status label changed.
    StatusChanged {
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
    /// The priority changed.
    PriorityChanged {
        /// Before.
        from: Priority,
        /// After.
        to: Priority,
    },
    /// The category changed.
    CategoryChanged {
        /// Before.
        from: Option<CategoryId>,
        /// After.
        to: Option<CategoryId>,
    },
    /// The assignee changed.
    Assigned {
        /// Before.
        from: Option<AgentId>,
        /// After.
        to: Option<AgentId>,
    },
    /// The team changed.
    TeamChanged {
        /// Before.
        from: Option<TeamId>,
        /// After.
        to: Option<TeamId>,
    },
    /// The queue changed.
    QueueChanged {
        /// Before.
        from: Option<QueueId>,
        /// After.
        to: Option<QueueId>,
    },
    /// The subject changed.
    SubjectChanged {
        /// Before.
        from: String,
        /// After.
        to: String,
    },
    /// Tags were added and/or removed.
    Tagged {
        /// Tags added.
        added: Vec<String>,
        /// Tags removed.
        removed: Vec<String>,
    },
    /// Followers were added and/or removed.
    FollowersChanged {
        /// Agents added.
        added: Vec<AgentId>,
        /// Agents removed.
        removed: Vec<AgentId>,
    },
    /// A custom field changed.
    CustomFieldChanged {
        /// Field name.
        field: String,
        /// Before.
        from: Option<serde_json::Value>,
        /// After.
        to: Option<serde_json::Value>,
    },
    /// This ticket was merged into `into` (logged on the source).
    Merged {
        /// The target ticket.
        into: TicketId,
    },
    /// Another ticket was merged into this one (logged on the target).
    MergedFrom {
        /// The source ticket.
        source: TicketId,
    },
    /// This ticket became a child of `parent` (logged on the child).
    Linked {
        /// The parent.
        parent: TicketId,
    },
    /// This ticket stopped being a child of `parent` (logged on the child).
    Unlinked {
        /// The former parent.
        parent: TicketId,
    },
    /// A child was linked to this ticket (logged on the parent).
    ChildLinked {
        /// The child.
        child: TicketId,
    },
    /// A child was unlinked from this ticket (logged on the parent).
    ChildUnlinked {
        /// The child.
        child: TicketId,
    },
    /// A related ticket was opened from this one, e.g. a customer wrote to an
    /// archived ticket and a new one was opened.
    FollowUpOpened {
        /// The new ticket.
        ticket: TicketId,
    },
    /// This ticket was opened as a follow-up of `of`.
    FollowUpOf {
        /// The earlier ticket.
        of: TicketId,
    },
    /// The ticket moved to another requester.
    RequesterChanged {
        /// The former requester.
        from: ContactId,
        /// The new requester.
        to: ContactId,
    },
    /// One of this ticket's messages was copied into a new ticket
    /// ([`Helpdesk::ticket_from_message`](crate::engine::Helpdesk::ticket_from_message);
    /// logged on the ticket the message is on).
    SplitOff {
        /// The message.
        message: MessageId,
        /// The new ticket.
        ticket: TicketId,
    },
    /// This ticket was opened from a message of another ticket (logged on
    /// the new ticket).
    SplitFrom {
        /// The ticket the message is on.
        ticket: TicketId,
        /// The message.
        message: MessageId,
    },
    /// An SLA deadline passed its warning threshold.
    SlaWarning {
        /// Which deadline.
        target: SlaTarget,
        /// Its due time.
        due: DateTime<Utc>,
    },
    /// An SLA deadline was breached.
    SlaBreached {
        /// Which deadline.
        target: SlaTarget,
        /// Its due time.
        due: DateTime<Utc>,
    },
    /// An autoresponder was sent.
    AutoresponderSent {
        /// The message.
        message: MessageId,
    },
    /// An autoresponder was not sent.
    AutoresponderSuppressed {
        /// Why.
        reason: String,
    },
    /// Automatic mail was found bouncing between us and another robot.
    LoopDetected {
        /// Details.
        reason: String,
    },
    /// Loop detection was cleared by an agent.
    LoopCleared,
    /// The ticket's public links were revoked: links made before open
    /// nothing ([`Ticket::link_revision`](crate::model::Ticket::link_revision)).
    PublicLinksRevoked {
        /// The ticket's link revision now.
        revision: u32,
    },
    /// A message or the conversation was forwarded.
    Forwarded {
        /// The forward (a [`Visibility::ThirdParty`](crate::model::Visibility::ThirdParty)
        /// message on the ticket).
        message: MessageId,
        /// Recipients (To and Cc).
        to: Vec<String>,
    },
    /// An agent applied a macro ([`Helpdesk::apply_macro`](crate::engine::Helpdesk::apply_macro)).
    MacroApplied {
        /// The macro's name.
        name: String,
    },
    /// A task was added to the ticket.
    TaskAdded {
        /// The task.
        task: TaskId,
        /// Its title.
        title: String,
    },
    /// A task's title, owner or due date changed.
    TaskChanged {
        /// The task.
        task: TaskId,
    },
    /// A task was done.
    TaskDone {
        /// The task.
        task: TaskId,
    },
    /// A done task is to do again.
    TaskReopened {
        /// The task.
        task: TaskId,
    },
    /// A task was deleted.
    TaskDeleted {
        /// The task.
        task: TaskId,
    },
    /// A task's due date passed and it is not done (once per due date,
    /// from [`Helpdesk::run_due`](crate::engine::Helpdesk::run_due)).
    TaskOverdue {
        /// The task.
        task: TaskId,
        /// Its due date.
        due: DateTime<Utc>,
    },
    /// Personal data was removed.
    Anonymised,
    /// An attachment exceeded the size limit and was not stored (the
    /// message itself was).
    AttachmentTooLarge {
        /// The message.
        message: MessageId,
        /// File name.
        name: String,
        /// Size in bytes.
        size: u64,
    },
    /// An agent asked to skip the next autoresponder on this ticket.
    AutoresponderSuppressionSet,
    /// The manual due date changed (it overrides the SLA resolution target).
    DueDateChanged {
        /// Before.
        from: Option<DateTime<Utc>>,
        /// After.
        to: Option<DateTime<Utc>>,
    },
}

impl EventKind {
    /// A short snake_case name of the kind (for logs and webhooks).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::MessageAdded { .. } => "message_added",
            EventKind::MessageSent { .. } => "message_sent",
            EventKind::MessageFailed { .. } => "message_failed",
            EventKind::MessageCancelled { .. } => "message_cancelled",
            EventKind::StateChanged { .. } => "state_changed",
            EventKind::ReopenDateChanged { .. } => "reopen_date_changed",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::CategoryChanged { .. } => "category_changed",
            EventKind::Assigned { .. } => "assigned",
            EventKind::TeamChanged { .. } => "team_changed",
            EventKind::QueueChanged { .. } => "queue_changed",
            EventKind::SubjectChanged { .. } => "subject_changed",
            EventKind::Tagged { .. } => "tagged",
            EventKind::FollowersChanged { .. } => "followers_changed",
            EventKind::CustomFieldChanged { .. } => "custom_field_changed",
            EventKind::Merged { .. } => "merged",
            EventKind::MergedFrom { .. } => "merged_from",
            EventKind::Linked { .. } => "linked",
            EventKind::Unlinked { .. } => "unlinked",
            EventKind::ChildLinked { .. } => "child_linked",
            EventKind::ChildUnlinked { .. } => "child_unlinked",
            EventKind::FollowUpOpened { .. } => "follow_up_opened",
            EventKind::FollowUpOf { .. } => "follow_up_of",
            EventKind::RequesterChanged { .. } => "requester_changed",
            EventKind::SplitOff { .. } => "split_off",
            EventKind::SplitFrom { .. } => "split_from",
            EventKind::SlaWarning { .. } => "sla_warning",
            EventKind::SlaBreached { .. } => "sla_breached",
            EventKind::AutoresponderSent { .. } => "autoresponder_sent",
            EventKind::AutoresponderSuppressed { .. } => "autoresponder_suppressed",
            EventKind::LoopDetected { .. } => "loop_detected",
            EventKind::LoopCleared => "loop_cleared",
            EventKind::PublicLinksRevoked { .. } => "public_links_revoked",
            EventKind::Forwarded { .. } => "forwarded",
            EventKind::MacroApplied { .. } => "macro_applied",
            EventKind::TaskAdded { .. } => "task_added",
            EventKind::TaskChanged { .. } => "task_changed",
            EventKind::TaskDone { .. } => "task_done",
            EventKind::TaskReopened { .. } => "task_reopened",
            EventKind::TaskDeleted { .. } => "task_deleted",
            EventKind::TaskOverdue { .. } => "task_overdue",
            EventKind::Anonymised => "anonymised",
            EventKind::DueDateChanged { .. } => "due_date_changed",
            EventKind::AttachmentTooLarge { .. } => "attachment_too_large",
            EventKind::AutoresponderSuppressionSet => "autoresponder_suppression_set",
        }
    }
}
