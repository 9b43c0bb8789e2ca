//! Macros: admin-defined bundles of actions an agent applies to a ticket in
//! one step (seed 003): field changes, an internal note, a public reply and
//! a state, all in one transaction.

use super::Helpdesk;
use super::messages::{Note, Reply, add_note_to, check_note, check_reply};
use super::plan::{Plan, stored, write_ticket};
use crate::error::{Error, Result};
use crate::fields::{self, TicketUpdate};
use crate::lifecycle::{State, Transition};
use crate::mail;
use crate::model::{Actor, AgentId, EventKind, Message, Ticket, TicketId, WorkspaceId};
use crate::ports::{Commit, StoreExt};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// The state a macro leaves a ticket in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
#[non_exhaustive]
pub enum MacroState {
    /// Pending (from Open), opening again by itself after that many hours
    /// when set.
    Pending {
        /// Hours until it opens again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reopen_after_hours: Option<u32>,
    },
    /// Closed (from Open or Pending; a category's required status must be
    /// set by then, by the macro's own update or before).
    Closed,
    /// Open again (from Closed).
    Open,
}

/// A macro: what it does, in this order: the field changes, the internal
/// note, the public reply, the state. Kept by the host application (it is
/// serde, like [`Mailbox`](super::Mailbox)) and handed to
/// [`Helpdesk::apply_macro`].
///
/// The note and the reply are templates (minijinja, as autoresponders)
/// with `ticket_number`, `subject`, `requester_name`, `requester_email`,
/// `agent_name` and `ticket_token` (for a public link, see
/// [`Helpdesk::public_token`]).
///
/// ```
/// use helpdesk_core::engine::{Macro, MacroState};
/// use helpdesk_core::fields::TicketUpdate;
///
/// let waiting = Macro::new("Ask for the order number")
///     .update(TicketUpdate::default().status("Waiting for customer"))
///     .reply("Hello {{ requester_name }},\n\ncould you send us your order number?")
///     .state(MacroState::Pending { reopen_after_hours: Some(72) });
/// let json = serde_json::to_string(&waiting).unwrap();
/// assert_eq!(serde_json::from_str::<Macro>(&json).unwrap(), waiting);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Macro {
    /// Its name, as agents pick it (logged with each use).
    pub name: String,
    /// Field changes (status, priority, tags, assignee, queue, ...).
    #[serde(default)]
    pub update: TicketUpdate,
    /// An internal note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A public reply, sent through the outbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// The state it leaves the ticket in (none: unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MacroState>,
}

impl Macro {
    /// A macro named `name` that does nothing yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            update: TicketUpdate::default(),
            note: None,
            reply: None,
            state: None,
        }
    }

    /// Sets the field changes.
    pub fn update(mut self, update: TicketUpdate) -> Self {
        self.update = update;
        self
    }

    /// Sets the internal note's template.
    pub fn note(mut self, template: impl Into<String>) -> Self {
        self.note = Some(template.into());
        self
    }

    /// Sets the public reply's template.
    pub fn reply(mut self, template: impl Into<String>) -> Self {
        self.reply = Some(template.into());
        self
    }

    /// Sets the state it leaves the ticket in.
    pub fn state(mut self, state: MacroState) -> Self {
        self.state = Some(state);
        self
    }
}

/// What [`Helpdesk::apply_macro`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MacroOutcome {
    /// The ticket as stored.
    pub ticket: Ticket,
    /// The internal note, when the macro has one.
    pub note: Option<Message>,
    /// The reply, when the macro has one.
    pub reply: Option<Message>,
}

