//! Creating tickets.

use super::Helpdesk;
use super::plan::{Plan, push_events, stored};
use crate::error::{Error, Result};
use crate::fields::{normalize_subject, normalize_tag};
use crate::model::{
    Actor, AgentId, CategoryId, Channel, Contact, ContactId, Direction, EventKind, Message,
    Priority, QueueId, SendState, TeamId, Ticket, TicketKind, Visibility, WorkspaceId,
    is_plausible_email, normalize_email,
};
use crate::ports::{Commit, ContactWrite, OutboxItem, OutboxWrite, StoreExt, TicketWrite};
use chrono::{DateTime, Utc};

/// Who the ticket is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// An existing contact.
    Contact(ContactId),
    /// A contact found by email, or created with this email and name.
    Email {
        /// Address.
        email: String,
        /// Display name for a new contact.
        name: Option<String>,
    },
}

/// How the first message of a new ticket is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateMode {
    /// "As the customer": the message is recorded as the customer's (inbound),
    /// nothing is sent.
    AsCustomer,
    /// "Email to the customer": the message is an agent's public reply and is
    /// sent through the outbox. Needs `created_by`.
    ToCustomer,
    /// Created by an agent for the record (e.g. a phone call): the first
    /// message is an internal note. Needs `created_by`.
    Internal,
}

/// A ticket to create. Start from [`NewTicket::from_customer`],
/// [`NewTicket::to_customer`] or [`NewTicket::internal`] and set what else you need.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewTicket {
    /// Subject (required).
    pub subject: String,
    /// Requester.
    pub requester: Requester,
    /// How the first message is recorded.
    pub mode: CreateMode,
    /// The agent creating the ticket.
    pub created_by: Option<AgentId>,
    /// Channel.
    pub channel: Channel,
    /// Kind.
    pub kind: TicketKind,
    /// Priority.
    pub priority: Priority,
    /// Status label.
    pub status: Option<String>,
    /// Queue.
    pub queue: Option<QueueId>,
    /// Team.
    pub team: Option<TeamId>,
    /// Category.
    pub category: Option<CategoryId>,
    /// Owner.
    pub assignee: Option<AgentId>,
    /// Tags.
    pub tags: Vec<String>,
    /// Copy addresses.
    pub cc: Vec<String>,
    /// First message, plain text (may be empty for [`CreateMode::AsCustomer`]
    /// and [`CreateMode::Internal`]: then no message is recorded).
    pub text: String,
    /// First message, HTML (stored and sent sanitised, see
    /// [`sanitize_html`](crate::mail::sanitize_html)).
    pub html: Option<String>,
    /// Delayed send of a [`CreateMode::ToCustomer`] message.
    pub send_at: Option<DateTime<Utc>>,
    /// The helpdesk address the ticket belongs to ([`Ticket::mailbox`]):
    /// its mail goes out from it (`None`: from
    /// [`EngineConfig::default_from`](super::EngineConfig::default_from)).
    pub mailbox: Option<String>,
}

impl NewTicket {
    fn base(requester: Requester, subject: &str, text: &str, mode: CreateMode) -> Self {
        Self {
            subject: subject.to_string(),
            requester,
            mode,
            created_by: None,
            channel: Channel::Email,
            kind: TicketKind::Regular,
            priority: Priority::Normal,
            status: None,
            queue: None,
            team: None,
            category: None,
            assignee: None,
            tags: Vec::new(),
            cc: Vec::new(),
            text: text.to_string(),
            html: None,
            send_at: None,
            mailbox: None,
        }
    }

    /// A ticket recorded as written by the customer with this email address.
    pub fn from_customer(email: &str, subject: &str, text: &str) -> Self {
        Self::base(
            Requester::Email {
                email: email.to_string(),
                name: None,
            },
            subject,
            text,
            CreateMode::AsCustomer,
        )
    }

    /// A ticket opened by `agent` emailing the customer (the message is sent).
    pub fn to_customer(agent: AgentId, email: &str, subject: &str, text: &str) -> Self {
        let mut t = Self::base(
            Requester::Email {
                email: email.to_string(),
                name: None,
            },
            subject,
            text,
            CreateMode::ToCustomer,
        );
        t.created_by = Some(agent);
        t
    }

    /// A ticket recorded by `agent` with an internal first note.
    pub fn internal(agent: AgentId, requester: Requester, subject: &str, text: &str) -> Self {
        let mut t = Self::base(requester, subject, text, CreateMode::Internal);
        t.created_by = Some(agent);
        t
    }

