//! Forwarding a message or a ticket's conversation to third parties.

use super::Helpdesk;
use super::messages::{Reply, check_reply};
use super::plan::{Plan, write_ticket};
use crate::error::{Error, Result};
use crate::mail::{ForwardHeader, forward_text};
use crate::model::{
    Actor, AgentId, Channel, Direction, EventKind, Message, MessageId, SendState, TicketId,
    Visibility, WorkspaceId, is_plausible_email, normalize_email,
};
use crate::ports::{Commit, OutboxItem, OutboxWrite, StoreExt};

/// What a forward carries: one message, or the whole conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardScope {
    /// One message of the ticket (or of a ticket merged into it), with its
    /// full text.
    Message(MessageId),
    /// Every message of the conversation, oldest first, each with its
    /// shown text.
    Conversation,
}

/// A forward to addresses outside the conversation (a courier, a
/// supplier, a colleague without a seat): see [`Helpdesk::forward`].
///
/// ```
/// use helpdesk_core::engine::Forward;
/// let forward = Forward::conversation()
///     .to("claims@courier.example")
///     .text("Parcel 7731: could you trace it?")
///     .with_internal_notes();
/// assert_eq!(forward.to, ["claims@courier.example"]);
/// assert!(forward.internal_notes);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Forward {
    /// What is forwarded.
    pub scope: ForwardScope,
    /// Recipients (at least one).
    pub to: Vec<String>,
    /// Copies.
    pub cc: Vec<String>,
    /// The agent's own words, above the forwarded messages.
    pub text: String,
    /// Whether internal notes (and earlier forwards and their answers) go
    /// too. Without it a conversation carries only what the customer sees,
    /// and forwarding one internal note is refused.
    pub internal_notes: bool,
}

impl Forward {
    /// A forward of one message.
    pub fn message(id: MessageId) -> Self {
        Self::of(ForwardScope::Message(id))
    }

    /// A forward of the whole conversation.
    pub fn conversation() -> Self {
        Self::of(ForwardScope::Conversation)
    }

    fn of(scope: ForwardScope) -> Self {
        Self {
            scope,
            to: Vec::new(),
            cc: Vec::new(),
            text: String::new(),
            internal_notes: false,
        }
    }

    /// Adds a recipient.
    pub fn to(mut self, address: impl Into<String>) -> Self {
        self.to.push(address.into());
        self
    }

    /// Adds a copy recipient.
    pub fn cc(mut self, address: impl Into<String>) -> Self {
        self.cc.push(address.into());
        self
    }

    /// Sets the agent's own words.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// Forwards internal notes too.
    pub fn with_internal_notes(mut self) -> Self {
        self.internal_notes = true;
        self
    }
}

/// The addresses normalised, each once, or [`Error::Validation`] naming
/// `field`.
fn addresses(field: &'static str, list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for address in list {
        if !is_plausible_email(address) {
            return Err(Error::validation(
                field,
                format!("{address:?} is not an email address"),
            ));
        }
        let address = normalize_email(address);
        if !out.contains(&address) {
            out.push(address);
        }
    }
    Ok(out)
}

