//! The customer's public link to a ticket (seed 001): status and public
//! history without logging in, and a way to answer.
//!
//! The link carries a token: the ticket id with an 80-bit HMAC tag under a
//! key of the workspace kept for links alone, so the tokens in our
//! Message-IDs and plus addresses (which travel wherever mail is forwarded)
//! open nothing, and no link can be guessed or made for another ticket.

use super::Helpdesk;
use super::attachments::AttachmentContent;
use super::messages::CustomerMessageOutcome;
use super::plan::{Plan, stored, write_ticket};
use crate::error::{Error, Result};
use crate::lifecycle::State;
use crate::model::{
    Actor, Channel, Classification, Direction, EventKind, Message, MessageId, SendState, Ticket,
    TicketId, TicketNumber, Visibility, WorkspaceId,
};
use crate::ports::{Commit, StoreExt};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A ticket as its customer sees it through the public link.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PublicTicket {
    /// The ticket shown (for a merged ticket of the same customer, the one
    /// it was merged into).
    pub id: TicketId,
    /// Its number.
    pub number: TicketNumber,
    /// Its subject.
    pub subject: String,
    /// Its lifecycle state.
    pub state: State,
    /// Its status label.
    pub status: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// The conversation the customer may see, oldest first: their own
    /// messages (mail only when a person wrote it: no auto-replies or
    /// bounces) and the replies sent to them (not internal notes, forwards
    /// or their answers, nor a reply still waiting to be sent or cancelled);
    /// of tickets merged into this one, only those of the same customer.
    pub messages: Vec<PublicMessage>,
}

/// One message of a [`PublicTicket`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PublicMessage {
    /// The message (for [`Helpdesk::public_attachment`]).
    pub id: MessageId,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Whether the customer wrote it (else the helpdesk answered).
    pub from_customer: bool,
    /// Its text as shown (quoted history and signature cut).
    pub text: String,
    /// Its HTML, if any, sanitised ([`sanitize_html`](crate::mail::sanitize_html)).
    pub html: Option<String>,
    /// Its files' names and sizes, by index.
    pub files: Vec<(String, u64)>,
}

/// Whether the customer sees `m`.
fn is_shown(m: &Message) -> bool {
    if m.visibility != Visibility::Public {
        return false;
    }
    match m.direction {
        Direction::Inbound => m.classification == Classification::Human,
        Direction::Outbound => !matches!(
            m.send_state,
            Some(SendState::Scheduled { .. } | SendState::Cancelled)
        ),
    }
}

impl Helpdesk {
    /// The token of `ticket`'s public link (42 characters of `a-z2-7`),
    /// also offered to autoresponder templates through a mailbox's
    /// [`public_url`](super::Mailbox::public_url) as `{ticket_token}`. It
    /// is signed for the ticket and its requester: once the ticket has
    /// another requester (moved with [`TicketUpdate::requester`](crate::fields::TicketUpdate::requester)
    /// or [`merge_contacts`](Helpdesk::merge_contacts)), earlier links open
    /// nothing; so do links made before
    /// [`revoke_public_links`](Helpdesk::revoke_public_links) (pass the
    /// ticket as it is now: a copy read before a revocation makes a link
    /// that opens nothing).
    pub fn public_token(&self, workspace: WorkspaceId, ticket: &Ticket) -> String {
        self.identity(workspace)
            .link_signer(ticket.requester, ticket.link_revision)
            .sign(ticket.id.as_u128())
    }

