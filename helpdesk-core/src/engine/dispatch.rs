//! Delivering the outbox.

use super::Helpdesk;
use super::plan::{Plan, push_events};
use crate::error::{Error, Result};
use crate::model::{Actor, EventKind, SendState};
use crate::ports::{
    Commit, MessageUpdate, OutboxItem, OutboxWrite, OutgoingAttachment, OutgoingMessage, SendError,
    StoreExt,
};
use chrono::{DateTime, Utc};

/// What one [`Helpdesk::dispatch_outbox`] call did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DispatchReport {
    /// Rows delivered.
    pub sent: usize,
    /// Rows that failed and will be retried.
    pub retried: usize,
    /// Rows given up on (marked failed, with an event).
    pub failed: usize,
}

enum Attempt {
    Sent(Option<String>),
    Retry(String),
    Failed(String),
}

impl Helpdesk {
    /// Delivers every outbox row due at the clock's now through the transport
    /// of its channel. A failed delivery is retried with capped exponential
    /// backoff; after [`max_delivery_attempts`](super::EngineConfig::max_delivery_attempts)
    /// (or a permanent error) the message is marked failed and a
    /// `MessageFailed` event is logged: never silently lost. Safe to run from
    /// several tasks and processes: rows are claimed atomically.
    ///
    /// Delivery is at least once: a process that stops after the transport
    /// took a message but before its outcome is stored leaves the row
    /// claimed until its lease ([`lease`](super::EngineConfig::lease))
    /// runs out, and the next call sends it again. Every attempt carries
    /// the same Message-ID (the SMTP transport derives it from the stored
    /// message), so mail clients show the copies as one message.
    pub async fn dispatch_outbox(&self) -> Result<DispatchReport> {
        let mut report = DispatchReport::default();
        loop {
            let now = self.clock.now();
            let items = self
                .store
                .claim_outbox(now, self.config.batch_size.max(1), now + self.config.lease)
                .await?;
            if items.is_empty() {
                return Ok(report);
            }
            for item in items {
                match self.deliver(&item, now).await? {
                    Attempt::Sent(_) => report.sent += 1,
                    Attempt::Retry(_) => report.retried += 1,
                    Attempt::Failed(_) => report.failed += 1,
                }
            }
        }
    }

    async fn outgoing(&self, item: &OutboxItem) -> Result<OutgoingMessage> {
        let ticket = self.store.get_ticket(item.workspace, item.ticket).await?;
        let message = self
            .store
            .message(item.workspace, item.message)
            .await?
            .ok_or_else(|| Error::not_found("message", item.message))?;
        // Attachments go with their bytes: a file that cannot be read
        // fails the delivery (a storage error is retried), it is never
        // left out.
        let mut attachments = Vec::with_capacity(message.attachments.len());
        for (index, attachment) in message.attachments.iter().enumerate() {
            let bytes = self
                .attachment_bytes(item.workspace, &message, index, attachment)
                .await?;
            attachments.push(OutgoingAttachment {
                attachment: attachment.clone(),
                bytes,
            });
        }
        // ("Reply above this line" on every mail we send, when set.)
        let marker = match item.channel {
            crate::model::Channel::Email => self.config.mail.reply_marker.as_deref(),
            _ => None,
        };
        Ok(OutgoingMessage {
            workspace: item.workspace,
            ticket: ticket.id,
            ticket_number: ticket.number,
            message: message.id,
            channel: item.channel.clone(),
            from: message.from.clone(),
            // (Not on a forward: an answer to it must thread by the
            // forward's Message-ID, which keeps it from the customer; the
            // plus address names only the ticket.)
            reply_to: match (&item.channel, &message.from) {
                (crate::model::Channel::Email, Some(from))
                    if crate::model::is_plausible_email(from)
                        && message.visibility != crate::model::Visibility::ThirdParty =>
                {
                    Some(self.ticket_reply_address(item.workspace, ticket.id, from))
                }
                _ => None,
            },
            to: message.to.clone(),
            cc: message.cc.clone(),
            subject: message.subject.clone(),
            text: match marker {
                Some(marker) => crate::mail::with_marker_text(marker, &message.text),
                None => message.text.clone(),
            },
            html: match marker {
                Some(marker) => message
                    .html
                    .as_deref()
                    .map(|h| crate::mail::with_marker_html(marker, h)),
                None => message.html.clone(),
            },
            attachments,
            thread: message.email.clone(),
            automatic: matches!(message.author, Actor::System),
        })
    }

