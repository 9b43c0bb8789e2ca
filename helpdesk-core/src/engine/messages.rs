//! Adding messages: agent replies, internal notes, customer messages.

use super::Helpdesk;
use super::plan::{Plan, follow_up_of, push_events, stored, write_ticket};
use crate::error::{Error, Result};
use crate::lifecycle::{self, CustomerReply, LifecycleContext, State, Transition};
use crate::model::Channel;
use crate::model::{
    Actor, AgentId, Attachment, ContactId, Direction, EventKind, Message, SendState, Ticket,
    TicketId, Visibility, WorkspaceId, is_plausible_email, normalize_email,
};
use crate::ports::{Commit, OutboxItem, OutboxWrite, StoreExt, TicketWrite};
use chrono::{DateTime, Utc};

/// A public reply of an agent to the customer.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Reply {
    /// Plain text (required unless `html` is given).
    pub text: String,
    /// HTML alternative, stored and sent sanitised
    /// ([`sanitize_html`](crate::mail::sanitize_html): no scripts, event
    /// handlers or `javascript:` links).
    pub html: Option<String>,
    /// Extra copy addresses for this reply (the ticket's cc are always added).
    pub cc: Vec<String>,
    /// Attachments (metadata).
    pub attachments: Vec<Attachment>,
    /// Delayed send: the reply waits in the outbox until then and can be
    /// cancelled before it goes.
    pub send_at: Option<DateTime<Utc>>,
    /// The caller has shown the [`warnings`](Reply::warnings) and the user
    /// wants to send anyway.
    pub confirmed: bool,
}

/// Something about a reply the user should confirm before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReplyWarning {
    /// The text speaks of an attachment ("attached", "w załączniku",
    /// "im Anhang", ...) but the reply has none.
    MissingAttachment,
}

impl std::fmt::Display for ReplyWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyWarning::MissingAttachment => {
                f.write_str("the reply mentions an attachment but has none")
            }
        }
    }
}

impl Reply {
    /// A plain-text reply.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Marks the reply as confirmed despite its warnings.
    pub fn confirm(mut self) -> Self {
        self.confirmed = true;
        self
    }

    /// What the user should confirm before this reply is sent (in en, pl,
    /// cs, it and de). [`Helpdesk::reply`] refuses an unconfirmed reply with
    /// warnings with [`Error::NeedsConfirmation`].
    ///
    /// ```
    /// use helpdesk_core::engine::{Reply, ReplyWarning};
    /// assert_eq!(Reply::text("Please see the attached invoice.").warnings(), vec![ReplyWarning::MissingAttachment]);
    /// assert!(Reply::text("Thanks, all done.").warnings().is_empty());
    /// ```
    pub fn warnings(&self) -> Vec<ReplyWarning> {
        let mut out = Vec::new();
        if self.attachments.is_empty() && crate::mail::mentions_attachment(&self.text) {
            out.push(ReplyWarning::MissingAttachment);
        }
        out
    }

    /// Delays the send.
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Some(at);
        self
    }

    /// Adds a copy address.
    pub fn cc(mut self, address: impl Into<String>) -> Self {
        self.cc.push(address.into());
        self
    }

    /// Attaches a file stored with [`Helpdesk::upload`] (or an inbound
    /// attachment whose bytes are in the blob store, as
    /// [`Helpdesk::attachment`] returns it: the reply then holds its key,
    /// and erasing the ticket it came from leaves the bytes to the reply
    /// when the reply is on another ticket): the reply is refused for one
    /// without a blob key. An image the reply's HTML shows by a
    /// `cid:` link gets that Content-ID (without angle brackets) in
    /// `content_id` and `inline` set: the mail then carries it with the
    /// HTML (`multipart/related`).
    ///
    /// ```
    /// use helpdesk_core::engine::Reply;
    /// use helpdesk_core::model::Attachment;
    /// let mut shot = Attachment::new("shot.png", "image/png", 4);
    /// shot.blob = Some("key-from-upload".into());
    /// shot.content_id = Some("shot-1@shop.example".into());
    /// shot.inline = true;
    /// let mut reply = Reply::text("See the screenshot.").attach(shot);
    /// reply.html = Some(r#"<p>See:</p><img src="cid:shot-1@shop.example">"#.into());
    /// assert_eq!(reply.attachments.len(), 1);
    /// ```
    pub fn attach(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}