    /// The ticket a public-link token names (case-insensitive), with the
    /// end of its merge chain (itself when it was not merged), or
    /// [`Error::NotFound`] for a token that is not one or has expired: the
    /// same error as for a ticket deleted since, so a caller learns nothing
    /// by guessing.
    async fn linked_ticket(&self, workspace: WorkspaceId, token: &str) -> Result<(Ticket, Ticket)> {
        let not_found = || Error::not_found("ticket", "(public link)");
        let claimed = crate::mail::token::claimed_ticket(token)
            .map(TicketId::from_u128)
            .ok_or_else(not_found)?;
        let ticket = self
            .store
            .ticket(workspace, claimed)
            .await?
            .ok_or_else(not_found)?;
        match self
            .identity(workspace)
            .link_signer(ticket.requester, ticket.link_revision)
            .verify(token.trim())
        {
            Some(id) if id == claimed.as_u128() => {}
            _ => return Err(not_found()),
        }
        let end = match ticket.merged_into {
            Some(_) => self.chain_end(workspace, ticket.id).await?,
            None => ticket.clone(),
        };
        // (Expired: the ticket it went into was closed too long ago.)
        if let Some(expiry) = self.config.public_link_expiry
            && end
                .times
                .closed
                .is_some_and(|at| self.clock.now() - at > expiry)
        {
            return Err(not_found());
        }
        Ok((ticket, end))
    }

    /// What the customer sees through the public link with `token` (see
    /// [`PublicTicket`]). A bad token is [`Error::NotFound`], as is a link
    /// expired by [`EngineConfig::public_link_expiry`](super::EngineConfig::public_link_expiry).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket, Reply};
    /// # use helpdesk_core::model::{AgentId, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Lamp", "It flickers."))
    ///     .await?;
    /// desk.add_note(ws, ticket.id, agent, "Third one this month").await?;
    ///
    /// let token = desk.public_token(ws, &ticket);
    /// let public = desk.public_ticket(ws, &token).await?;
    /// assert_eq!(public.messages.len(), 1, "the note is not shown");
    /// desk.reply_via_link(ws, &token, "Still flickering").await?;
    /// assert_eq!(desk.public_ticket(ws, &token).await?.messages.len(), 2);
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn public_ticket(&self, workspace: WorkspaceId, token: &str) -> Result<PublicTicket> {
        let (linked, shown) = self.shown_ticket(workspace, token).await?;
        let conversation = self.conversation(workspace, shown).await?;
        let theirs = self
            .customers_tickets(workspace, shown, &conversation.merged, &linked)
            .await?;
        let messages = conversation
            .messages()
            .filter(|m| theirs.contains(&m.ticket) && is_shown(m))
            .map(|m| PublicMessage {
                id: m.id,
                at: m.created_at,
                from_customer: m.direction == Direction::Inbound,
                text: m.shown_text().to_string(),
                // (Sanitised again, though the engine stores HTML
                // sanitised: messages stored before it did, or written by
                // other code, may hold anything, and this page is open
                // without a login.)
                html: m.html.as_deref().map(crate::mail::sanitize_html),
                files: m
                    .attachments
                    .iter()
                    .map(|a| (a.name.clone(), a.size))
                    .collect(),
            })
            .collect();
        let t = conversation.ticket;
        Ok(PublicTicket {
            id: t.id,
            number: t.number,
            subject: t.subject,
            state: t.state,
            status: t.status,
            created_at: t.times.created,
            messages,
        })
    }

    /// A file of a message shown through the public link with `token`
    /// ([`PublicMessage::files`] by index). A message the link does not
    /// show is [`Error::NotFound`], as a bad token is.
    pub async fn public_attachment(
        &self,
        workspace: WorkspaceId,
        token: &str,
        message: MessageId,
        index: usize,
    ) -> Result<AttachmentContent> {
        // (The one message is read, not the page: a page of pictures asks
        // for each.)
        let (linked, shown) = self.shown_ticket(workspace, token).await?;
        let merged = self.all_merged_sources(workspace, shown).await?;
        let theirs = self
            .customers_tickets(workspace, shown, &merged, &linked)
            .await?;
        match self.store.message(workspace, message).await? {
            Some(m) if theirs.contains(&m.ticket) && is_shown(&m) => {
                self.attachment(workspace, message, index).await
            }
            _ => Err(Error::not_found("message", message)),
        }
    }