/// The lifecycle move that takes `ticket` to `state`, if it is not there.
fn transition_to(
    ticket: &Ticket,
    state: MacroState,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Transition> {
    match state {
        MacroState::Pending { reopen_after_hours } => {
            let reopen_at = reopen_after_hours.map(|h| now + Duration::hours(i64::from(h)));
            match ticket.state {
                State::Pending if reopen_at.is_none() => None,
                State::Pending => Some(Transition::SetReopenAt(reopen_at)),
                _ => Some(Transition::SetPending { reopen_at }),
            }
        }
        MacroState::Closed => {
            (ticket.state != State::Closed).then_some(Transition::Close { reopen_at: None })
        }
        MacroState::Open => (ticket.state != State::Open).then_some(Transition::Reopen),
    }
}

impl Helpdesk {
    /// Applies `mac` to `ticket` as `agent`: its field changes, note, reply
    /// and state, in that order, in one transaction (if any part is refused,
    /// for example a state the lifecycle does not allow from where the
    /// ticket is, or a reference that does not exist, nothing is written),
    /// with a `MacroApplied` event naming it. A state the ticket is already
    /// in is left as it is. The reply is sent by the outbox as any reply;
    /// a macro's text is the administrator's, so the "mentions an
    /// attachment" warning does not stop it.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, Macro, MacroState, NewTicket};
    /// # use helpdesk_core::lifecycle::State;
    /// # use helpdesk_core::model::{AgentId, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Refund", "Where is my money?"))
    ///     .await?;
    /// let done = Macro::new("Refund sent")
    ///     .reply("Your refund for ticket #{{ ticket_number }} is on its way.")
    ///     .state(MacroState::Closed);
    ///
    /// let out = desk.apply_macro(ws, ticket.id, agent, &done).await?;
    /// assert_eq!(out.ticket.state, State::Closed);
    /// assert!(out.reply.unwrap().text.ends_with("#1 is on its way."));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn apply_macro(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
        mac: &Macro,
    ) -> Result<MacroOutcome> {
        let update = &mac.update;
        self.check_update_refs(workspace, update).await?;
        let agent_name = self
            .store
            .agent(workspace, agent)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let actor = Actor::Agent(agent);
        let (value, outcome) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                let mut commit = Commit::default();
                let (mut next, mut events) = fields::apply_update(&current, update, actor, now)?;
                // (The templates see the ticket as the update left it.)
                let requester = self.store.contact(workspace, next.requester).await?;
                let number = next.number.0.to_string();
                let subject = next.subject.clone();
                let token = self.public_token(workspace, &next);
                let requester_name = requester.as_ref().and_then(|c| c.name.clone());
                let requester_email = requester
                    .as_ref()
                    .and_then(|c| super::messages::reply_address(&next, c));
                let vars = [
                    ("ticket_number", number.as_str()),
                    ("subject", subject.as_str()),
                    (
                        "requester_name",
                        requester_name.as_deref().unwrap_or_default(),
                    ),
                    (
                        "requester_email",
                        requester_email.as_deref().unwrap_or_default(),
                    ),
                    ("agent_name", agent_name.as_str()),
                    ("ticket_token", token.as_str()),
                ];
                let render = |field: &'static str, template: &str| {
                    mail::render_vars(template, &vars)
                        .map_err(|e| Error::validation(field, e.to_string()))
                };
                let note = match &mac.note {
                    Some(template) => {
                        let note = Note::text(render("note", template)?);
                        check_note(&note)?;
                        Some(add_note_to(
                            &mut next,
                            agent,
                            &note,
                            now,
                            &mut commit,
                            &mut events,
                        )?)
                    }
                    None => None,
                };
                let reply = match &mac.reply {
                    Some(template) => {
                        let reply = Reply::text(render("reply", template)?).confirm();
                        check_reply(&reply)?;
                        Some(
                            self.add_reply(
                                workspace,
                                &mut next,
                                agent,
                                &reply,
                                now,
                                &mut commit,
                                &mut events,
                            )
                            .await?,
                        )
                    }
                    None => None,
                };
                if let Some(transition) = mac.state.and_then(|s| transition_to(&next, s, now)) {
                    let out = self
                        .apply_transition(workspace, &next, &transition, now)
                        .await?;
                    next = out.ticket;
                    events.extend(out.events);
                }
                events.push(EventKind::MacroApplied {
                    name: mac.name.clone(),
                });
                write_ticket(&mut commit, &current, next.clone(), events, actor, now);
                Ok(Plan::new(
                    commit,
                    MacroOutcome {
                        ticket: next,
                        note,
                        reply,
                    },
                ))
            })
            .await?;
        let ticket = stored(&outcome, value.ticket.clone());
        Ok(MacroOutcome { ticket, ..value })
    }
}
