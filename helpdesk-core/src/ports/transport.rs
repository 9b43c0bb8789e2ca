//! The delivery port: how outgoing messages leave the system.

use crate::error::BoxError;
use crate::model::{Attachment, Channel, EmailIds, MessageId, TicketId, TicketNumber, WorkspaceId};
use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

/// A structured outgoing message, handed to the [`Transport`] of its channel.
/// Internal notes never become one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    /// Workspace.
    pub workspace: WorkspaceId,
    /// Ticket.
    pub ticket: TicketId,
    /// Ticket number (for the subject tag `[#123]`).
    pub ticket_number: TicketNumber,
    /// The stored message this delivers.
    pub message: MessageId,
    /// Channel.
    pub channel: Channel,
    /// Sender address, when the channel has one.
    pub from: Option<String>,
    /// Where replies should go: for email, the ticket's signed plus address
    /// of the sending mailbox (threads even when a provider rewrites
    /// Message-IDs).
    pub reply_to: Option<String>,
    /// Recipients.
    pub to: Vec<String>,
    /// Copy recipients.
    pub cc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Plain text body.
    pub text: String,
    /// HTML body.
    pub html: Option<String>,
    /// Attachments, with their bytes (read from the blob store, or from
    /// the stored mail they came with).
    pub attachments: Vec<OutgoingAttachment>,
    /// Threading ids: this message's id and what it replies to.
    pub thread: EmailIds,
    /// Sent by a rule (autoresponder, notification), not typed by a person.
    pub automatic: bool,
}

/// An attachment of an [`OutgoingMessage`], with its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingAttachment {
    /// Its metadata, as stored on the message (name, content type,
    /// Content-ID, inline).
    pub attachment: Attachment,
    /// Its bytes.
    pub bytes: Bytes,
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Worth retrying later (network down, 4xx SMTP reply, rate limit).
    #[error("temporary delivery failure: {0}")]
    Temporary(#[source] BoxError),
    /// Retrying will not help (5xx SMTP reply, invalid recipient).
    #[error("permanent delivery failure: {0}")]
    Permanent(#[source] BoxError),
}

/// What a transport reports after a successful delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The channel's id of the sent message (e.g. the Message-ID used).
    pub remote_id: Option<String>,
}

/// Delivers outgoing messages of one channel (email over SMTP, a
/// marketplace's API, ...). Registered on the engine per channel key
/// ([`Channel::transport_key`]).
#[async_trait]
pub trait Transport: Debug + Send + Sync + 'static {
    /// Delivers one message.
    async fn send(&self, message: &OutgoingMessage) -> Result<Delivered, SendError>;
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, message: &OutgoingMessage) -> Result<Delivered, SendError> {
        (**self).send(message).await
    }
}

/// A transport that records what it is given, for tests and examples. It can
/// be told to fail the next N deliveries.
///
/// ```
/// use helpdesk_core::ports::RecordingTransport;
/// let transport = RecordingTransport::new();
/// assert!(transport.sent().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct RecordingTransport {
    sent: Mutex<Vec<OutgoingMessage>>,
    failures: Mutex<Vec<bool>>,
}

impl RecordingTransport {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything delivered so far, in order.
    pub fn sent(&self) -> Vec<OutgoingMessage> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The next `n` deliveries fail temporarily.
    pub fn fail_next(&self, n: usize) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(std::iter::repeat_n(false, n));
    }

    /// The next delivery fails permanently.
    pub fn fail_next_permanently(&self) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(true);
    }
}

#[async_trait]
impl Transport for RecordingTransport {
    async fn send(&self, message: &OutgoingMessage) -> Result<Delivered, SendError> {
        let failure = {
            let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
            if failures.is_empty() {
                None
            } else {
                Some(failures.remove(0))
            }
        };
        match failure {
            Some(true) => Err(SendError::Permanent(
                "recording transport: told to fail".into(),
            )),
            Some(false) => Err(SendError::Temporary(
                "recording transport: told to fail".into(),
            )),
            None => {
                self.sent
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(message.clone());
                Ok(Delivered {
                    remote_id: message.thread.message_id.clone(),
                })
            }
        }
    }
}