/// An internal note of an agent on a ticket: never sent, never shown to
/// the customer. Start from [`Note::text`].
///
/// ```
/// use helpdesk_core::engine::Note;
/// use helpdesk_core::model::Attachment;
/// let mut log = Attachment::new("courier-call.txt", "text/plain", 12);
/// log.blob = Some("key-from-upload".into());
/// let note = Note::text("The courier says the parcel is in Poznań.").attach(log);
/// assert_eq!(note.attachments.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Note {
    /// Plain text (may be empty when the note carries files).
    pub text: String,
    /// Files (metadata; their bytes in the blob store).
    pub attachments: Vec<Attachment>,
}

impl Note {
    /// A plain-text note.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Attaches a file stored with [`Helpdesk::upload`] (or an attachment
    /// of another message, as [`Helpdesk::attachment`] returns it): the note
    /// is refused for one without a blob key, as a reply is.
    pub fn attach(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}

/// Refuses a file without stored bytes (it would be a name without a file)
/// or with a Content-ID that is none.
/// What a reply must be before anything is read: not empty, confirmed when
/// it has warnings, its files stored.
pub(super) fn check_reply(reply: &Reply) -> Result<()> {
    if reply.text.trim().is_empty() && reply.html.is_none() {
        return Err(Error::validation("text", "a reply cannot be empty"));
    }
    let warnings = reply.warnings();
    if !reply.confirmed && !warnings.is_empty() {
        return Err(Error::NeedsConfirmation { warnings });
    }
    // A file goes with its bytes or the reply is refused: it is never
    // sent without it.
    check_files(&reply.attachments)
}

/// What a note must be: not empty, its files stored.
pub(super) fn check_note(note: &Note) -> Result<()> {
    if note.text.trim().is_empty() && note.attachments.is_empty() {
        return Err(Error::validation("text", "a note cannot be empty"));
    }
    check_files(&note.attachments)
}

/// Writes `note` (checked by [`check_note`]) of `agent` onto `ticket` as
/// it stands in a command at `now`: the message into `commit`, its event
/// into `events`; unread for the owner when someone else wrote it. The
/// caller writes the ticket.
pub(super) fn add_note_to(
    ticket: &mut Ticket,
    agent: AgentId,
    note: &Note,
    now: DateTime<Utc>,
    commit: &mut Commit,
    events: &mut Vec<EventKind>,
) -> Result<Message> {
    refuse_if_final(ticket, "a note")?;
    let mut message = agent_message(ticket, agent, &note.text, Visibility::Internal, now);
    message.attachments = note.attachments.clone();
    ticket.times.updated = now;
    if let Some(owner) = ticket.assignee
        && owner != agent
    {
        ticket.unread_by_owner = true;
    }
    events.push(EventKind::MessageAdded {
        message: message.id,
        direction: Direction::Outbound,
        visibility: Visibility::Internal,
    });
    commit.messages.push(message.clone());
    Ok(message)
}

/// A message of `agent` on `ticket` at `now`: outbound, with `visibility`
/// and the ticket's channel and subject.
fn agent_message(
    ticket: &Ticket,
    agent: AgentId,
    text: &str,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> Message {
    let mut message = Message::new(
        ticket.workspace,
        ticket.id,
        Actor::Agent(agent),
        ticket.channel.clone(),
        text,
        now,
    );
    message.direction = Direction::Outbound;
    message.visibility = visibility;
    message.subject = ticket.subject.clone();
    message
}

fn check_files(files: &[Attachment]) -> Result<()> {
    for a in files {
        if a.too_large || a.blob.is_none() {
            return Err(Error::validation(
                "attachments",
                format!(
                    "{} has no stored bytes (store it with `upload` first)",
                    a.name
                ),
            ));
        }
        if let Some(id) = &a.content_id
            && crate::mail::sendable_id(id).is_none()
        {
            return Err(Error::validation(
                "attachments",
                format!("{}: {id:?} is no Content-ID", a.name),
            ));
        }
    }
    Ok(())
}

/// Where a customer's message landed.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerMessageOutcome {
    /// The ticket that holds the message (a new one when the original was
    /// Archived).
    pub ticket: Ticket,
    /// The stored message.
    pub message: Message,
    /// The ticket was Pending or Closed and is Open again.
    pub reopened: bool,
    /// The original ticket was Archived; `ticket` is a new follow-up linked to it.
    pub follow_up_of: Option<TicketId>,
}

pub(super) fn refuse_if_final(ticket: &Ticket, what: &str) -> Result<()> {
    if ticket.state == State::Archived {
        return Err(Error::validation(
            "state",
            format!("ticket {} is archived; cannot add {what}", ticket.number),
        ));
    }
    if let Some(into) = ticket.merged_into {
        return Err(Error::validation(
            "merged_into",
            format!(
                "ticket {} was merged into {into}; add {what} there",
                ticket.number
            ),
        ));
    }
    Ok(())
}

/// Where a reply on `ticket` to its requester `contact` (the contact mail
/// to them goes to) is sent: [`preferred_address`] of the ticket's
/// [`reply_address`](Ticket::reply_address).
pub(super) fn reply_address(ticket: &Ticket, contact: &crate::model::Contact) -> Option<String> {
    preferred_address(ticket.reply_address.as_deref(), contact).map(str::to_string)
}

/// `preferred` (a ticket's reply address) while it is one of `contact`'s
/// addresses, else the contact's first.
pub(super) fn preferred_address<'a>(
    preferred: Option<&'a str>,
    contact: &'a crate::model::Contact,
) -> Option<&'a str> {
    preferred
        .filter(|a| contact.has_email(a))
        .or(contact.emails.first().map(String::as_str))
}