    /// Sets the requester.
    pub fn requester(mut self, requester: Requester) -> Self {
        self.requester = requester;
        self
    }
    /// Sets the channel.
    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }
    /// Sets the kind.
    pub fn kind(mut self, kind: TicketKind) -> Self {
        self.kind = kind;
        self
    }
    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }
    /// Sets the queue.
    pub fn queue(mut self, queue: QueueId) -> Self {
        self.queue = Some(queue);
        self
    }
    /// Sets the category.
    pub fn category(mut self, category: CategoryId) -> Self {
        self.category = Some(category);
        self
    }
    /// Sets the owner.
    pub fn assignee(mut self, agent: AgentId) -> Self {
        self.assignee = Some(agent);
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Delays the send of a [`CreateMode::ToCustomer`] message.
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Some(at);
        self
    }
}

impl Helpdesk {
    /// Creates a ticket (one transaction: the ticket, a new contact if the
    /// requester's email is unknown, the first message, events, and for
    /// [`CreateMode::ToCustomer`] the outbox row that sends it).
    pub async fn create_ticket(&self, workspace: WorkspaceId, new: NewTicket) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || self.plan_create(workspace, &new))
            .await?;
        Ok(stored(&outcome, ticket))
    }

    /// Finds the requester contact, or plans its creation.
    pub(crate) async fn resolve_requester(
        &self,
        workspace: WorkspaceId,
        requester: &Requester,
        commit: &mut Commit,
    ) -> Result<Contact> {
        match requester {
            Requester::Contact(id) => self
                .store
                .contact(workspace, *id)
                .await?
                .ok_or_else(|| Error::not_found("contact", id)),
            Requester::Email { email, name } => {
                if !is_plausible_email(email) {
                    return Err(Error::validation(
                        "requester",
                        format!("{email:?} is not an email address"),
                    ));
                }
                let email = normalize_email(email);
                match self.store.contact_by_email(workspace, &email).await? {
                    Some(c) => Ok(c),
                    None => {
                        let contact = Contact::with_email(workspace, &email, name.clone());
                        commit.contacts.push(ContactWrite::Create(contact.clone()));
                        Ok(contact)
                    }
                }
            }
        }
    }

    /// Checks that the referenced queue, team, category and agents exist.
    pub(crate) async fn check_refs(
        &self,
        workspace: WorkspaceId,
        queue: Option<QueueId>,
        team: Option<TeamId>,
        category: Option<CategoryId>,
        assignee: Option<AgentId>,
    ) -> Result<()> {
        if let Some(q) = queue
            && self.store.queue(workspace, q).await?.is_none()
        {
            return Err(Error::not_found("queue", q));
        }
        if let Some(t) = team
            && self.store.team(workspace, t).await?.is_none()
        {
            return Err(Error::not_found("team", t));
        }
        if let Some(c) = category
            && self.store.category(workspace, c).await?.is_none()
        {
            return Err(Error::not_found("category", c));
        }
        if let Some(a) = assignee {
            match self.store.agent(workspace, a).await? {
                None => return Err(Error::not_found("agent", a)),
                Some(agent) if !agent.active => {
                    return Err(Error::validation(
                        "assignee",
                        format!("agent {} is not active", agent.name),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    async fn plan_create(&self, workspace: WorkspaceId, new: &NewTicket) -> Result<Plan<Ticket>> {
        let now = self.clock.now();
        let subject = normalize_subject(&new.subject)?;
        let agent_needed = matches!(new.mode, CreateMode::ToCustomer | CreateMode::Internal);
        if agent_needed && new.created_by.is_none() {
            return Err(Error::validation(
                "created_by",
                "an agent is needed to email the customer or record an internal ticket",
            ));
        }
        if new.mode == CreateMode::ToCustomer && new.text.trim().is_empty() && new.html.is_none() {
            return Err(Error::validation(
                "text",
                "a message to the customer cannot be empty",
            ));
        }
        if let Some(at) = new.send_at
            && new.mode != CreateMode::ToCustomer
        {
            return Err(Error::validation(
                "send_at",
                format!("only a message to the customer can be delayed (got {at})"),
            ));
        }
        if new.mode == CreateMode::ToCustomer && new.queue.is_none() {
            let settings = self
                .store
                .record(workspace, crate::ports::RecordId::Settings(workspace))
                .await?;
            if let Some(crate::ports::DirectoryRecord::Settings(s)) = settings
                && s.require_queue
            {
                return Err(Error::validation(
                    "queue",
                    "this workspace sends a new message only with its queue chosen",
                ));
            }
        }
        self.check_refs(workspace, new.queue, new.team, new.category, new.assignee)
            .await?;
        let mut cc = Vec::new();
        for address in &new.cc {
            if !is_plausible_email(address) {
                return Err(Error::validation(
                    "cc",
                    format!("{address:?} is not an email address"),
                ));
            }
            let address = normalize_email(address);
            if !cc.contains(&address) {
                cc.push(address);
            }
        }
        let mailbox = match new.mailbox.as_deref().map(str::trim) {
            Some(address) if !is_plausible_email(address) => {
                return Err(Error::validation(
                    "mailbox",
                    format!("{address:?} is not an email address"),
                ));
            }
            address => address.map(str::to_string),
        };
        let mut commit = Commit::default();
        let contact = self
            .resolve_requester(workspace, &new.requester, &mut commit)
            .await?;

        let mut ticket = Ticket::new(
            workspace,
            subject.clone(),
            contact.id,
            new.channel.clone(),
            now,
        );
        // (The address given: answers go there, though the contact has
        // others.)
        if let Requester::Email { email, .. } = &new.requester {
            ticket.reply_address = Some(normalize_email(email).into());
        }
        ticket.kind = new.kind;
        ticket.priority = new.priority;
        ticket.status = new.status.clone().filter(|s| !s.trim().is_empty());
        ticket.queue = new.queue;
        ticket.team = new.team;
        ticket.category = new.category;
        ticket.assignee = new.assignee;
        ticket.cc = cc;
        ticket.mailbox = mailbox.map(Into::into);
        for tag in &new.tags {
            ticket.tags.insert(normalize_tag(tag)?);
        }
        let actor = match (new.mode, new.created_by) {
            (CreateMode::AsCustomer, None) => Actor::Contact(contact.id),
            (_, Some(agent)) => Actor::Agent(agent),
            (_, None) => Actor::System,
        };
        let mut events = vec![EventKind::Created {
            channel: new.channel.clone(),
        }];

        let has_message = !new.text.trim().is_empty() || new.html.is_some();
        if has_message {
            let (author, direction, visibility) = match new.mode {
                CreateMode::AsCustomer => (
                    Actor::Contact(contact.id),
                    Direction::Inbound,
                    Visibility::Public,
                ),
                CreateMode::ToCustomer => (actor, Direction::Outbound, Visibility::Public),
                CreateMode::Internal => (actor, Direction::Outbound, Visibility::Internal),
            };
            let mut message = Message::new(
                workspace,
                ticket.id,
                author,
                new.channel.clone(),
                new.text.clone(),
                now,
            );
            message.direction = direction;
            message.visibility = visibility;
            message.subject = subject;
            message.html = new.html.as_deref().map(crate::mail::sanitize_html);
            match new.mode {
                CreateMode::AsCustomer => {
                    message.from = super::messages::reply_address(&ticket, &contact);
                    ticket.unread_count = 1;
                    ticket.unread_by_owner = ticket.assignee.is_some();
                    ticket.times.last_inbound = Some(now);
                }
                CreateMode::ToCustomer => {
                    let at = new.send_at.unwrap_or(now).max(now);
                    message.from = self.sender_of(&ticket);
                    message.to = super::messages::reply_address(&ticket, &contact)
                        .into_iter()
                        .collect();
                    message.cc = ticket.cc.clone();
                    message.send_state = Some(SendState::Scheduled { at });
                    message.email.message_id =
                        Some(self.outgoing_message_id(workspace, ticket.id, message.id));
                    ticket.times.last_outbound = Some(now);
                    ticket.times.first_response = Some(now);
                    commit.outbox.push(OutboxWrite::Enqueue(OutboxItem::new(
                        workspace,
                        ticket.id,
                        message.id,
                        new.channel.clone(),
                        at,
                    )));
                }
                CreateMode::Internal => {}
            }
            events.push(EventKind::MessageAdded {
                message: message.id,
                direction,
                visibility,
            });
            commit.messages.push(message);
        }
        push_events(&mut commit, &ticket, events, actor, now);
        commit.tickets.push(TicketWrite::Create(ticket.clone()));
        Ok(Plan::new(commit, ticket))
    }
}
