//! Messages: the conversation of a ticket.

use crate::model::Channel;
use crate::model::ids::{AgentId, ContactId, MessageId, TicketId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which way a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the customer (or a robot) to us.
    Inbound,
    /// From us to the customer.
    Outbound,
}

/// Who may see a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Part of the conversation with the customer.
    Public,
    /// An internal note: never leaves the system.
    Internal,
    /// Between the agents and someone outside the conversation with the
    /// customer: a forward ([`Helpdesk::forward`](crate::engine::Helpdesk::forward))
    /// and the mail that answers it. It leaves the system (a forward is
    /// sent), but it is never the customer's to see.
    ThirdParty,
}

/// Who wrote a message or caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum Actor {
    /// A customer.
    Contact(ContactId),
    /// An agent.
    Agent(AgentId),
    /// The engine itself (rules, timers, autoresponders).
    System,
}

/// What the mail rules decided an inbound message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// Written by a person.
    #[default]
    Human,
    /// An automatic reply (out of office, autoresponder).
    AutoReply,
    /// A delivery status notification.
    Bounce,
    /// Mailing-list or bulk mail.
    List,
    /// Our own mail come back to us.
    Loop,
    /// Sender is blocked or the mail is spam.
    Spam,
}

/// Delivery state of an outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SendState {
    /// Waiting in the outbox; will not go before `at`.
    Scheduled {
        /// Earliest send time.
        at: DateTime<Utc>,
    },
    /// Handed to the transport.
    Sent {
        /// When.
        at: DateTime<Utc>,
    },
    /// Cancelled before it was sent.
    Cancelled,
    /// Given up after retries.
    Failed {
        /// The last error.
        reason: String,
    },
}

/// Metadata of an attachment; the bytes live behind a blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Key of the bytes in the blob store; `None` when not stored (e.g. too large).
    pub blob: Option<String>,
    /// The attachment exceeded the size limit and was not stored.
    pub too_large: bool,
    /// The `Content-ID` of the part (without angle brackets): what a
    /// `cid:` link in the message's HTML names (an inline image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// The part was marked `Content-Disposition: inline`, or is an image
    /// the message's HTML shows by its Content-ID (shown in the message,
    /// e.g. an image in a signature, rather than offered as a file).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inline: bool,
}

impl Attachment {
    /// An attachment of `size` bytes, its bytes not stored (yet): no blob
    /// key, no Content-ID, not inline.
    ///
    /// ```
    /// use helpdesk_core::model::Attachment;
    /// let a = Attachment::new("invoice.pdf", "application/pdf", 1234);
    /// assert_eq!((a.name.as_str(), a.size, a.blob), ("invoice.pdf", 1234, None));
    /// ```
    pub fn new(name: impl Into<String>, content_type: impl Into<String>, size: u64) -> Self {
        Self {
            name: name.into(),
            content_type: content_type.into(),
            size,
            blob: None,
            too_large: false,
            content_id: None,
            inline: false,
        }
    }
}

/// Email threading identifiers of a message (without angle brackets).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EmailIds {
    /// `Message-ID`.
    pub message_id: Option<String>,
    /// `In-Reply-To`.
    pub in_reply_to: Vec<String>,
    /// `References`.
    pub references: Vec<String>,
}

/// One message of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Unique id.
    pub id: MessageId,
    /// Owning workspace.
    pub workspace: WorkspaceId,
    /// Ticket the message belongs to.
    pub ticket: TicketId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Public or internal note.
    pub visibility: Visibility,
    /// Who wrote it.
    pub author: Actor,
    /// Channel it travelled on.
    pub channel: Channel,
    /// Sender address, if any.
    pub from: Option<String>,
    /// Recipients.
    pub to: Vec<String>,
    /// Copy recipients.
    pub cc: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// Plain text body (full, never trimmed).
    pub text: String,
    /// The body to show: quoted history and signature cut (inbound email).
    /// `None` = show `text` (nothing was cut, or the mail forwards another:
    /// see [`is_forwarded_subject`](crate::mail::is_forwarded_subject)).
    pub display_text: Option<String>,
    /// The raw message as received (inbound email), kept unchanged (a
    /// shared buffer: cloning the message does not copy it).
    pub raw: Option<bytes::Bytes>,
    /// Sanitised HTML body.
    pub html: Option<String>,
    /// Attachments (metadata).
    pub attachments: Vec<Attachment>,
    /// Email threading ids.
    pub email: EmailIds,
    /// Classification of an inbound message.
    pub classification: Classification,
    /// Delivery state of an outbound public message.
    pub send_state: Option<SendState>,
    /// When the message was written or received.
    pub created_at: DateTime<Utc>,
}

impl Message {
    /// A new public inbound message with empty addresses, ids and
    /// attachments; set `direction` and `visibility` for other kinds.
    pub fn new(
        workspace: WorkspaceId,
        ticket: TicketId,
        author: Actor,
        channel: Channel,
        text: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: MessageId::new(),
            workspace,
            ticket,
            direction: Direction::Inbound,
            visibility: Visibility::Public,
            author,
            channel,
            from: None,
            to: Vec::new(),
            cc: Vec::new(),
            subject: String::new(),
            text: text.into(),
            display_text: None,
            raw: None,
            html: None,
            attachments: Vec::new(),
            email: EmailIds::default(),
            classification: Classification::Human,
            send_state: None,
            created_at: now,
        }
    }

    /// Whether this message goes to the customer (public and outbound).
    pub fn is_public_reply(&self) -> bool {
        self.direction == Direction::Outbound && self.visibility == Visibility::Public
    }

    /// The body to show: [`display_text`](Message::display_text) when set
    /// (quoted history and signature cut), else [`text`](Message::text).
    ///
    /// ```
    /// use chrono::Utc;
    /// use helpdesk_core::model::{Actor, Channel, Message, TicketId, WorkspaceId};
    /// let mut m = Message::new(
    ///     WorkspaceId::new(),
    ///     TicketId::new(),
    ///     Actor::System,
    ///     Channel::Email,
    ///     "Thanks!\n\n> earlier",
    ///     Utc::now(),
    /// );
    /// assert_eq!(m.shown_text(), "Thanks!\n\n> earlier");
    /// m.display_text = Some("Thanks!".into());
    /// assert_eq!(m.shown_text(), "Thanks!");
    /// ```
    pub fn shown_text(&self) -> &str {
        self.display_text.as_deref().unwrap_or(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The raw mail serialises as the `Vec<u8>` it used to be (an array
    /// of byte values), and reads back from that form.
    #[test]
    fn raw_serialises_as_a_byte_array() {
        let mut m = Message::new(
            WorkspaceId::new(),
            TicketId::new(),
            Actor::System,
            Channel::Email,
            "x",
            DateTime::<Utc>::UNIX_EPOCH,
        );
        let raw: Vec<u8> = vec![0, b'\r', b'\n', 159, 255];
        m.raw = Some(raw.clone().into());
        let json = serde_json::to_value(&m).unwrap_or_default();
        assert_eq!(json.get("raw"), Some(&serde_json::json!(raw)));
        let back: Message = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.raw.as_deref(), Some(raw.as_slice()));
    }
}