    /// The ticket the link with `token` names, and the ticket it shows: a
    /// merged ticket shows the one it went into when that is the same
    /// customer's and the link is not older than that ticket's last
    /// revocation; else itself.
    async fn shown_ticket(
        &self,
        workspace: WorkspaceId,
        token: &str,
    ) -> Result<(Ticket, TicketId)> {
        let (linked, end) = self.linked_ticket(workspace, token).await?;
        let shown =
            if end.requester == linked.requester && linked.link_revision >= end.link_revision {
                end.id
            } else {
                linked.id
            };
        Ok((linked, shown))
    }

    /// The tickets whose messages the link of `linked` shows: `shown` and,
    /// of the tickets `merged` into it, those of the same customer.
    async fn customers_tickets(
        &self,
        workspace: WorkspaceId,
        shown: TicketId,
        merged: &[TicketId],
        linked: &Ticket,
    ) -> Result<Vec<TicketId>> {
        let mut theirs = vec![shown];
        for id in merged {
            if self.store.get_ticket(workspace, *id).await?.requester == linked.requester {
                theirs.push(*id);
            }
        }
        Ok(theirs)
    }

    /// Revokes the public links of `ticket` and of the tickets merged into
    /// it: links made before open nothing (the customer's mail that carried
    /// them was forwarded, say); [`public_token`](Helpdesk::public_token)
    /// makes new ones. Each ticket's [`Ticket::link_revision`] moves on,
    /// with a `PublicLinksRevoked` event, in one transaction. An Archived
    /// ticket never changes: [`Error::Validation`]. (An Archived ticket
    /// merged into this one keeps its links, which then show only its own
    /// conversation.)
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket};
    /// # use helpdesk_core::model::{Actor, AgentId, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Lamp", "It flickers."))
    ///     .await?;
    /// let old = desk.public_token(ws, &ticket);
    ///
    /// let ticket = desk.revoke_public_links(ws, ticket.id, Actor::Agent(agent)).await?;
    /// assert!(desk.public_ticket(ws, &old).await.is_err());
    /// let new = desk.public_token(ws, &ticket);
    /// assert_eq!(desk.public_ticket(ws, &new).await?.messages.len(), 1);
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn revoke_public_links(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        actor: Actor,
    ) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                crate::fields::refuse_archived(&current)?;
                let mut commit = Commit::default();
                let next = revoked(&mut commit, &current, actor, now)?;
                for id in self.all_merged_sources(workspace, ticket).await? {
                    let merged = self.store.get_ticket(workspace, id).await?;
                    if merged.state != State::Archived {
                        revoked(&mut commit, &merged, actor, now)?;
                    }
                }
                Ok(Plan::new(commit, next))
            })
            .await?;
        Ok(stored(&outcome, ticket))
    }

    /// The customer answers through the public link with `token`: a
    /// [`customer_message`](Helpdesk::customer_message) of the ticket's
    /// requester on the `Web` channel (it reopens a Pending or Closed
    /// ticket; on an Archived one it opens a linked follow-up; on a merged
    /// one it lands where the ticket was merged into). A bad token is
    /// [`Error::NotFound`]; an empty text [`Error::Validation`].
    pub async fn reply_via_link(
        &self,
        workspace: WorkspaceId,
        token: &str,
        text: &str,
    ) -> Result<CustomerMessageOutcome> {
        let (ticket, _) = self.linked_ticket(workspace, token).await?;
        self.customer_message_on(
            workspace,
            ticket.id,
            ticket.requester,
            text,
            Some(Channel::Web),
        )
        .await
    }
}

/// `ticket` with its link revision moved on, written into `commit` with its
/// `PublicLinksRevoked` event.
fn revoked(
    commit: &mut Commit,
    ticket: &Ticket,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Ticket> {
    let mut next = ticket.clone();
    next.link_revision = next.link_revision.checked_add(1).ok_or_else(|| {
        Error::validation("link_revision", "the ticket's links were revoked too often")
    })?;
    next.times.updated = now;
    let event = EventKind::PublicLinksRevoked {
        revision: next.link_revision,
    };
    write_ticket(commit, ticket, next.clone(), vec![event], actor, now);
    Ok(next)
}