/// In-Reply-To (the last inbound Message-ID) and References (the last 20
/// Message-IDs) of a reply, from a ticket's [`Store::thread_ids`].
///
/// [`Store::thread_ids`]: crate::ports::Store::thread_ids
fn thread_of(ids: Vec<(Direction, String)>) -> (Vec<String>, Vec<String>) {
    let in_reply_to = ids
        .iter()
        .rev()
        .find(|(d, _)| *d == Direction::Inbound)
        .map(|(_, id)| id.clone())
        .into_iter()
        .collect();
    let skip = ids.len().saturating_sub(20);
    let references = ids.into_iter().skip(skip).map(|(_, id)| id).collect();
    (in_reply_to, references)
}

impl Helpdesk {
    /// Adds a public reply of `agent` and queues it for delivery through the
    /// outbox (sent by [`dispatch_outbox`](Helpdesk::dispatch_outbox)). The
    /// ticket's state does not change. It goes to the requester's first
    /// address (of the contact it was merged into, if it was) and the
    /// ticket's cc; an email reply with neither is [`Error::Validation`]
    /// (`to`) and writes nothing.
    pub async fn reply(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
        reply: Reply,
    ) -> Result<Message> {
        let (message, _) = self
            .run(workspace, || {
                self.plan_reply(workspace, ticket, agent, &reply)
            })
            .await?;
        Ok(message)
    }

    async fn plan_reply(
        &self,
        workspace: WorkspaceId,
        id: TicketId,
        agent: AgentId,
        reply: &Reply,
    ) -> Result<Plan<Message>> {
        let now = self.clock.now();
        check_reply(reply)?;
        let ticket = self.store.get_ticket(workspace, id).await?;
        let mut next = ticket.clone();
        let mut commit = Commit::default();
        let mut events = Vec::with_capacity(1);
        let message = self
            .add_reply(
                workspace,
                &mut next,
                agent,
                reply,
                now,
                &mut commit,
                &mut events,
            )
            .await?;
        write_ticket(&mut commit, &ticket, next, events, Actor::Agent(agent), now);
        Ok(Plan::new(commit, message))
    }

