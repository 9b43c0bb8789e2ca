//! Telling a customer that their ticket was merged into another.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::model::{
    Actor, Channel, Contact, ContactId, Direction, EmailIds, EventKind, Message, SendState, Ticket,
    Visibility, WorkspaceId,
};
use crate::ports::{Commit, OutboxItem, OutboxWrite};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The mail that tells the requester of a merged ticket where their request
/// goes on ([`EngineConfig::merge_notice`](super::EngineConfig::merge_notice)):
/// an automatic message on the target ticket, sent through the outbox, so
/// that the customer's answer lands there.
///
/// Templates in minijinja syntax, with the variables `ticket_number` and
/// `subject` (the target's), `merged_numbers` and `merged_subject` (the
/// customer's merged tickets, numbers joined by ", ", and the first one's
/// subject), `requester_name` and `requester_email`.
///
/// ```
/// use helpdesk_core::engine::{EngineConfig, MergeNotice};
/// let config = EngineConfig::default().merge_notice(MergeNotice::default());
/// assert!(config.merge_notice.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MergeNotice {
    /// Subject template.
    pub subject: String,
    /// Body template.
    pub body: String,
}

impl Default for MergeNotice {
    fn default() -> Self {
        Self {
            subject: "Your request continues in ticket {{ ticket_number }}".into(),
            body: "Hello{% if requester_name %} {{ requester_name }}{% endif %},\n\n\
                   your request \"{{ merged_subject }}\" ({{ merged_numbers }}) is now handled \
                   in ticket {{ ticket_number }}, \"{{ subject }}\". Please answer this \
                   message when you write to us about it.\n"
                .into(),
        }
    }
}

impl MergeNotice {
    /// A notice with these templates.
    pub fn new(subject: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            body: body.into(),
        }
    }
}

impl Helpdesk {
    /// Adds to `commit` the merge notice (when configured) to each requester
    /// of `sources` with an email address that is not suppressed (after a
    /// permanent bounce): one message per requester on `target`, naming all
    /// of that requester's merged tickets. `contacts` are the requesters,
    /// as the merge read them.
    pub(super) async fn plan_merge_notices(
        &self,
        workspace: WorkspaceId,
        target: &Ticket,
        sources: &[Ticket],
        contacts: &BTreeMap<ContactId, Contact>,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<()> {
        let Some(notice) = &self.config.merge_notice else {
            return Ok(());
        };
        let mut requesters: Vec<(ContactId, Vec<&Ticket>)> = Vec::new();
        for source in sources {
            match requesters.iter_mut().find(|(c, _)| *c == source.requester) {
                Some((_, tickets)) => tickets.push(source),
                None => requesters.push((source.requester, vec![source])),
            }
        }
        for (contact, tickets) in requesters {
            let Some(contact) = contacts.get(&contact) else {
                continue;
            };
            // (Where the customer wrote from on the first of them.)
            let Some(to) = tickets
                .first()
                .and_then(|t| super::messages::reply_address(t, contact))
            else {
                continue;
            };
            let to = &to;
            if self
                .store
                .suppressed_until(workspace, to)
                .await?
                .is_some_and(|until| until > now)
            {
                continue;
            }
            let numbers: Vec<String> = tickets.iter().map(|t| t.number.0.to_string()).collect();
            let target_number = target.number.0.to_string();
            let vars = [
                ("ticket_number", target_number.as_str()),
                ("subject", target.subject.as_str()),
                ("merged_numbers", &numbers.join(", ")),
                (
                    "merged_subject",
                    tickets.first().map_or("", |t| t.subject.as_str()),
                ),
                (
                    "requester_name",
                    contact.name.as_deref().unwrap_or_default(),
                ),
                ("requester_email", to.as_str()),
            ];
            let render = |template: &str| {
                crate::mail::render_vars(template, &vars)
                    .map_err(|e| Error::validation("merge_notice", e.to_string()))
            };
            let mut message = Message::new(
                workspace,
                target.id,
                Actor::System,
                Channel::Email,
                render(&notice.body)?,
                now,
            );
            message.direction = Direction::Outbound;
            message.visibility = Visibility::Public;
            message.subject = render(&notice.subject)?;
            message.from = self.sender_of(target);
            message.to = vec![to.clone()];
            // (In the thread the customer knows: their merged ticket's.)
            let mut references = Vec::new();
            for t in &tickets {
                references.extend(
                    self.store
                        .thread_ids(workspace, t.id)
                        .await?
                        .into_iter()
                        .map(|(_, id)| id),
                );
            }
            message.email = EmailIds {
                message_id: Some(self.outgoing_message_id(workspace, target.id, message.id)),
                in_reply_to: references.last().cloned().into_iter().collect(),
                references,
            };
            message.send_state = Some(SendState::Scheduled { at: now });
            commit.outbox.push(OutboxWrite::Enqueue(OutboxItem::new(
                workspace,
                target.id,
                message.id,
                Channel::Email,
                now,
            )));
            super::plan::push_events(
                commit,
                target,
                [EventKind::MessageAdded {
                    message: message.id,
                    direction: Direction::Outbound,
                    visibility: Visibility::Public,
                }],
                Actor::System,
                now,
            );
            commit.messages.push(message);
        }
        Ok(())
    }
}
