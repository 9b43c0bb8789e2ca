//! Inbound and outbound e-mail handling for the helpdesk engine.
//!
//! This module is the only place in the library that talks to the MIME
//! crates (`mail-parser`, `mail-builder`); nothing in its public API exposes
//! their types, so upgrading them touches this module only.
//!
//! * [`parse()`] turns raw RFC 5322 bytes into an [`InboundMail`]: real-world
//!   mail as its sender meant it (broken structure and charsets repaired),
//!   the files inside Outlook's `winmail.dat` as attachments, the content of
//!   opaque-signed S/MIME mail as the mail.
//! * [`classify()`] decides whether an inbound mail is from a human, an
//!   auto-responder, a bounce, a mailing list, a mail loop or a blocked sender.
//! * [`display_text()`] cuts quoted history and signatures from a reply;
//!   [`before_reply_marker()`] keeps what a customer wrote above our "reply
//!   above this line" marker.
//! * [`token`] signs ticket ids into Message-IDs and plus-addresses.
//! * [`mentions_attachment()`] detects "see attached" wording.
//! * [`compose()`] builds outgoing mail bytes.
//!
//! Nothing here reads the clock: times are always passed in.

mod attachment_hint;
mod autorespond;
mod base64_tail;
mod classify;
mod compose;
mod content_types;
mod date_zones;
mod embedded_headers;
mod encoded_words;
mod fast_path;
mod flowed;
mod forward_text;
mod forwarded;
mod glued_headers;
mod header_scan;
mod headers;
mod html_text;
mod leading_blank;
mod legacy_text;
mod mislabelled;
mod missing_semicolons;
mod missing_separator;
mod nested_multipart;
mod own_list;
mod parse;
mod qp_lenient;
mod qp_tail;
mod reply_marker;
mod rfc2231;
mod rules;
mod sanitize;
mod smime;
mod splice;
mod split_headers;
mod stub_text;
mod template;
mod text;
mod text_types;
mod thread;
mod tnef;
pub mod token;
mod trim;
mod unclosed;
mod uuencode;

pub use attachment_hint::mentions_attachment;
pub use autorespond::{
    AutoresponderConfig, AutoresponseDecision, AutoresponseInput, SuppressReason,
    decide_autoresponse,
};
pub use classify::{
    Classification, ClassifyContext, ClassifyReason, classify, classify_with_reason,
    dsn_is_permanent, is_no_reply_address,
};
pub(crate) use classify::{ContextRef, classify_borrowed};
pub use compose::{ComposedEmail, EmailDraft, compose};
pub(crate) use compose::{clean_content_type, sendable_id};
pub use forward_text::{ForwardHeader, forward_text};
pub use forwarded::forwarded_sender;
pub use headers::Headers;
pub(crate) use own_list::original_sender;
pub(crate) use parse::sanitize_file_name;
pub use parse::{
    Address, AttachmentInfo, DeliveryReport, DsnRecipient, HeaderField, HeaderSignals, InboundMail,
    ParseLimits, content_hash, normalize_email, parse,
};
pub use reply_marker::before_reply_marker;
pub(crate) use reply_marker::{with_marker_html, with_marker_text};
pub use rules::{IncomingRule, RuleActions, RuleCondition, RuleField, RuleOp, first_matching_rule};
/// Text escaped for HTML (text or an attribute value).
pub(crate) use sanitize::escape_attr as escape_html;
pub use sanitize::sanitize_html;
pub use template::render_template;
pub(crate) use template::render_vars;
pub(crate) use thread::referenced;
pub use thread::{
    MAX_SUBJECT_TAGS, format_subject_tag, quoted_ids_at, quoted_message_id_at, referenced_ids,
    subject_tag, subject_tags,
};
pub(crate) use trim::shown as shown_text;
pub use trim::{display_text, is_forwarded_subject};

/// Errors produced by the mail module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The raw message is larger than [`ParseLimits::max_message_bytes`].
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size of the rejected message in bytes.
        size: usize,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The input could not be recognised as an e-mail message at all.
    #[error("message could not be parsed: {0}")]
    Unparseable(String),
    /// An outgoing draft is not valid (for example it has no recipient).
    #[error("invalid draft: {0}")]
    InvalidDraft(String),
    /// Serialising an outgoing message failed.
    #[error("could not build message: {0}")]
    Build(String),
}
