//! A new ticket made of one message of another ticket ("split").

use super::Helpdesk;
use super::plan::{Plan, push_events, stored};
use crate::error::{Error, Result};
use crate::lifecycle::State;
use crate::links;
use crate::model::{
    Actor, AgentId, ContactId, Direction, EventKind, Message, MessageId, Ticket, WorkspaceId,
    normalized_email,
};
use crate::ports::{Commit, TicketWrite};

impl Helpdesk {
    /// Opens a new ticket from one message of a ticket: the message is
    /// copied into it (text, HTML, shown text, attachments, addresses,
    /// author, direction and visibility; the copy is nothing to send and
    /// has no email Message-ID, so the conversation's replies keep
    /// threading onto the ticket the message is on). The new ticket takes
    /// the subject, queue, team, category, priority, owner and mailbox of
    /// that ticket (for a message of a merged ticket: of the ticket it was
    /// merged into, where it is shown), and is Open without a status
    /// label. Its requester is the message's author when a contact wrote
    /// it (a participant in Cc gets a ticket of their own), else that
    /// ticket's requester; its cc are the message's Cc but our own
    /// addresses and the requester's, so that replies reach everyone the
    /// message was written to.
    ///
    /// With `as_child`, the new ticket is a child of the message's ticket
    /// (an Archived ticket takes no children: [`Error::Validation`]);
    /// without, the two are related. Both tickets log it (`SplitOff`,
    /// `SplitFrom`), in one transaction. The files are shared: erasing one
    /// ticket leaves the other's bytes (see
    /// [`Store::blobs_in_use`](crate::ports::Store::blobs_in_use)).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket};
    /// # use helpdesk_core::model::{AgentId, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let order = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Order 1042", "Where is it?"))
    ///     .await?;
    /// let conversation = desk.conversation(ws, order.id).await?;
    /// let question = conversation.messages().next().expect("the customer's question").id;
    /// let complaint = desk.ticket_from_message(ws, question, agent, true).await?;
    /// assert_eq!((complaint.parent, complaint.subject.as_str()), (Some(order.id), "Order 1042"));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn ticket_from_message(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        agent: AgentId,
        as_child: bool,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let original = self
                    .store
                    .message(workspace, message)
                    .await?
                    .ok_or_else(|| Error::not_found("message", message))?;
                // (A message of a merged ticket is shown on the end of its
                // `merged_into` chain: that is the ticket it is split from.)
                let source = self.chain_end(workspace, original.ticket).await?;
                let requester = match original.author {
                    Actor::Contact(c) => c,
                    _ => source.requester,
                };
                let mut new = Ticket::new(
                    workspace,
                    source.subject.clone(),
                    requester,
                    original.channel.clone(),
                    now,
                );
                new.priority = source.priority;
                new.queue = source.queue;
                new.team = source.team;
                new.category = source.category;
                new.assignee = source.assignee;
                new.mailbox = source.mailbox.clone();
                new.cc = self
                    .split_cc(workspace, &original, &source, requester)
                    .await?;
                // (Answers go where the message came from, when its author
                // is the requester; else where the ticket's went.)
                new.reply_address = match original.author {
                    Actor::Contact(_) => original
                        .from
                        .as_deref()
                        .map(|a| normalized_email(a).as_ref().into()),
                    _ => source.reply_address.clone(),
                };
                let copy = copy_of(&original, &new, now);
                match copy.direction {
                    Direction::Inbound => {
                        new.unread_count = 1;
                        // (Unread by its owner, unless the owner split it off.)
                        new.unread_by_owner = new.assignee.is_some_and(|a| a != agent);
                        new.times.last_inbound = Some(now);
                    }
                    Direction::Outbound => {}
                }
                let actor = Actor::Agent(agent);
                let mut commit = Commit::default();
                let mut new_events = vec![
                    EventKind::Created {
                        channel: new.channel.clone(),
                    },
                    EventKind::SplitFrom {
                        ticket: source.id,
                        message,
                    },
                    EventKind::MessageAdded {
                        message: copy.id,
                        direction: copy.direction,
                        visibility: copy.visibility,
                    },
                ];
                let mut source_events = vec![EventKind::SplitOff {
                    message,
                    ticket: new.id,
                }];
                if as_child {
                    let out = links::link(&new, &source, &[], now)?;
                    for (id, event) in out.events {
                        if id == new.id {
                            new_events.push(event);
                        } else {
                            source_events.push(event);
                        }
                    }
                    new = out.child;
                } else {
                    new.related.insert(source.id);
                }
                push_events(&mut commit, &source, source_events, actor, now);
                push_events(&mut commit, &new, new_events, actor, now);
                commit.tickets.push(TicketWrite::Create(new.clone()));
                // (The ticket the message is on is written unchanged, so that
                // its version moves with its new event, as a link's parent
                // does; an Archived ticket never changes again.)
                if source.state != State::Archived {
                    commit.tickets.push(TicketWrite::Update {
                        ticket: source.clone(),
                        expected_version: source.version,
                    });
                }
                commit.messages.push(copy);
                Ok(Plan::new(commit, new))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }
}

impl Helpdesk {
    /// The cc of a ticket split off from `original` (a message shown on
    /// `source`) for `requester`: the message's Cc, as a ticket opened by
    /// mail takes it, but for our own addresses (the mailbox's, the default
    /// sender's, our plus addresses) and the new requester's.
    async fn split_cc(
        &self,
        workspace: WorkspaceId,
        original: &Message,
        source: &Ticket,
        requester: ContactId,
    ) -> Result<Vec<String>> {
        let contact = self.store.contact(workspace, requester).await?;
        let ours = |a: &str| {
            [
                source.mailbox.as_deref(),
                self.config.default_from.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|own| normalized_email(own) == a)
                || self.ticket_of_address(workspace, a).is_some()
        };
        Ok(super::plan::ticket_cc(
            original.cc.iter().map(String::as_str),
            |a| !ours(a) && !contact.as_ref().is_some_and(|c| c.has_email(a)),
            self.config.mail.max_ticket_cc,
        ))
    }
}

/// `original` copied onto the new ticket `ticket` at `now`: a message of
/// its own, with nothing to send and no email ids (the conversation threads
/// onto the original), and without the raw mail unless a file of it is read
/// from there.
fn copy_of(original: &Message, ticket: &Ticket, now: chrono::DateTime<chrono::Utc>) -> Message {
    let mut copy = original.clone();
    copy.id = MessageId::new();
    copy.ticket = ticket.id;
    copy.created_at = now;
    copy.email = Default::default();
    copy.send_state = None;
    // (The raw mail stays with the original; the copy keeps it only to read
    // back files whose bytes are in no blob store.)
    if copy
        .attachments
        .iter()
        .all(|a| a.blob.is_some() || a.too_large)
    {
        copy.raw = None;
    }
    copy
}
