//! Printing a ticket, one message or a subset (see [`crate::print`]).

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::model::{Message, MessageId, TicketId, Visibility, WorkspaceId};
use crate::print::print_page;

/// What [`Helpdesk::print`] prints.
///
/// ```
/// use helpdesk_core::engine::Print;
/// use helpdesk_core::model::MessageId;
/// let one = MessageId::new();
/// assert_eq!(Print::messages([one]).messages, Some(vec![one]));
/// assert!(Print::ticket().with_internal_notes().internal_notes);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Print {
    /// The messages, in conversation order whatever the order here (`None`:
    /// the whole conversation).
    pub messages: Option<Vec<MessageId>>,
    /// Whether internal notes (and forwards and their answers) are printed;
    /// without it the page holds what the customer sees, and choosing an
    /// internal note is refused.
    pub internal_notes: bool,
}

impl Print {
    /// The whole conversation.
    pub fn ticket() -> Self {
        Self {
            messages: None,
            internal_notes: false,
        }
    }

    /// These messages (one, or a subset).
    pub fn messages(ids: impl IntoIterator<Item = MessageId>) -> Self {
        Self {
            messages: Some(ids.into_iter().collect()),
            internal_notes: false,
        }
    }

    /// Internal notes too.
    pub fn with_internal_notes(mut self) -> Self {
        self.internal_notes = true;
        self
    }
}

impl Helpdesk {
    /// A printable HTML page of `ticket` ([`print_page`]): its number,
    /// subject, state, requester, and the chosen messages of its
    /// conversation (with those of tickets merged into it) with senders,
    /// recipients, dates, files and texts. A chosen message not in the
    /// conversation is [`Error::NotFound`]; an internal one without
    /// [`Print::with_internal_notes`] [`Error::Validation`].
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket, Print};
    /// # use helpdesk_core::model::{AgentId, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Lamp", "It flickers."))
    ///     .await?;
    /// desk.add_note(ws, ticket.id, agent, "Third one this month").await?;
    ///
    /// let page = desk.print(ws, ticket.id, &Print::ticket()).await?;
    /// assert!(page.contains("It flickers.") && !page.contains("Third one"));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn print(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        print: &Print,
    ) -> Result<String> {
        let conversation = self.conversation(workspace, ticket).await?;
        let shown = |m: &Message| print.internal_notes || m.visibility == Visibility::Public;
        let messages: Vec<&Message> = match &print.messages {
            None => conversation.messages().filter(|m| shown(m)).collect(),
            Some(ids) => {
                for id in ids {
                    let message = conversation
                        .messages()
                        .find(|m| m.id == *id)
                        .ok_or_else(|| Error::not_found("message", id))?;
                    if !shown(message) {
                        return Err(Error::validation(
                            "internal_notes",
                            "an internal note is printed only with internal notes",
                        ));
                    }
                }
                conversation
                    .messages()
                    .filter(|m| ids.contains(&m.id))
                    .collect()
            }
        };
        let requester = self
            .store
            .contact(workspace, conversation.ticket.requester)
            .await?;
        Ok(print_page(
            &conversation.ticket,
            requester.as_ref(),
            &messages,
        ))
    }
}
