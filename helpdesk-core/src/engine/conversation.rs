//! The conversation view: messages and events interleaved in time order.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::model::{Event, Message, MessageId, Ticket, TicketId, WorkspaceId};
use crate::ports::StoreExt;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One line of a conversation view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "entry")]
pub enum Entry {
    /// A message.
    Message(Box<Message>),
    /// A history event.
    Event(Box<Event>),
}

impl Entry {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Entry::Message(m) => m.created_at,
            Entry::Event(e) => e.at,
        }
    }
}

/// A ticket with its messages and events, including those of every ticket
/// merged into it, oldest first. At equal times a message comes before the
/// events it caused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The ticket.
    pub ticket: Ticket,
    /// Tickets merged into it (directly or through a chain).
    pub merged: Vec<TicketId>,
    /// Messages and events.
    pub entries: Vec<Entry>,
}

impl Conversation {
    /// The messages only.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Message(m) => Some(m.as_ref()),
            Entry::Event(_) => None,
        })
    }

    /// The events only.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Event(ev) => Some(ev.as_ref()),
            Entry::Message(_) => None,
        })
    }
}

/// One message found by its id ([`Helpdesk::message`]): what a link to one
/// reply opens (seed 004), with its details (sender, recipients, date).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LinkedMessage {
    /// The message.
    pub message: Message,
    /// The ticket whose conversation shows it: the one it was written on,
    /// or, once that was merged, the ticket at the end of its merge chain.
    pub shown_on: TicketId,
}

impl Helpdesk {
    /// The message `id` and the ticket whose conversation shows it, for a
    /// link to one reply; [`Error::NotFound`] when there is none.
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
    /// let reply = desk.reply(ws, ticket.id, agent, Reply::text("A new bulb is on its way.")).await?;
    ///
    /// let linked = desk.message(ws, reply.id).await?;
    /// assert_eq!((linked.shown_on, linked.message.to.as_slice()), (ticket.id, ["ann@example.com".to_string()].as_slice()));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn message(&self, workspace: WorkspaceId, id: MessageId) -> Result<LinkedMessage> {
        let message = self
            .store
            .message(workspace, id)
            .await?
            .ok_or_else(|| Error::not_found("message", id))?;
        let shown_on = self.chain_end(workspace, message.ticket).await?.id;
        Ok(LinkedMessage { message, shown_on })
    }

    /// The tickets merged into `id`, directly or through a chain, nearest
    /// first ([`Conversation::merged`]).
    pub(super) async fn all_merged_sources(
        &self,
        workspace: WorkspaceId,
        id: TicketId,
    ) -> Result<Vec<TicketId>> {
        let mut merged: Vec<TicketId> = Vec::new();
        let mut i = 0;
        let mut next = Some(id);
        while let Some(target) = next {
            for source in self.store.merged_sources(workspace, target).await? {
                if source == id || merged.contains(&source) {
                    return Err(Error::Storage(
                        format!("merge cycle through {source} (corrupt data?)").into(),
                    ));
                }
                merged.push(source);
            }
            next = merged.get(i).copied();
            i += 1;
        }
        Ok(merged)
    }

    /// The conversation view of a ticket (see [`Conversation`]).
    pub async fn conversation(&self, workspace: WorkspaceId, id: TicketId) -> Result<Conversation> {
        let ticket = self.store.get_ticket(workspace, id).await?;
        let merged = self.all_merged_sources(workspace, id).await?;
        let tickets: Vec<TicketId> = std::iter::once(id).chain(merged.iter().copied()).collect();
        let mut entries = Vec::new();
        for t in &tickets {
            entries.extend(
                self.store
                    .messages(workspace, *t)
                    .await?
                    .into_iter()
                    .map(|m| Entry::Message(Box::new(m))),
            );
            entries.extend(
                self.store
                    .events(workspace, *t)
                    .await?
                    .into_iter()
                    .map(|e| Entry::Event(Box::new(e))),
            );
        }
        entries.sort_by(|a, b| {
            let rank = |e: &Entry| match e {
                Entry::Message(m) => (m.created_at, 0u8, m.id.as_u128()),
                Entry::Event(ev) => (ev.at, 1u8, ev.id.as_u128()),
            };
            rank(a).cmp(&rank(b))
        });
        Ok(Conversation {
            ticket,
            merged,
            entries,
        })
    }

    /// What others changed on `ticket` after `since` (when the caller
    /// loaded it): its events later than `since` by anyone but `me`, oldest
    /// first (seed 003: "someone edited the ticket you have open: you are
    /// told who changed it"). Commands apply to fresh data whatever the
    /// caller loaded (see DESIGN.md §2.5); this tells the agent what moved
    /// under them.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket};
    /// # use helpdesk_core::fields::TicketUpdate;
    /// # use helpdesk_core::model::{Actor, AgentId, EventKind, WorkspaceId};
    /// # use helpdesk_core::ports::{Clock, ManualClock};
    /// # use chrono::{Duration, Utc};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let clock = Arc::new(ManualClock::new(Utc::now()));
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new()))
    ///     .clock(clock.clone())
    ///     .build();
    /// let (ws, me, agnes) = (WorkspaceId::new(), AgentId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Lamp", "It flickers."))
    ///     .await?;
    /// let opened = clock.now();
    /// clock.advance(Duration::seconds(30));
    /// desk.update(ws, ticket.id, Actor::Agent(agnes), TicketUpdate::default().add_tag("vip")).await?;
    ///
    /// let changes = desk.changes_since(ws, ticket.id, opened, Actor::Agent(me)).await?;
    /// assert_eq!(changes.len(), 1);
    /// assert_eq!(changes[0].actor, Actor::Agent(agnes));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn changes_since(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        since: DateTime<Utc>,
        me: crate::model::Actor,
    ) -> Result<Vec<Event>> {
        // (A ticket that does not exist is `NotFound`, not "no changes".)
        self.store.get_ticket(workspace, ticket).await?;
        let mut events: Vec<Event> = self
            .store
            .events(workspace, ticket)
            .await?
            .into_iter()
            .filter(|e| e.at > since && e.actor != me)
            .collect();
        events.sort_by_key(|e| (e.at, e.id));
        Ok(events)
    }
}