/// The commit of `message`, a mail to third parties on `ticket` sent from
/// `at`: the message, its outbox row (email, whatever the ticket's
/// channel), its event (and `also`, if any) and the ticket, written at
/// `now` by `actor`. No answer to the customer: the ticket's response times
/// stay.
fn third_party_mail(
    ticket: &crate::model::Ticket,
    message: &Message,
    at: chrono::DateTime<chrono::Utc>,
    also: Option<EventKind>,
    actor: Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Commit {
    let mut next = ticket.clone();
    next.times.updated = now;
    let mut commit = Commit::default();
    commit.outbox.push(OutboxWrite::Enqueue(OutboxItem::new(
        ticket.workspace,
        ticket.id,
        message.id,
        Channel::Email,
        at,
    )));
    let mut events = vec![EventKind::MessageAdded {
        message: message.id,
        direction: Direction::Outbound,
        visibility: Visibility::ThirdParty,
    }];
    events.extend(also);
    write_ticket(&mut commit, ticket, next, events, actor, now);
    commit.messages.push(message.clone());
    commit
}

impl Helpdesk {
    /// Forwards one message or the conversation of `ticket` by email to
    /// addresses outside it (seeds 000 and 004): the recipients get the
    /// agent's text, the ticket's number, subject, state, status and who
    /// forwarded it, then the messages with their senders, recipients,
    /// dates and texts ([`mail::forward_text`](crate::mail::forward_text)),
    /// and their files that have stored bytes (the others are listed by
    /// name).
    ///
    /// The forward is a message on the ticket with
    /// [`Visibility::ThirdParty`]: agents see it, the customer does not; it
    /// is sent through the outbox from the ticket's mailbox (a new thread,
    /// our Message-ID, the ticket's subject tag), and a `Forwarded` event is
    /// logged, in one transaction. Mail answering it (by its Message-ID, or
    /// a new mail of a recipient's with the ticket's subject tag) lands on
    /// the ticket as `ThirdParty` too (it may quote internal notes): it
    /// reopens a Pending
    /// ticket, but owes the customer no response. It does not count as an
    /// answer to the customer either.
    ///
    /// No recipient, a bad address, a message not in the conversation, an
    /// internal note without [`Forward::with_internal_notes`], or an
    /// Archived or merged ticket is [`Error::Validation`] /
    /// [`Error::NotFound`]; nothing is written then.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Forward, Helpdesk, NewTicket};
    /// # use helpdesk_core::model::{AgentId, Visibility, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Parcel 7731 lost", "Where is it?"))
    ///     .await?;
    /// let forward = desk
    ///     .forward(ws, ticket.id, agent, Forward::conversation().to("claims@courier.example"))
    ///     .await?;
    /// assert_eq!(forward.visibility, Visibility::ThirdParty);
    /// assert!(forward.text.contains("Where is it?"));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn forward(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
        forward: Forward,
    ) -> Result<Message> {
        let to = addresses("to", &forward.to)?;
        let cc = addresses("cc", &forward.cc)?;
        if to.is_empty() {
            return Err(Error::validation("to", "a forward needs a recipient"));
        }
        let forwarded_by = match self.store.agent(workspace, agent).await? {
            Some(a) => match &a.email {
                Some(email) => format!("{} <{email}>", a.name),
                None => a.name,
            },
            None => format!("agent {agent}"),
        };
        let actor = Actor::Agent(agent);
        let (message, _) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let conversation = self.conversation(workspace, ticket).await?;
                let current = &conversation.ticket;
                super::messages::refuse_if_final(current, "a forward")?;
                let shown =
                    |m: &&Message| forward.internal_notes || m.visibility == Visibility::Public;
                let (messages, full_text): (Vec<&Message>, bool) = match forward.scope {
                    ForwardScope::Message(id) => {
                        let message = conversation
                            .messages()
                            .find(|m| m.id == id)
                            .ok_or_else(|| Error::not_found("message", id))?;
                        if !shown(&message) {
                            return Err(Error::validation(
                                "internal_notes",
                                "an internal note is forwarded only with internal notes",
                            ));
                        }
                        (vec![message], true)
                    }
                    ForwardScope::Conversation => {
                        (conversation.messages().filter(shown).collect(), false)
                    }
                };
                let header = ForwardHeader {
                    ticket: current,
                    forwarded_by: &forwarded_by,
                };
                let text = forward_text(&header, &forward.text, &messages, full_text);
                let mut message =
                    Message::new(workspace, current.id, actor, Channel::Email, text, now);
                message.direction = Direction::Outbound;
                message.visibility = Visibility::ThirdParty;
                message.subject = format!("Fwd: {}", current.subject);
                message.from = self.sender_of(current);
                message.to = to.clone();
                message.cc = cc.clone();
                // (The files with stored bytes go along, shared, as plain
                // attachments: the forward's text shows no inline image.)
                message.attachments = messages
                    .iter()
                    .flat_map(|m| &m.attachments)
                    .filter(|a| a.blob.is_some() && !a.too_large)
                    .map(|a| {
                        let mut file = a.clone();
                        file.content_id = None;
                        file.inline = false;
                        file
                    })
                    .collect();
                message.email.message_id =
                    Some(self.forward_message_id(workspace, current.id, message.id));
                message.send_state = Some(SendState::Scheduled { at: now });

                let forwarded = EventKind::Forwarded {
                    message: message.id,
                    to: to.iter().chain(&cc).cloned().collect(),
                };
                let commit = third_party_mail(current, &message, now, Some(forwarded), actor, now);
                Ok(Plan::new(commit, message))
            })
            .await?;
        Ok(message)
    }

    /// Answers a third party's mail on `ticket` (an inbound message of
    /// [`Visibility::ThirdParty`]: an answer to a [`forward`](Helpdesk::forward))
    /// with `reply`: sent to its sender (and the reply's Cc), in its thread
    /// (In-Reply-To and References), through the outbox; the answer is
    /// `ThirdParty` too, and so is the mail that answers it in turn. It is
    /// no answer to the customer (the SLA's response times do not move).
    /// A message that is not such a mail of the conversation is
    /// [`Error::NotFound`] / [`Error::Validation`]; a reply that mentions an
    /// attachment without one needs confirming, as any reply.
    pub async fn reply_to_third_party(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
        message: MessageId,
        reply: Reply,
    ) -> Result<Message> {
        check_reply(&reply)?;
        let cc = addresses("cc", &reply.cc)?;
        let actor = Actor::Agent(agent);
        let (answer, _) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let conversation = self.conversation(workspace, ticket).await?;
                let current = &conversation.ticket;
                super::messages::refuse_if_final(current, "a reply")?;
                let theirs = conversation
                    .messages()
                    .find(|m| m.id == message)
                    .ok_or_else(|| Error::not_found("message", message))?;
                let sender = match (&theirs.from, theirs.visibility, theirs.direction) {
                    (Some(from), Visibility::ThirdParty, Direction::Inbound)
                        if is_plausible_email(from) =>
                    {
                        normalize_email(from)
                    }
                    _ => {
                        return Err(Error::validation(
                            "message",
                            "only a third party's mail on the ticket is answered this way",
                        ));
                    }
                };
                let at = reply.send_at.unwrap_or(now).max(now);
                let mut answer = Message::new(
                    workspace,
                    current.id,
                    actor,
                    Channel::Email,
                    reply.text.clone(),
                    now,
                );
                answer.direction = Direction::Outbound;
                answer.visibility = Visibility::ThirdParty;
                answer.subject = match theirs.subject.get(..3) {
                    Some(re) if re.eq_ignore_ascii_case("re:") => theirs.subject.clone(),
                    _ => format!("Re: {}", theirs.subject),
                };
                answer.html = reply.html.as_deref().map(crate::mail::sanitize_html);
                answer.from = self.sender_of(current);
                answer.to = vec![sender];
                answer.cc = cc.clone();
                answer.attachments = reply.attachments.clone();
                answer.email.message_id =
                    Some(self.forward_message_id(workspace, current.id, answer.id));
                answer.email.in_reply_to = theirs.email.message_id.iter().cloned().collect();
                answer.email.references = theirs
                    .email
                    .references
                    .iter()
                    .chain(theirs.email.message_id.iter())
                    .cloned()
                    .collect();
                answer.send_state = Some(SendState::Scheduled { at });

                let commit = third_party_mail(current, &answer, at, None, actor, now);
                Ok(Plan::new(commit, answer))
            })
            .await?;
        Ok(answer)
    }
}