    /// Writes `reply` (checked by [`check_reply`]) of `agent` onto `ticket`
    /// as it stands in a command at `now`: the message and its outbox row
    /// into `commit`, its event into `events`, the ticket's times changed.
    /// The caller writes the ticket.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn add_reply(
        &self,
        workspace: WorkspaceId,
        ticket: &mut Ticket,
        agent: AgentId,
        reply: &Reply,
        now: DateTime<Utc>,
        commit: &mut Commit,
        events: &mut Vec<EventKind>,
    ) -> Result<Message> {
        refuse_if_final(ticket, "a reply")?;
        let contact = self
            .mail_contact(workspace, ticket.requester)
            .await?
            .ok_or_else(|| Error::not_found("contact", ticket.requester))?;
        let mut cc = ticket.cc.clone();
        for address in &reply.cc {
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
        let id = ticket.id;
        let (in_reply_to, references) = thread_of(self.store.thread_ids(workspace, id).await?);
        let at = reply.send_at.unwrap_or(now).max(now);

        let mut message = agent_message(ticket, agent, &reply.text, Visibility::Public, now);
        // (Sanitised as inbound HTML is: whoever shows it later, in the
        // agents' view or the public link, shows no script.)
        message.html = reply.html.as_deref().map(crate::mail::sanitize_html);
        // (From the address the ticket's mail came in at, when it has one.)
        message.from = self.sender_of(ticket);
        message.to = reply_address(ticket, &contact).into_iter().collect();
        message.cc = cc;
        if message.channel == Channel::Email && message.to.is_empty() && message.cc.is_empty() {
            // (Refused now, not failed at the outbox later.)
            return Err(Error::validation(
                "to",
                "the requester has no email address and the ticket no cc to answer to",
            ));
        }
        message.attachments = reply.attachments.clone();
        message.email.message_id = Some(self.outgoing_message_id(workspace, id, message.id));
        message.email.in_reply_to = in_reply_to;
        message.email.references = references;
        message.send_state = Some(SendState::Scheduled { at });

        ticket.times.updated = now;
        ticket.times.last_outbound = Some(now);
        ticket.times.first_response.get_or_insert(now);
        commit.outbox.push(OutboxWrite::Enqueue(OutboxItem::new(
            workspace,
            id,
            message.id,
            ticket.channel.clone(),
            at,
        )));
        events.push(EventKind::MessageAdded {
            message: message.id,
            direction: Direction::Outbound,
            visibility: Visibility::Public,
        });
        commit.messages.push(message.clone());
        Ok(message)
    }

    /// Adds an internal note of plain text: [`note`](Helpdesk::note) with
    /// [`Note::text`]. Notes never leave the system.
    pub async fn add_note(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
        text: &str,
    ) -> Result<Message> {
        self.note(workspace, ticket, agent, Note::text(text)).await
    }

    /// Adds an internal note, with files: never sent, never shown to the
    /// customer. [`Error::Validation`] for a note with neither text nor
    /// files, or with a file that has no stored bytes.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket, Note};
    /// # use helpdesk_core::model::{AgentId, Visibility, WorkspaceId};
    /// # use helpdesk_core::ports::MemoryBlobs;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new()))
    ///     .blobs(Arc::new(MemoryBlobs::new()))
    ///     .build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Parcel", "Where is it?"))
    ///     .await?;
    /// let photo = desk.upload(ws, "label.jpg", "image/jpeg", b"\xff\xd8 label".to_vec()).await?;
    /// let note = desk
    ///     .note(ws, ticket.id, agent, Note::text("Label as the courier sent it.").attach(photo))
    ///     .await?;
    /// assert_eq!((note.visibility, note.attachments.len()), (Visibility::Internal, 1));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn note(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
        note: Note,
    ) -> Result<Message> {
        let (message, _) = self
            .run(workspace, || async {
                let now = self.clock.now();
                check_note(&note)?;
                let current = self.store.get_ticket(workspace, ticket).await?;
                let mut next = current.clone();
                let mut commit = Commit::default();
                let mut events = Vec::with_capacity(1);
                let message = add_note_to(&mut next, agent, &note, now, &mut commit, &mut events)?;
                write_ticket(
                    &mut commit,
                    &current,
                    next,
                    events,
                    Actor::Agent(agent),
                    now,
                );
                Ok(Plan::new(commit, message))
            })
            .await?;
        Ok(message)
    }

    /// Records a message from the customer on `ticket` (chat, web widget,
    /// phone: any channel but email, which goes through mail ingest). A
    /// Pending or Closed ticket opens again; an Archived ticket is left as it
    /// is and a new ticket, linked to it, receives the message. A message to a
    /// merged ticket lands on the end of its `merged_into` chain.
    pub async fn customer_message(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        contact: ContactId,
        text: &str,
    ) -> Result<CustomerMessageOutcome> {
        self.customer_message_on(workspace, ticket, contact, text, None)
            .await
    }

    /// [`customer_message`](Helpdesk::customer_message) on `channel`
    /// (`None`: the ticket's own).
    pub(super) async fn customer_message_on(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        contact: ContactId,
        text: &str,
        channel: Option<Channel>,
    ) -> Result<CustomerMessageOutcome> {
        let (value, outcome) = self
            .run(workspace, || {
                self.plan_customer_message(workspace, ticket, contact, text, channel.clone())
            })
            .await?;
        let ticket = stored(&outcome, value.ticket.clone());
        Ok(CustomerMessageOutcome { ticket, ..value })
    }

    /// Follows `merged_into` from `id` to the end of the chain.
    pub(crate) async fn chain_end(&self, workspace: WorkspaceId, id: TicketId) -> Result<Ticket> {
        // (No ticket is held across a read, so that the future of this and
        // of every caller stays small.)
        let mut next = id;
        let mut hops = 0;
        loop {
            let ticket = self.store.get_ticket(workspace, next).await?;
            let Some(into) = ticket.merged_into else {
                return Ok(ticket);
            };
            hops += 1;
            if hops > 64 {
                return Err(Error::Storage(
                    format!("merged_into chain from {id} is longer than 64 hops (corrupt data?)")
                        .into(),
                ));
            }
            next = into;
        }
    }

    async fn plan_customer_message(
        &self,
        workspace: WorkspaceId,
        id: TicketId,
        contact: ContactId,
        text: &str,
        channel: Option<Channel>,
    ) -> Result<Plan<CustomerMessageOutcome>> {
        let now = self.clock.now();
        if text.trim().is_empty() {
            return Err(Error::validation("text", "a message cannot be empty"));
        }
        let customer = self
            .store
            .contact(workspace, contact)
            .await?
            .ok_or_else(|| Error::not_found("contact", contact))?;
        let ticket = self.chain_end(workspace, id).await?;
        let actor = Actor::Contact(contact);
        let mut commit = Commit::default();
        let decision = lifecycle::on_customer_reply(&ticket);

        let (mut target, before, follow_up_of) = match decision {
            CustomerReply::OpenFollowUp => {
                let new = follow_up_of(&mut commit, &ticket, ticket.channel.clone(), actor, now);
                (new, None, Some(ticket.id))
            }
            CustomerReply::Append => (ticket.clone(), Some(ticket.clone()), None),
            CustomerReply::Reopen => {
                let out = lifecycle::apply(
                    &ticket,
                    &Transition::CustomerReplied,
                    &LifecycleContext::default(),
                    now,
                )?;
                push_events(&mut commit, &ticket, out.events, actor, now);
                (out.ticket, Some(ticket.clone()), None)
            }
        };

        let mut message = Message::new(
            workspace,
            target.id,
            actor,
            channel.unwrap_or_else(|| target.channel.clone()),
            text,
            now,
        );
        message.subject = target.subject.clone();
        message.from = reply_address(&target, &customer);
        target.unread_count = target.unread_count.saturating_add(1);
        target.unread_by_owner = target.assignee.is_some();
        target.times.last_inbound = Some(now);
        target.times.updated = now;
        let events = vec![EventKind::MessageAdded {
            message: message.id,
            direction: Direction::Inbound,
            visibility: Visibility::Public,
        }];
        match &before {
            Some(before) => write_ticket(&mut commit, before, target.clone(), events, actor, now),
            None => {
                push_events(&mut commit, &target, events, actor, now);
                commit.tickets.push(TicketWrite::Create(target.clone()));
            }
        }
        commit.messages.push(message.clone());
        Ok(Plan::new(
            commit,
            CustomerMessageOutcome {
                ticket: target,
                message,
                reopened: decision == CustomerReply::Reopen,
                follow_up_of,
            },
        ))
    }
}