    async fn deliver(&self, item: &OutboxItem, now: DateTime<Utc>) -> Result<Attempt> {
        let attempt = match self.outgoing(item).await {
            // (A store or blob store that failed may work on the next try.)
            Err(e @ Error::Storage(_)) if item.attempts + 1 < self.config.max_delivery_attempts => {
                Attempt::Retry(format!("cannot build the message: {e}"))
            }
            Err(e) => Attempt::Failed(format!("cannot build the message: {e}")),
            Ok(outgoing) => match self.transports.get(&item.channel.transport_key()) {
                None => {
                    let reason = Error::NoTransport(item.channel.transport_key()).to_string();
                    if item.attempts + 1 >= self.config.max_delivery_attempts {
                        Attempt::Failed(reason)
                    } else {
                        Attempt::Retry(reason)
                    }
                }
                Some(transport) => match transport.send(&outgoing).await {
                    Ok(delivered) => Attempt::Sent(delivered.remote_id),
                    Err(SendError::Permanent(e)) => Attempt::Failed(e.to_string()),
                    Err(e) => {
                        if item.attempts + 1 >= self.config.max_delivery_attempts {
                            Attempt::Failed(e.to_string())
                        } else {
                            Attempt::Retry(e.to_string())
                        }
                    }
                },
            },
        };
        let (_, _) = self
            .run(item.workspace, || async {
                let mut commit = Commit::default();
                let ticket = self.store.ticket(item.workspace, item.ticket).await?;
                let mut events = Vec::new();
                match &attempt {
                    Attempt::Sent(remote_id) => {
                        commit.outbox.push(OutboxWrite::Delivered { id: item.id });
                        commit.message_updates.push(MessageUpdate::SendState {
                            id: item.message,
                            state: SendState::Sent { at: now },
                            message_id: remote_id.clone(),
                        });
                        events.push(EventKind::MessageSent {
                            message: item.message,
                        });
                    }
                    Attempt::Retry(error) => {
                        commit.outbox.push(OutboxWrite::Retry {
                            id: item.id,
                            not_before: now + self.config.retry_delay(item.attempts + 1),
                            error: error.clone(),
                        });
                    }
                    Attempt::Failed(error) => {
                        commit.outbox.push(OutboxWrite::Failed {
                            id: item.id,
                            error: error.clone(),
                        });
                        commit.message_updates.push(MessageUpdate::SendState {
                            id: item.message,
                            state: SendState::Failed {
                                reason: error.clone(),
                            },
                            message_id: None,
                        });
                        events.push(EventKind::MessageFailed {
                            message: item.message,
                            reason: error.clone(),
                        });
                    }
                }
                if let Some(ticket) = &ticket {
                    push_events(&mut commit, ticket, events, Actor::System, now);
                }
                Ok(Plan::new(commit, ()))
            })
            .await?;
        Ok(attempt)
    }

    /// Cancels a delayed outgoing message before it is sent. A message that
    /// is already sent, failed or cancelled is [`Error::Precondition`].
    pub async fn cancel_send(
        &self,
        workspace: crate::model::WorkspaceId,
        message: crate::model::MessageId,
        actor: Actor,
    ) -> Result<()> {
        self.run(workspace, || async {
            let now = self.clock.now();
            let stored = self
                .store
                .message(workspace, message)
                .await?
                .ok_or_else(|| Error::not_found("message", message))?;
            if !matches!(stored.send_state, Some(SendState::Scheduled { .. })) {
                return Err(Error::Precondition(format!(
                    "message {message} is not waiting to be sent"
                )));
            }
            let item = self
                .store
                .outbox(workspace, stored.ticket)
                .await?
                .into_iter()
                .find(|i| i.message == message && i.status == crate::ports::OutboxStatus::Pending)
                .ok_or_else(|| {
                    Error::Precondition(format!("message {message} is not in the outbox"))
                })?;
            if item.lease_until.is_some_and(|l| l > now) {
                return Err(Error::Precondition(format!(
                    "message {message} is being sent right now"
                )));
            }
            let ticket = self.store.get_ticket(workspace, stored.ticket).await?;
            let mut commit = Commit::default();
            commit.outbox.push(OutboxWrite::Cancel { id: item.id });
            commit.message_updates.push(MessageUpdate::SendState {
                id: message,
                state: SendState::Cancelled,
                message_id: None,
            });
            push_events(
                &mut commit,
                &ticket,
                vec![EventKind::MessageCancelled { message }],
                actor,
                now,
            );
            Ok(Plan::new(commit, ()))
        })
        .await?;
        Ok(())
    }
}
