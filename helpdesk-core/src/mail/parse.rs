//! Raw RFC 5322 bytes -> [`InboundMail`].

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fast_path::{MultipartHint, alternative_bodies, multipart_hint, single_part_body};
use super::{Headers, MailError};

/// Size limits applied by [`parse()`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParseLimits {
    /// Largest raw message accepted, in bytes. Larger input is rejected with
    /// [`MailError::TooLarge`] before any parsing. Default: 50 MiB
    /// (52 428 800 bytes), comfortably above the 20–35 MB that common
    /// providers let through once base64 overhead is counted.
    pub max_message_bytes: usize,
    /// Largest single attachment (decoded) whose content is kept, in bytes.
    /// Bigger attachments are still listed, with `too_large = true` and no
    /// content; the mail itself is never dropped. Default: 20 000 000.
    pub max_attachment_bytes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: 50 * 1024 * 1024,
            max_attachment_bytes: 20_000_000,
        }
    }
}

impl ParseLimits {
    /// Limits with the given values (the struct is `#[non_exhaustive]`).
    pub fn new(max_message_bytes: usize, max_attachment_bytes: usize) -> Self {
        Self {
            max_message_bytes,
            max_attachment_bytes,
        }
    }
}

/// A mailbox: optional display name plus e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Address {
    /// Display name, if any (already decoded from RFC 2047).
    pub name: Option<String>,
    /// The address as written in the message, trimmed. Use
    /// [`normalize_email`] before comparing addresses.
    pub email: String,
}

impl Address {
    /// An address without display name.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            name: None,
            email: email.into(),
        }
    }

    /// An address with a display name.
    pub fn with_name(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            email: email.into(),
        }
    }
}

/// One attachment (or other non-body MIME part) of an inbound mail.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// File name, stripped of any directory components and control
    /// characters; `attachment-N` (plus `.eml` for attached messages) when
    /// the part carries no usable name.
    pub name: String,
    /// Lower-cased `type/subtype`, `application/octet-stream` if unknown.
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    /// True when `size` exceeds [`ParseLimits::max_attachment_bytes`].
    pub too_large: bool,
    /// Decoded content; `None` when `too_large`.
    pub content: Option<Vec<u8>>,
    /// True when the part is marked `Content-Disposition: inline`, or is
    /// an image the HTML shows by its Content-ID (`<img src="cid:...">`,
    /// as in a `multipart/related` without dispositions).
    pub inline: bool,
    /// The `Content-ID` (without angle brackets), for inline images.
    pub content_id: Option<String>,
}

/// One top-level header of an inbound mail, as [`Headers`] serialises it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HeaderField {
    /// Header name as written in the message.
    pub name: String,
    /// Value: decoded text for unstructured headers, otherwise the raw
    /// value unfolded and trimmed.
    pub value: String,
}

/// One per-recipient block of a delivery status notification (RFC 3464).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DsnRecipient {
    /// `Final-Recipient`, with the address-type prefix (`rfc822;`) removed.
    pub final_recipient: Option<String>,
    /// `Original-Recipient`, with the address-type prefix removed.
    pub original_recipient: Option<String>,
    /// `Action`, lower-cased: `failed`, `delayed`, `delivered`, `relayed`, `expanded`.
    pub action: Option<String>,
    /// `Status` code such as `5.1.1` (comments removed).
    pub status: Option<String>,
    /// `Diagnostic-Code`, as written.
    pub diagnostic_code: Option<String>,
}

/// Delivery report details found in a `multipart/report` message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// The `report-type` parameter, lower-cased (e.g. `delivery-status`).
    pub report_type: Option<String>,
    /// `Reporting-MTA`, with the type prefix removed.
    pub reporting_mta: Option<String>,
    /// Per-recipient blocks of the `message/delivery-status` part.
    pub recipients: Vec<DsnRecipient>,
    /// Message-ID (without brackets) of the original message, taken from the
    /// returned `message/rfc822` or `text/rfc822-headers` part (also named
    /// `message/rfc822-headers`), or from a read receipt's
    /// `Original-Message-ID`.
    pub original_message_id: Option<String>,
    /// The recipients a complaint (`report-type=feedback-report`) is about:
    /// the `Original-Rcpt-To` addresses of its `message/feedback-report`
    /// part (RFC 6650), who marked the message as spam.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complainants: Vec<String>,
}

impl DeliveryReport {
    /// Whether the report says the message was not delivered: a
    /// [delivery report](Self::is_delivery_report) with a recipient
    /// with `Action: failed` (or, without an `Action`, a permanent `5.x.x`
    /// status), or no readable recipient at all. A report that only says
    /// delivery is `delayed` (a transient `4.x.x`: the sender's server is
    /// still trying), or was `delivered`, `relayed` or `expanded`, is not a
    /// failure.
    ///
    /// ```
    /// use helpdesk_core::mail::{DeliveryReport, DsnRecipient};
    /// let recipient = |action: &str, status: &str| DsnRecipient {
    ///     action: Some(action.into()),
    ///     status: Some(status.into()),
    ///     ..DsnRecipient::default()
    /// };
    /// let mut report = DeliveryReport::default();
    /// report.recipients = vec![recipient("delayed", "4.4.1")];
    /// assert!(!report.reports_failure());
    /// report.recipients.push(recipient("failed", "5.1.1"));
    /// assert!(report.reports_failure());
    /// ```
    pub fn reports_failure(&self) -> bool {
        self.is_delivery_report()
            && (self.recipients.is_empty()
                || self.recipients.iter().any(|r| match r.action.as_deref() {
                    Some(action) => action.trim().eq_ignore_ascii_case("failed"),
                    None => r
                        .status
                        .as_deref()
                        .is_some_and(super::classify::dsn_is_permanent),
                }))
    }

    /// Whether this is a report on delivery (`report-type=delivery-status`,
    /// or none named): not a read receipt (`disposition-notification`) nor
    /// a complaint (`feedback-report`), which say the message arrived.
    ///
    /// ```
    /// use helpdesk_core::mail::DeliveryReport;
    /// let mut report = DeliveryReport::default();
    /// assert!(report.is_delivery_report() && report.reports_failure());
    /// report.report_type = Some("feedback-report".into());
    /// assert!(!report.is_delivery_report() && !report.reports_failure());
    /// ```
    pub fn is_delivery_report(&self) -> bool {
        matches!(
            self.report_type.as_deref(),
            None | Some("delivery-status" | "global-delivery-status")
        )
    }
}

/// Header-level signals used by [`crate::mail::classify()`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HeaderSignals {
    /// RFC 3834 `Auto-Submitted`: first token, lower-cased (`auto-replied`).
    pub auto_submitted: Option<String>,
    /// `Precedence`, trimmed and lower-cased.
    pub precedence: Option<String>,
    /// An `X-Autoreply` header is present.
    pub x_autoreply: bool,
    /// An `X-Autorespond` header is present.
    pub x_autorespond: bool,
    /// All `X-Loop` values, trimmed.
    pub x_loop: Vec<String>,
    /// `X-Auto-Response-Suppress` (Microsoft), trimmed.
    pub x_auto_response_suppress: Option<String>,
    /// `List-Id` identifier (the part inside `<>` when present).
    pub list_id: Option<String>,
    /// A `List-Unsubscribe` header is present.
    pub list_unsubscribe: bool,
    /// A `Mailing-List` header is present (ezmlm's lists, which write no
    /// `List-Id`).
    #[serde(default)]
    pub mailing_list: bool,
    /// `Return-Path: <>` (null reverse path, RFC 5321 4.5.5).
    pub null_return_path: bool,
    /// `Return-Path` address, when not null.
    pub return_path: Option<String>,
    /// An `X-Failed-Recipients` header is present (Exim puts it on the
    /// bounces it sends).
    pub x_failed_recipients: bool,
    /// Lower-cased `type/subtype` of the top-level part.
    pub content_type: Option<String>,
    /// Delivery report details when the mail is a `multipart/report`.
    pub report: Option<DeliveryReport>,
}

/// A parsed inbound e-mail, independent of the MIME library.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InboundMail {
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// `References` ids, without angle brackets, oldest first.
    pub references: Vec<String>,
    /// First `From` mailbox.
    pub from: Option<Address>,
    /// `Reply-To` mailboxes.
    pub reply_to: Vec<Address>,
    /// `To` mailboxes (groups flattened).
    pub to: Vec<Address>,
    /// `Cc` mailboxes (groups flattened).
    pub cc: Vec<Address>,
    /// Decoded subject, `""` when missing.
    pub subject: String,
    /// `Date`, when present and valid.
    pub date: Option<DateTime<Utc>>,
    /// Plain-text body with `\n` line endings, without blank lines before
    /// it or white space after it; HTML-only mails are converted to text,
    /// and so are mails whose plain-text alternative is empty or only a
    /// stub pointing to the HTML ("This is an HTML message..."); several
    /// inline parts (text, and HTML converted) are joined by a blank line.
    /// Text in a single-byte charset label that is valid UTF-8 is read as
    /// UTF-8; 8-bit text without a label (or labelled UTF-8 without one
    /// UTF-8 character) as windows-1252, or windows-1250 / ISO-8859-2 when
    /// those read more of it as letters (Polish text).
    pub text: String,
    /// Sanitised HTML body, only when the mail has an HTML part: the inline
    /// HTML parts in order, with inline text parts between them as HTML
    /// when the body is made of several (`multipart/mixed` footers, HTML
    /// split around inline images).
    pub html: Option<String>,
    /// Attachments and other non-body parts.
    pub attachments: Vec<AttachmentInfo>,
    /// Signals for the classifier.
    pub signals: HeaderSignals,
    /// All top-level headers, in order.
    pub headers: Headers,
    /// SHA-256 hex of the raw bytes (see [`content_hash`]) when the mail has
    /// no Message-ID (it is then the dedupe key); empty otherwise, since
    /// hashing every mail costs more than the rest of parsing needs.
    pub content_hash: String,
}

impl InboundMail {
    /// First value of the header `name` (case-insensitive), if present.
    ///
    /// ```
    /// use helpdesk_core::mail::{parse, ParseLimits};
    /// let mail = parse(b"X-Custom: hello\r\nSubject: s\r\n\r\nbody", &ParseLimits::default()).unwrap();
    /// assert_eq!(mail.header("x-custom"), Some("hello"));
    /// assert_eq!(mail.header("X-Missing"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// All values of the header `name` (case-insensitive), in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.get_all(name)
    }

    /// The key to deduplicate this mail by: its Message-ID, or
    /// `sha256:<content hash>` when it has none.
    pub fn dedupe_key(&self) -> String {
        match &self.message_id {
            Some(id) if !id.is_empty() => id.clone(),
            _ => format!("sha256:{}", self.content_hash),
        }
    }

    /// Whether `other` is the same message as this one as its sender wrote
    /// it: the same `Date`, `Subject` and `From` address. Two copies of one
    /// mail (fetched again, or delivered twice over different routes) are;
    /// two different mails that a broken sender gave one Message-ID (some
    /// ticketing and shipping systems reuse theirs) are not.
    ///
    /// ```
    /// use helpdesk_core::mail::{parse, ParseLimits};
    /// let limits = ParseLimits::default();
    /// let first = parse(b"From: a@example.com\r\nMessage-ID: <n@x>\r\nSubject: Assigned\r\n\r\nx", &limits)?;
    /// let again = parse(b"Received: by mx2\r\nFrom: A <A@example.com>\r\nMessage-ID: <n@x>\r\nSubject: Assigned\r\n\r\nx", &limits)?;
    /// let other = parse(b"From: a@example.com\r\nMessage-ID: <n@x>\r\nSubject: Work notes added\r\n\r\ny", &limits)?;
    /// assert!(first.same_message_as(&again));
    /// assert!(!first.same_message_as(&other));
    /// assert_ne!(first.distinct_dedupe_key(), other.distinct_dedupe_key());
    /// # Ok::<(), helpdesk_core::mail::MailError>(())
    /// ```
    pub fn same_message_as(&self, other: &InboundMail) -> bool {
        let from = |m: &InboundMail| m.from.as_ref().map(|a| normalize_email(&a.email));
        self.date == other.date && self.subject == other.subject && from(self) == from(other)
    }

    /// The dedupe key of this mail when its [`dedupe_key`](Self::dedupe_key)
    /// is already taken by a different message (see
    /// [`same_message_as`](Self::same_message_as)): the Message-ID with a
    /// hash of the `Date`, `Subject` and `From` address, so that copies of
    /// this mail share it and other mails with the same Message-ID do not.
    pub fn distinct_dedupe_key(&self) -> String {
        let mut identity = Sha256::new();
        identity.update(
            self.date
                .map(|d| d.timestamp())
                .unwrap_or(i64::MIN)
                .to_be_bytes(),
        );
        identity.update(self.subject.as_bytes());
        identity.update([0]);
        if let Some(from) = &self.from {
            identity.update(normalize_email(&from.email).as_bytes());
        }
        let mut key = self.dedupe_key();
        key.push_str("#id:");
        for b in identity.finalize().iter().take(8) {
            key.push(hex_digit(b >> 4));
            key.push(hex_digit(b & 0x0f));
        }
        key
    }
}

/// Lower-case hex SHA-256 of the raw message, for deduplication when a
/// mail has no Message-ID.
///
/// ```
/// let h = helpdesk_core::mail::content_hash(b"abc");
/// assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
/// ```
pub fn content_hash(raw: &[u8]) -> String {
    let digest = Sha256::digest(raw);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 0x0f));
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

pub use crate::model::normalize_email;

/// Parses a raw RFC 5322 message.
///
/// The parser is lenient: anything that looks like a mail is accepted.
/// Input over `limits.max_message_bytes` gives [`MailError::TooLarge`];
/// input that is not recognisable as a message gives
/// [`MailError::Unparseable`].
///
/// Broken mail that senders, scripts and relays write every day is read
/// as its sender meant it (the raw bytes are kept as they came):
/// - a body that follows the headers without the blank line, or blank
///   lines in the middle of the headers or before them;
/// - several `Content-Type` headers (the one whose boundary delimits the
///   body is read), one whose parameters lack the `;` before them, one
///   with another MIME header written onto its line, or a multipart
///   without a usable boundary (read as plain text);
/// - a multipart never closed, or left open inside another;
/// - UTF-8 labelled with a single-byte or 7-bit charset, Latin-1 labelled
///   UTF-8 or not labelled at all, raw 8-bit headers, encoded words cut
///   inside a character;
/// - attachment names split into RFC 2231 segments; a From of several
///   addresses without commas (the first is the sender), or with RFC
///   2822's obsolete spaces around the dots of its domain.
///
/// ```
/// use helpdesk_core::mail::{parse, ParseLimits};
/// let raw = b"From: Jane <jane@example.com>\r\n\
/// To: support@example.org\r\n\
/// Subject: Printer broken\r\n\
/// Message-ID: <abc@example.com>\r\n\
/// \r\n\
/// It does not print.\r\n";
/// let mail = parse(raw, &ParseLimits::default()).unwrap();
/// assert_eq!(mail.message_id.as_deref(), Some("abc@example.com"));
/// assert_eq!(mail.from.unwrap().email, "jane@example.com");
/// assert_eq!(mail.subject, "Printer broken");
/// assert!(mail.text.contains("It does not print."));
/// ```
pub fn parse(raw: &[u8], limits: &ParseLimits) -> Result<InboundMail, MailError> {
    if raw.len() > limits.max_message_bytes {
        return Err(MailError::TooLarge {
            size: raw.len(),
            limit: limits.max_message_bytes,
        });
    }
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(MailError::Unparseable("empty input".into()));
    }
    // Safety net: a panic inside the MIME library (mail-parser 0.11 has a
    // `debug_assert!` reachable from crafted input) must not take down the
    // caller; it becomes a typed error instead. Has no effect under
    // `panic = "abort"`.
    // (Blank lines before the headers are passed over: see
    // `leading_blank`.)
    let from_headers = raw
        .get(super::leading_blank::header_start(raw)..)
        .unwrap_or(raw);
    // (A mail of headers only that ends without a line break, as a script
    // may write one: mail-parser drops its last header, which has no line
    // end. It is read with one.)
    let ended;
    let from_headers = if headers_only_unended(from_headers) {
        ended = [from_headers, b"\r\n"].concat();
        &ended[..]
    } else {
        from_headers
    };
    std::panic::catch_unwind(|| {
        parse_inner(from_headers, limits).map(|mut mail| {
            // (Of the bytes as they came, whichever repair read them.)
            if mail.message_id.is_none() {
                mail.content_hash = content_hash(raw);
            }
            mail
        })
    })
    .unwrap_or_else(|_| Err(MailError::Unparseable("MIME parser failure".into())))
}

/// Whether `raw` is a header block without the blank line after it that
/// does not end in a line break (see [`parse`]).
fn headers_only_unended(raw: &[u8]) -> bool {
    !raw.ends_with(b"\n")
        && memchr::memmem::find(raw, b"\n\n").is_none()
        && memchr::memmem::find(raw, b"\n\r\n").is_none()
}

/// The MIME parser: mail-parser's default parsing of each header, except
/// `Received`, whose parsed form nothing here reads (its value is kept raw,
/// unfolded, as for every structured header), and which costs more to
/// parse than any other header of a typical mail.
pub(crate) fn mime_parser() -> &'static MessageParser {
    static PARSER: std::sync::OnceLock<MessageParser> = std::sync::OnceLock::new();
    PARSER.get_or_init(|| {
        use mail_parser::HeaderName as H;
        let mut p = MessageParser::new();
        for h in [
            H::Subject,
            H::Comments,
            H::ContentDescription,
            H::ContentLocation,
            H::ContentTransferEncoding,
        ] {
            p = p.header_text(h);
        }
        for h in [
            H::From,
            H::To,
            H::Cc,
            H::Bcc,
            H::ReplyTo,
            H::Sender,
            H::ResentTo,
            H::ResentFrom,
            H::ResentBcc,
            H::ResentCc,
            H::ResentSender,
            H::ListArchive,
            H::ListHelp,
            H::ListId,
            H::ListOwner,
            H::ListPost,
            H::ListSubscribe,
            H::ListUnsubscribe,
        ] {
            p = p.header_address(h);
        }
        for h in [H::Date, H::ResentDate] {
            p = p.header_date(h);
        }
        for h in [
            H::MessageId,
            H::References,
            H::InReplyTo,
            H::ReturnPath,
            H::ContentId,
            H::ResentMessageId,
        ] {
            p = p.header_id(h);
        }
        for h in [H::Keywords, H::ContentLanguage] {
            p = p.header_comma_separated(h);
        }
        for h in [H::ContentType, H::ContentDisposition] {
            p = p.header_content_type(h);
        }
        p.header_raw(H::MimeVersion).ignore_header(H::Received)
    })
}

fn parse_inner(raw: &[u8], limits: &ParseLimits) -> Result<InboundMail, MailError> {
    // Most mail is one plain-text or HTML part, or a plain-text and an
    // HTML alternative: its headers are parsed, and its body is read here,
    // as the full parse would decode it (see `fast_path`; checked by
    // `fast_path_is_the_full_parse` and the corpus test).
    let hint = multipart_hint(raw);
    if hint != MultipartHint::Other
        && let Some(message) = super::header_scan::parse_headers(raw)
        && let Some(root) = message.parts.first()
    {
        // (A mail whose header block is broken is read by the full parse,
        // which repairs it, always in the same order: a date whose zone
        // mail-parser reads past its line break, several `Content-Type`
        // headers, a header glued onto the `Content-Type` line, parameters
        // without their `;` or a misnamed text type, a body that follows the
        // headers without a blank line, a header block split by blank
        // lines.)
        if super::date_zones::any_in(raw, &root.headers)
            || super::content_types::with_the_fitting_one(raw, &root.headers).is_some()
            || super::glued_headers::any_in(raw, &root.headers)
            || super::missing_semicolons::any_misread(&root.headers)
            || super::text_types::any_misnamed(&root.headers)
            || super::missing_separator::body_start(raw, &root.headers).is_some()
            || super::split_headers::joined(raw, &root.headers).is_some()
        {
            return parse_full(raw, limits);
        }
        if hint == MultipartHint::None {
            if let Some(body) = single_part_body(root, raw, "plain") {
                let text = text_of_one_part(&body);
                return Ok(assemble(&message, root, text, None, Vec::new()));
            }
            if let Some(body) = single_part_body(root, raw, "html") {
                // (The full parse's text of an HTML-only mail.)
                let text = text_of_one_part(&super::html_text::html_to_text(&body));
                let html = super::sanitize::sanitize_html(&body);
                return Ok(assemble(&message, root, text, Some(html), Vec::new()));
            }
        }
        if hint == MultipartHint::Alternative
            && let Some((plain, html)) = alternative_bodies(root, raw)
        {
            // (A stub of a text part gives way to the HTML's text.)
            let text = super::stub_text::text_or_html_text(text_of_one_part(&plain), &html);
            let html = super::sanitize::sanitize_html(&html);
            return Ok(assemble(&message, root, text, Some(html), Vec::new()));
        }
    }
    parse_full(raw, limits)
}

/// [`parse_inner`] through mail-parser's full parse, for every mail.
fn parse_full(raw: &[u8], limits: &ParseLimits) -> Result<InboundMail, MailError> {
    parse_full_within(raw, limits, MAX_REPARSES)
}

/// How many times the reading of a mail ([`read_separated`],
/// [`read_full`]) hands a repaired copy back to [`parse_full_within`]: the
/// repairs of one can undo another's on a mail broken in several ways at
/// once (one mutated byte in a fuzz test sent them round in a circle until
/// the stack overflowed), so their number is bounded; past it the mail is
/// read as it stands.
const MAX_REPARSES: usize = 4;

/// [`parse_full`], which may hand a repaired copy back to itself
/// `reparses` more times.
fn parse_full_within(
    raw: &[u8],
    limits: &ParseLimits,
    reparses: usize,
) -> Result<InboundMail, MailError> {
    // (Dates whose short zone mail-parser reads past their line break,
    // content types with a MIME header glued onto their line, written
    // without `;` before their parameters or misnaming a text type, and
    // parts whose body follows their headers without a blank line,
    // quoted-printable parts with a stray `=`, and embedded messages whose
    // headers run into the next boundary, are read as meant: the mail is parsed again repaired, as many times as
    // parts come to light, up to a few levels of nesting.)
    let mut repaired: Option<Vec<u8>> = None;
    let mut round = 0;
    loop {
        let current = repaired.as_deref().unwrap_or(raw);
        let message = mime_parser()
            .parse(current)
            .ok_or_else(|| MailError::Unparseable("no headers found".into()))?;
        let again = if round < MAX_REPAIR_ROUNDS {
            super::date_zones::padded(current, &message.parts)
                .or_else(|| super::glued_headers::unglued(current, &message.parts))
                .or_else(|| super::missing_semicolons::with_semicolons(current, &message.parts))
                .or_else(|| super::missing_separator::in_parts(current, &message.parts))
                .or_else(|| super::text_types::with_text_types(current, &message.parts))
                .or_else(|| super::qp_lenient::escaped(current, &message.parts))
                .or_else(|| super::embedded_headers::ended(current, &message.parts))
        } else {
            None
        };
        match again {
            Some(next) => {
                drop(message);
                repaired = Some(next);
                round += 1;
            }
            None => return read_separated(current, message, limits, reparses),
        }
    }
}

/// How many times [`parse_full`] parses a mail again to pad dates with a
/// short zone, break glued headers off `Content-Type` lines, put in
/// missing `;`s, put in the blank line after a part's headers, name
/// misnamed text types, escape stray `=`s of quoted-printable parts or
/// end embedded messages' headers (each round does one of these, and
/// reaches one level of parts deeper).
const MAX_REPAIR_ROUNDS: usize = 6;

/// [`read_full`], or when the body of `raw` follows its headers without a
/// blank line, [`parse_full`] of it with one; when blank lines split its
/// header block, of it without them.
fn read_separated(
    raw: &[u8],
    message: Message<'_>,
    limits: &ParseLimits,
    reparses: usize,
) -> Result<InboundMail, MailError> {
    let Some(root) = message.parts.first() else {
        return read_full(raw, message, limits, reparses);
    };
    if let Some(left) = reparses.checked_sub(1) {
        if let Some(at) = super::missing_separator::body_start(raw, &root.headers) {
            let separated = super::missing_separator::with_separator(raw, at);
            return parse_full_within(&separated, limits, left);
        }
        if let Some(joined) = super::split_headers::joined(raw, &root.headers) {
            return parse_full_within(&joined, limits, left);
        }
    }
    read_full(raw, message, limits, reparses)
}

/// [`parse_full`] of `raw`, which mail-parser parsed as `message`.
fn read_full(
    raw: &[u8],
    message: Message<'_>,
    limits: &ParseLimits,
    reparses: usize,
) -> Result<InboundMail, MailError> {
    let Some(root) = message.parts.first() else {
        return Err(MailError::Unparseable("no MIME parts".into()));
    };
    if let Some(left) = reparses.checked_sub(1)
        && let Some(repaired) = super::content_types::with_the_fitting_one(raw, &root.headers)
            .or_else(|| super::content_types::without_a_boundary(raw, &root.headers))
            // (Opaque-signed S/MIME: read as the content it signs.)
            .or_else(|| super::smime::unwrapped(raw, root))
    {
        return parse_full_within(&repaired, limits, left);
    }
    // (A multipart left open inside another is closed where the other
    // goes on, and the mail read again, when that leaves fewer parts read
    // to the end of the mail: mail-parser's own reading of an odd
    // structure stands otherwise.)
    let unterminated = |m: &Message<'_>| m.parts.iter().filter(|p| p.is_encoding_problem).count();
    if unterminated(&message) > 0
        && let Some(repaired) = super::nested_multipart::closed(raw)
        && let Some(fixed) = mime_parser().parse(&repaired)
        && unterminated(&fixed) < unterminated(&message)
    {
        return read_full(&repaired, fixed, limits, reparses);
    }

    // (An HTML part stands in for text when there is none: its text is
    // ours, not mail-parser's, which runs the lines of `div`s and table
    // cells together.)
    let mut text = String::new();
    // Whether an HTML part gave some of the text (inline HTML of a
    // `multipart/mixed` mail, or no text part at all).
    let mut text_from_html = false;
    // The text of text parts that the HTML version shows too (inline text
    // beside inline HTML in a `multipart/mixed` mail, such as a list footer
    // or a disclaimer a gateway appends), by part.
    let mixed = html_in_pieces(&message);
    let mut texts_for_html: Vec<(u32, String)> = Vec::new();
    // (The text parts of one `multipart/alternative` tell one text in
    // several forms: the first is read, as a mail client shows one.)
    let alternative_of = alternative_parents(&message);
    let mut alternatives_read = vec![false; alternative_of.len()];
    for (i, id) in message.text_body.iter().enumerate() {
        // (`body_text` reads the same part: none without it.)
        let Some(part) = message.parts.get(*id as usize) else {
            continue;
        };
        if let Some(&Some(alternative)) = alternative_of.get(*id as usize)
            && let Some(read) = alternatives_read.get_mut(alternative)
        {
            if *read {
                continue;
            }
            *read = true;
        }
        if let PartType::Html(h) = &part.body {
            let h = html_of(part, raw, h);
            push_text_part(&mut text, &super::html_text::html_to_text(&h));
            text_from_html = true;
            continue;
        }
        let Some(t) = text_part_text(&message, part, raw, i) else {
            continue;
        };
        if mixed {
            texts_for_html.push((*id, t.to_string()));
        }
        push_text_part(&mut text, &t);
    }

    // A mail without a body part but for one of a multipart that is never
    // closed (which mail-parser files as an attachment) has that one as
    // its body.
    let mut rescued = Vec::new();
    if text.is_empty()
        && let Some((id, t)) = unclosed_body(&message, raw, "plain")
    {
        push_text_part(&mut text, &t);
        rescued.push(id);
    }
    // The HTML version: the inline HTML parts, with the inline text parts
    // between them as HTML (none without an HTML part).
    let html_part = if mixed {
        // (One document: the body of each HTML piece.)
        let mut joined = String::from("<html><body>");
        for id in &message.html_body {
            match message.parts.get(*id as usize).map(|p| (p, &p.body)) {
                Some((part, PartType::Html(h))) => joined.push_str(body_of(&html_of(part, raw, h))),
                Some((_, PartType::Text(_))) => {
                    if let Some((_, t)) = texts_for_html.iter().find(|(t_id, _)| t_id == id) {
                        push_text_as_html(&mut joined, t);
                    }
                }
                _ => {}
            }
        }
        joined.push_str("</body></html>");
        Some(Cow::Owned(joined))
    } else {
        message
            .html_body
            .iter()
            .filter_map(|id| message.parts.get(*id as usize))
            .find_map(|part| match &part.body {
                PartType::Html(h) => Some(html_of(part, raw, h)),
                _ => None,
            })
    }
    .or_else(|| {
        let (id, h) = unclosed_body(&message, raw, "html")?;
        rescued.push(id);
        Some(h)
    });
    // (A stub of a text alternative gives way to the HTML's text; text
    // that has the HTML's own in it is no stub.)
    let text = match &html_part {
        Some(h) if !text_from_html => super::stub_text::text_or_html_text(text, h),
        _ => text,
    };
    let html = html_part.map(|h| super::sanitize::sanitize_html(&h));
    // A mail that only wraps another (a `message/rfc822` body, as GroupWise
    // forwards mail, or a message forwarded as an attachment with no text
    // of its own) shows the wrapped message's text and HTML; the wrapped
    // message is kept as an attachment too.
    let (text, html) = match (text.trim().is_empty() && html.is_none())
        .then(|| wrapped_text(&message, limits))
        .flatten()
    {
        Some(wrapped) => wrapped,
        None => (text, html),
    };

    let mut attachments = collect_attachments(&message, limits, &rescued);
    // (A file the HTML shows by its Content-ID is shown in the message,
    // whatever its disposition says.)
    if let Some(html) = &html {
        for a in &mut attachments {
            if let Some(id) = &a.content_id {
                a.inline |= html.contains(&format!("cid:{id}"));
            }
        }
    }
    Ok(assemble(&message, root, text, html, attachments))
}

/// The text and HTML of the first message wrapped in `message` (a
/// `message/rfc822` part), read as a mail of its own; `None` when there is
/// none, it has no text either, or wrapped messages are nested deeper than
/// [`MAX_WRAPPED`].
fn wrapped_text(message: &Message<'_>, limits: &ParseLimits) -> Option<(String, Option<String>)> {
    let inner = message.parts.iter().find_map(|part| match &part.body {
        PartType::Message(inner) => Some(inner),
        _ => None,
    })?;
    let depth = WRAPPED_DEPTH.with(std::cell::Cell::get);
    if depth >= MAX_WRAPPED {
        return None;
    }
    // (Set back when the read ends, also by a panic, which `parse` catches.)
    struct Restore(u8);
    impl Drop for Restore {
        fn drop(&mut self) {
            WRAPPED_DEPTH.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(depth);
    WRAPPED_DEPTH.with(|d| d.set(depth + 1));
    let read = parse_inner(inner.raw_message(), limits).ok()?;
    (!read.text.trim().is_empty() || read.html.is_some()).then_some((read.text, read.html))
}

/// How deep wrapped messages are read for their text ([`wrapped_text`]).
const MAX_WRAPPED: u8 = 3;

std::thread_local! {
    /// How many wrapped messages the parse on this thread is inside.
    static WRAPPED_DEPTH: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

/// The text of text part `part`, the `i`-th of the mail's text body, as
/// the fast path reads it: a part of a multipart that is never closed
/// (which mail-parser keeps undecoded) decoded here, one whose last
/// characters mail-parser's decoder drops decoded again, UTF-8 under a
/// single-byte label read as UTF-8 (see `mislabelled`), undeclared 8-bit
/// text read in its legacy charset (see `legacy_text`), and a
/// `format=flowed` part's lines joined.
fn text_part_text<'a>(
    message: &'a Message<'_>,
    part: &'a MessagePart<'_>,
    raw: &'a [u8],
    i: usize,
) -> Option<Cow<'a, str>> {
    if let Some(t) = super::unclosed::reread(message, part, raw, "plain") {
        return Some(t);
    }
    if let Some(bytes) = super::qp_tail::redecoded(part, raw) {
        return Some(Cow::Owned(
            super::fast_path::text_of(part, bytes).into_owned(),
        ));
    }
    let t = super::mislabelled::reread_or(raw, part, message.body_text(i)?);
    Some(super::flowed::as_written(part, t))
}

/// Whether the HTML version of the mail is made of several inline parts:
/// HTML and text parts of a `multipart/mixed` mail (a list footer, a
/// disclaimer a gateway appends), or several HTML parts (Apple Mail splits
/// the HTML around each inline image). It then shows them all, in order.
/// For each part of `message`, the `multipart/alternative` part it is a
/// direct part of, if any (empty when the mail has one text part at most:
/// nothing to choose between).
fn alternative_parents(message: &Message<'_>) -> Vec<Option<usize>> {
    let mut parents = Vec::new();
    if message.text_body.len() < 2 {
        return parents;
    }
    parents.resize(message.parts.len(), None);
    for (at, part) in message.parts.iter().enumerate() {
        if let Some(subs) = part.sub_parts()
            && mime_type_of(part).as_deref() == Some("multipart/alternative")
        {
            for id in subs {
                if let Some(parent) = parents.get_mut(*id as usize) {
                    *parent = Some(at);
                }
            }
        }
    }
    parents
}

fn html_in_pieces(message: &Message<'_>) -> bool {
    let (mut html, mut text) = (0, 0);
    for part in message
        .html_body
        .iter()
        .filter_map(|id| message.parts.get(*id as usize))
    {
        match part.body {
            PartType::Html(_) => html += 1,
            PartType::Text(_) => text += 1,
            _ => {}
        }
    }
    html >= 2 || (html >= 1 && text >= 1)
}

/// What is inside the `<body>` element of the HTML document `html` (all
/// of it when it has no `<body>` tag).
fn body_of(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let start = lower
        .find("<body")
        .and_then(|at| lower.get(at..)?.find('>').map(|end| at + end + 1))
        .unwrap_or(0);
    let end = lower
        .rfind("</body")
        .filter(|end| *end >= start)
        .unwrap_or(html.len());
    html.get(start..end).unwrap_or(html)
}

/// `text` as HTML (escaped, each line a line), appended to `out`.
fn push_text_as_html(out: &mut String, text: &str) {
    out.push_str("<div>");
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for c in line.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
    }
    out.push_str("</div>");
}

/// The HTML `h` that mail-parser read from `part` (of the mail `raw`), or
/// the part read again when mail-parser's decoder dropped its last
/// characters (see `qp_tail`), or its charset label is wrong (see
/// `mislabelled`).
fn html_of<'a>(part: &MessagePart<'_>, raw: &'a [u8], h: &'a str) -> Cow<'a, str> {
    match super::qp_tail::redecoded(part, raw) {
        Some(bytes) => super::fast_path::text_of(part, bytes),
        None => super::mislabelled::reread_or(raw, part, Cow::Borrowed(h)),
    }
}

/// The first of `message`'s attachments that is an unnamed inline
/// `text/<subtype>` part of a multipart that is never closed, read as its
/// body (see `unclosed`), and its part id.
fn unclosed_body<'a>(
    message: &Message<'_>,
    raw: &'a [u8],
    subtype: &str,
) -> Option<(u32, Cow<'a, str>)> {
    message.attachments.iter().find_map(|id| {
        let part = message.parts.get(*id as usize)?;
        if part.attachment_name().is_some() {
            return None;
        }
        // (An empty one stays an attachment: nothing is taken from the
        // list for nothing.)
        super::unclosed::reread(message, part, raw, subtype)
            .filter(|t| !t.trim().is_empty())
            .map(|t| (*id, t))
    })
}

/// An [`InboundMail`] from a parsed message (its root part's headers) and
/// its body as read.
fn assemble(
    message: &Message<'_>,
    root: &MessagePart<'_>,
    text: String,
    html: Option<String>,
    attachments: Vec<AttachmentInfo>,
) -> InboundMail {
    let headers = collect_headers(message, root);
    let signals = collect_signals(message, root, &headers);
    let fields = RootFields::of(root);
    let date = fields
        .date
        .and_then(HeaderValue::as_datetime)
        .filter(|d| d.is_valid())
        .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));
    let message_id = fields
        .message_id
        .and_then(HeaderValue::as_text)
        .map(clean_id)
        .filter(|s| !s.is_empty());
    let mut from = fields
        .from
        .and_then(HeaderValue::as_address)
        .and_then(|a| a.first())
        .and_then(convert_addr)
        .map(|a| {
            // (The raw header, the last From as the address is read from
            // it, is looked up only for an address to repair.)
            if crate::model::is_plausible_email(&a.email) {
                a
            } else {
                repair_address(a, headers.get_all("from").last())
            }
        });
    let mut subject = fields
        .subject
        .and_then(HeaderValue::as_text)
        .unwrap_or("")
        .trim()
        .to_string();
    // Replacement characters in the subject or the sender's name: the
    // header is read again from its bytes (see `reread_header`).
    // (Also a base64 word without its padding, read one character short,
    // and ISO-2022 words read apart: see `encoded_words::read_apart`.)
    let raw_subject = raw_value(message, root, &mail_parser::HeaderName::Subject);
    if (subject.contains(char::REPLACEMENT_CHARACTER)
        || raw_subject.is_some_and(super::encoded_words::read_apart))
        && let Some(again) = reread_header(message, root, &mail_parser::HeaderName::Subject)
    {
        subject = again.trim().to_string();
    } else if let Some(raw) = raw_subject.filter(|raw| super::encoded_words::touches_text(raw)) {
        // (An encoded word that touches other text: read as written, not
        // with a space put on each side of it.)
        let mut unfolded = String::with_capacity(raw.len());
        unfold_into(&mut unfolded, raw.trim());
        if let Some(again) = super::encoded_words::decode_anywhere(&unfolded) {
            subject = again.trim().to_string();
        }
    }
    // (Also a name of encoded words in quotes, folded between them:
    // mail-parser keeps the fold's space inside the quotes, which splits
    // a word cut there, "War szawie".)
    if let Some(a) = &mut from
        && (a
            .name
            .as_deref()
            .is_some_and(|n| n.contains(char::REPLACEMENT_CHARACTER))
            || words_read_apart(message, root, &mail_parser::HeaderName::From))
        && let Some(again) = reread_header(message, root, &mail_parser::HeaderName::From)
    {
        let name = again
            .rsplit_once('<')
            .map_or(again.as_str(), |(name, _)| name)
            .trim()
            .trim_matches('"')
            .trim();
        if !name.is_empty() {
            a.name = Some(name.to_string());
        }
    }
    // (A comment after the sender's bracketed address is no part of its
    // name: see `without_trailing_comment`.)
    if let Some(a) = &mut from
        && a.name.as_deref().is_some_and(|n| n.ends_with(')'))
        && let Some(name) = a.name.as_deref().and_then(|name| {
            without_trailing_comment(
                name,
                raw_value(message, root, &mail_parser::HeaderName::From)?,
            )
        })
    {
        a.name = Some(name);
    }
    let mut reply_to = address_list(fields.reply_to.and_then(HeaderValue::as_address));
    let mut to = fields.addresses(root, &mail_parser::HeaderName::To, fields.to);
    let mut cc = fields.addresses(root, &mail_parser::HeaderName::Cc, fields.cc);
    for (list, name) in [
        (&mut reply_to, mail_parser::HeaderName::ReplyTo),
        (&mut to, mail_parser::HeaderName::To),
        (&mut cc, mail_parser::HeaderName::Cc),
    ] {
        rename_from_raw(list, message, root, &name);
    }
    InboundMail {
        in_reply_to: fields.ids(
            root,
            &mail_parser::HeaderName::InReplyTo,
            fields.in_reply_to,
        ),
        references: fields.ids(
            root,
            &mail_parser::HeaderName::References,
            fields.references,
        ),
        from,
        reply_to,
        to,
        cc,
        subject,
        date,
        text,
        html,
        attachments,
        signals,
        headers,
        // (Set by `parse`, of the bytes as they came: not of a repaired
        // copy read here.)
        content_hash: String::new(),
        message_id,
    }
}

/// The names of the address list `list`, of the last `name` header of
/// `root`, read again from the header's bytes (see [`reread_header`]) when
/// one came out with replacement characters, or the raw value has encoded
/// words that mail-parser reads apart (adjacent words in quotes, base64
/// words without their padding), as for the sender's name.
///
/// The decoded value is parsed again as an address list, and its names
/// are taken only when it gives the same addresses in the same order: a
/// decoded name that holds a comma, a quote or an angle bracket (which
/// could make an address of a name) changes nothing.
fn rename_from_raw(
    list: &mut [Address],
    message: &Message<'_>,
    root: &MessagePart<'_>,
    name: &mail_parser::HeaderName<'_>,
) {
    if list.is_empty() {
        return;
    }
    let garbled = list.iter().any(|a| {
        a.name
            .as_deref()
            .is_some_and(|n| n.contains(char::REPLACEMENT_CHARACTER))
    });
    if !garbled && !words_read_apart(message, root, name) {
        return;
    }
    let Some(again) = reread_header(message, root, name) else {
        return;
    };
    let value = format!("{again}\r\n");
    let parsed = mail_parser::parsers::MessageStream::new(value.as_bytes()).parse_address();
    // (Every entry read again, with an address or without: a name cut in
    // two by a decoded comma is another entry.)
    let entries = match parsed.as_address() {
        Some(mail_parser::Address::List(l)) => l.len(),
        Some(mail_parser::Address::Group(g)) => g.iter().map(|g| g.addresses.len()).sum(),
        None => 0,
    };
    let renamed = address_list(parsed.as_address());
    let same = entries == list.len()
        && renamed.len() == list.len()
        && renamed
            .iter()
            .zip(list.iter())
            .all(|(new, old)| new.email == old.email);
    if same {
        for (slot, new) in list.iter_mut().zip(renamed) {
            slot.name = new.name;
        }
    }
}

/// The last `name` header of `root` and its value's bytes as written
/// (encoded words and folds kept).
fn last_header<'m, 'x>(
    message: &'m Message<'x>,
    root: &'m MessagePart<'x>,
    name: &mail_parser::HeaderName<'_>,
) -> Option<(&'m mail_parser::Header<'x>, &'m [u8])> {
    let header = root.headers.iter().rev().find(|h| &h.name == name)?;
    let bytes = message
        .raw_message
        .get(header.offset_start as usize..header.offset_end as usize)?;
    Some((header, bytes))
}

/// The raw value of the last `name` header of `root`, as written (encoded
/// words and folds kept), when it is UTF-8.
fn raw_value<'m>(
    message: &'m Message<'_>,
    root: &'m MessagePart<'_>,
    name: &mail_parser::HeaderName<'_>,
) -> Option<&'m str> {
    std::str::from_utf8(last_header(message, root, name)?.1).ok()
}

/// `name` (a sender's display name as mail-parser read it) without the
/// comment that the raw header `raw` writes after the bracketed address
/// (`Sender <a@example.com> (work)`, which mail-parser adds to the name:
/// `Sender (work)`); `None` when `raw` has no such comment, or the name
/// does not end with it (a comment in place of a name, `a@example.com
/// (John Doe)`, and parentheses in a quoted name stay).
fn without_trailing_comment(name: &str, raw: &str) -> Option<String> {
    let raw = raw.trim();
    let open = raw.rfind('(')?;
    if !raw.ends_with(')') || raw.rfind('>')? > open {
        return None;
    }
    let comment = raw.get(open + 1..raw.len() - 1)?.trim();
    let kept = name.strip_suffix(')')?.trim_end().strip_suffix(comment)?;
    let kept = kept.trim_end().strip_suffix('(')?.trim();
    (!kept.is_empty()).then(|| kept.to_string())
}

/// Whether the raw value of the last `name` address header of `root` has
/// encoded words that mail-parser reads apart wrongly without a
/// replacement character to show it: adjacent words in quotes
/// ([`quoted_adjacent_words`]), or those of
/// [`super::encoded_words::read_apart`]. (Most values have no encoded
/// word: those are passed over by a byte search.)
fn words_read_apart(
    message: &Message<'_>,
    root: &MessagePart<'_>,
    name: &mail_parser::HeaderName<'_>,
) -> bool {
    let Some((_, bytes)) = last_header(message, root, name) else {
        return false;
    };
    memchr::memmem::find(bytes, b"=?").is_some()
        && std::str::from_utf8(bytes)
            .is_ok_and(|raw| quoted_adjacent_words(raw) || super::encoded_words::read_apart(raw))
}

/// Whether the raw address header `value` has, inside a quoted name, two
/// encoded words with only white space between them.
fn quoted_adjacent_words(value: &str) -> bool {
    let Some(open) = value.find("\"=?") else {
        return false;
    };
    let rest = value.get(open + 1..).unwrap_or_default();
    let quoted = rest
        .get(..rest.find('"').unwrap_or(rest.len()))
        .unwrap_or_default();
    quoted.match_indices("?=").any(|(end, _)| {
        quoted
            .get(end + 2..)
            .is_some_and(|after| after.trim_start().starts_with("=?"))
    })
}

/// The values of the root part's headers that [`assemble`] reads: the
/// last of each, as mail-parser's accessors (`Message::from` and the
/// others) read them, found in one pass instead of one per accessor.
#[derive(Default)]
struct RootFields<'m, 'x> {
    date: Option<&'m HeaderValue<'x>>,
    message_id: Option<&'m HeaderValue<'x>>,
    in_reply_to: Option<&'m HeaderValue<'x>>,
    references: Option<&'m HeaderValue<'x>>,
    from: Option<&'m HeaderValue<'x>>,
    reply_to: Option<&'m HeaderValue<'x>>,
    to: Option<&'m HeaderValue<'x>>,
    cc: Option<&'m HeaderValue<'x>>,
    subject: Option<&'m HeaderValue<'x>>,
    /// Whether there are several `References` or `In-Reply-To` headers:
    /// then the ids of all are read ([`RootFields::ids`]).
    repeated_ids: bool,
    /// Whether there are several `To` or `Cc` headers: then the addresses
    /// of all are read ([`RootFields::addresses`]).
    repeated_addresses: bool,
}

impl<'m, 'x> RootFields<'m, 'x> {
    fn of(root: &'m MessagePart<'x>) -> Self {
        use mail_parser::HeaderName as H;
        let mut f = Self::default();
        for h in &root.headers {
            let slot = match h.name {
                H::Date => &mut f.date,
                H::MessageId => &mut f.message_id,
                H::InReplyTo => &mut f.in_reply_to,
                H::References => &mut f.references,
                H::From => &mut f.from,
                H::ReplyTo => &mut f.reply_to,
                H::To => &mut f.to,
                H::Cc => &mut f.cc,
                H::Subject => &mut f.subject,
                _ => continue,
            };
            let repeated = slot.replace(&h.value).is_some();
            match h.name {
                H::InReplyTo | H::References => f.repeated_ids |= repeated,
                H::To | H::Cc => f.repeated_addresses |= repeated,
                _ => {}
            }
        }
        f
    }

    /// The addresses of the `name` headers (`To` or `Cc`) of `root`: of
    /// the last, or when there are several (a broken mailer's second `cc:`
    /// line), of all in order, each address once.
    fn addresses(
        &self,
        root: &MessagePart<'_>,
        name: &mail_parser::HeaderName<'_>,
        last: Option<&HeaderValue<'_>>,
    ) -> Vec<Address> {
        let read = |v: &HeaderValue<'_>| address_list(v.as_address());
        match self.repeated_addresses {
            false => last.map(read).unwrap_or_default(),
            true => of_every(root, name, read, |a, b| {
                a.email.eq_ignore_ascii_case(&b.email)
            }),
        }
    }

    /// The ids of the `name` headers (`References` or `In-Reply-To`) of
    /// `root`: of the last, or when there are several (as some list
    /// servers and mailers add a second), of all in order, each once.
    fn ids(
        &self,
        root: &MessagePart<'_>,
        name: &mail_parser::HeaderName<'_>,
        last: Option<&HeaderValue<'_>>,
    ) -> Vec<String> {
        match self.repeated_ids {
            false => last.map(id_list).unwrap_or_default(),
            true => of_every(root, name, id_list, |a, b| a == b),
        }
    }
}

/// What `read` makes of every `name` header of `root`, in order, each
/// item once (`same` tells a repeated one).
fn of_every<T>(
    root: &MessagePart<'_>,
    name: &mail_parser::HeaderName<'_>,
    read: impl Fn(&HeaderValue<'_>) -> Vec<T>,
    same: impl Fn(&T, &T) -> bool,
) -> Vec<T> {
    let mut all: Vec<T> = Vec::new();
    for item in root
        .headers
        .iter()
        .filter(|h| &h.name == name)
        .flat_map(|h| read(&h.value))
    {
        if !all.iter().any(|seen| same(seen, &item)) {
            all.push(item);
        }
    }
    all
}

/// The text of a mail whose body is the one text part `part` (see
/// [`push_text_part`]).
fn text_of_one_part(part: &str) -> String {
    let mut text = String::new();
    push_text_part(&mut text, part);
    text
}

/// Appends one inline text part to `text`: `\r\n` line endings become
/// `\n`, blank lines before the text and trailing whitespace are dropped
/// (the first line keeps its indentation), and parts are separated by a
/// blank line; an empty part adds nothing. (One copy of the part, which
/// is the hot path of parsing a mail.)
pub(super) fn push_text_part(text: &mut String, part: &str) {
    let part = part.trim_end();
    // Blank lines before the first line of text are dropped (not that
    // line's indentation).
    let first = part
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(part.len());
    let line_start = part
        .get(..first)
        .and_then(|blank| blank.rfind('\n'))
        .map_or(0, |n| n + 1);
    let part = part.get(line_start..).unwrap_or(part);
    if part.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.reserve(part.len());
    let bytes = part.as_bytes();
    let mut start = 0;
    for cr in memchr::memchr_iter(b'\r', bytes) {
        if bytes.get(cr + 1) == Some(&b'\n') {
            text.push_str(part.get(start..cr).unwrap_or_default());
            start = cr + 1;
        }
    }
    text.push_str(part.get(start..).unwrap_or_default());
}

fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    let mut out: Vec<String> = match value {
        HeaderValue::Text(t) => vec![clean_id(t)],
        HeaderValue::TextList(l) => l.iter().map(|t| clean_id(t)).collect(),
        _ => Vec::new(),
    };
    out.retain(|s| !s.is_empty());
    out
}

fn convert_addr(addr: &mail_parser::Addr<'_>) -> Option<Address> {
    let email = addr.address.as_deref()?.trim();
    if email.is_empty() {
        return None;
    }
    let name = addr
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Some(Address {
        name,
        email: email.to_string(),
    })
}

/// `address`, which the MIME parser could not make a plausible address
/// of, repaired from the header's whole value `raw` where that is certain:
/// - an encoded word written as the local part (`=?utf-8?Q?agent?=@example.com`;
///   RFC 2047 allows none in an address) is read as a display name before
///   `@example.com`: the value is kept whole, as written, never decoded, so
///   that no encoded word can turn into another address
///   (`=?utf-8?Q?me=40evil.example?=@victim.example` stays an address at
///   `victim.example`);
/// - a name and an address without angle brackets (`Ann ann@example.com`,
///   as some scripts write it): the one word with an `@` is the address;
/// - addresses in angle brackets without the comma between them
///   (`Bob <bob@example.com> Bobby <bobby@example.com>`, which the parser
///   runs together): the first, as the first of a list is taken;
/// - RFC 2822's obsolete white space around the dots and the `@` of an
///   address (`jdoe@machine.  example`, RFC 5322 section 4.4): taken out.
///
/// Anything else is returned as it is (and ingest looks elsewhere for the
/// sender).
fn repair_address(address: Address, raw: Option<&str>) -> Address {
    if let Some(first) = raw.and_then(first_of_uncommaed) {
        return first;
    }
    if let Some(email) = without_obsolete_spaces(&address.email) {
        return Address {
            name: address.name,
            email,
        };
    }
    let Some(raw) = raw
        .map(str::trim)
        .filter(|v| !v.contains(['<', '>', ',', '"', '(', ')', ';']))
    else {
        return address;
    };
    if address.email.starts_with('@') {
        if !raw.starts_with('@')
            && raw.matches('@').count() == 1
            && !raw.contains(char::is_whitespace)
        {
            return Address {
                name: None,
                email: raw.to_string(),
            };
        }
        return address;
    }
    let mut words = raw.split_whitespace();
    let with_at: Vec<&str> = words.clone().filter(|w| w.contains('@')).collect();
    match with_at.as_slice() {
        [email] if crate::model::is_plausible_email(email) && !raw.contains("=?") => {
            let name = words
                .by_ref()
                .filter(|w| w != email)
                .collect::<Vec<_>>()
                .join(" ");
            Address {
                name: (!name.is_empty()).then_some(name),
                email: (*email).to_string(),
            }
        }
        _ => address,
    }
}

/// `email` without white space that only stands beside its dots or its
/// `@` (RFC 2822's obsolete syntax), when that makes it plausible.
fn without_obsolete_spaces(email: &str) -> Option<String> {
    let words: Vec<&str> = email.split_whitespace().collect();
    if words.len() < 2 {
        return None;
    }
    let beside_dot_or_at = words.windows(2).all(|pair| match pair {
        [left, right] => left.ends_with(['.', '@']) || right.starts_with(['.', '@']),
        _ => false,
    });
    let squeezed = words.concat();
    (beside_dot_or_at && crate::model::is_plausible_email(&squeezed)).then_some(squeezed)
}

/// The first of two or more `name <address>` written one after the other
/// without commas (nor quotes, comments or encoded words, which would make
/// the reading uncertain), when its address is plausible.
fn first_of_uncommaed(raw: &str) -> Option<Address> {
    let raw = raw.trim();
    if raw.contains([',', '"', '(', ';']) || raw.contains("=?") || raw.matches('<').count() < 2 {
        return None;
    }
    let (name, rest) = raw.split_once('<')?;
    let (email, _) = rest.split_once('>')?;
    let email = email.trim();
    if !crate::model::is_plausible_email(email) {
        return None;
    }
    let name = name.trim();
    Some(Address {
        name: (!name.is_empty()).then(|| name.to_string()),
        email: email.to_string(),
    })
}

fn address_list(addr: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    let Some(addr) = addr else {
        return Vec::new();
    };
    match addr {
        mail_parser::Address::List(list) => list.iter().filter_map(convert_addr).collect(),
        mail_parser::Address::Group(groups) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .filter_map(convert_addr)
            .collect(),
    }
}

/// The last `name` header of `root` read again from its bytes, when its
/// decoded value came out with replacement characters:
/// - adjacent encoded words of one charset are decoded as one, so that a
///   character cut in two by the word boundary is read whole, and words
///   labelled ISO-2022-JP that hold Shift_JIS bytes are read as Shift_JIS
///   ([`super::encoded_words`]);
/// - raw 8-bit bytes that are not UTF-8 (old mailers and scripts write
///   `Subject: Grüße` in Latin-1 unencoded) are read in the charset the
///   part declares for its text, or for a multipart mail the charset of
///   its first text part, or else the legacy 8-bit charset its bytes fit
///   (`legacy_text::legacy_charset`; Shift_JIS for a declared ISO-2022-JP,
///   which has no 8-bit bytes).
///
/// `None` when that gives replacement characters too.
fn reread_header(
    message: &Message<'_>,
    root: &MessagePart<'_>,
    name: &mail_parser::HeaderName<'_>,
) -> Option<String> {
    let (header, bytes) = last_header(message, root, name)?;
    let again = match std::str::from_utf8(bytes) {
        Ok(_) => {
            let mut value = String::with_capacity(bytes.len());
            push_raw_value(&mut value, message, header);
            super::encoded_words::redecode(&value)?
        }
        Err(_) => {
            let root_charset = root
                .content_type()
                .and_then(|ct| ct.attribute("charset"))
                .map(Cow::Borrowed);
            let declared = match root_charset {
                Some(c) => c,
                // (Nothing declared: the legacy charset of the header's
                // bytes, as for undeclared text; see `legacy_text`.)
                None => Cow::Owned(
                    first_text_charset(&message.raw_message)
                        .unwrap_or_else(|| super::legacy_text::legacy_charset(bytes).to_owned()),
                ),
            };
            let declared = declared.trim().trim_matches('"');
            let charset = if declared.eq_ignore_ascii_case("iso-2022-jp") {
                "shift_jis"
            } else if (super::legacy_text::is_utf8_label(declared)
                && super::legacy_text::no_utf8_character(bytes))
                || super::legacy_text::is_unknown_label(declared)
            {
                // (Declared UTF-8 without a UTF-8 character, or a charset
                // we cannot read in: see `legacy_text`.)
                super::legacy_text::legacy_charset(bytes)
            } else {
                declared
            };
            // (A misspelt code page's label, `win-1250`: that code page.)
            let charset = super::legacy_text::misspelt_code_page(charset).unwrap_or(charset);
            let decoded =
                mail_parser::decoders::charsets::map::charset_decoder(charset.as_bytes())?(bytes);
            if decoded.contains("=?") {
                // (Encoded words among raw bytes: left as first decoded.)
                return None;
            }
            let mut unfolded = String::with_capacity(decoded.len());
            unfold_into(&mut unfolded, decoded.trim());
            unfolded
        }
    };
    (!again.contains(char::REPLACEMENT_CHARACTER)).then_some(again)
}

/// The charset the first text part of the multipart mail `raw` declares
/// (its plain text, else its HTML): what a mail whose root part declares
/// none most likely wrote its raw 8-bit headers in. The mail is parsed
/// again in full, which [`reread_header`] does only for a header that came
/// out with replacement characters, so that both parse paths find the
/// same part.
fn first_text_charset(raw: &[u8]) -> Option<String> {
    let message = mime_parser().parse(raw)?;
    declared_text_charset(&message).map(str::to_owned)
}

/// The charset the first text part of `message` (fully parsed) declares:
/// its plain text, else its HTML.
fn declared_text_charset<'a>(message: &'a Message<'_>) -> Option<&'a str> {
    message
        .text_body
        .iter()
        .chain(&message.html_body)
        .filter_map(|id| message.parts.get(*id as usize))
        .find_map(|part| part.content_type()?.attribute("charset"))
}

/// Appends the raw value of a header to `out`, unfolded and trimmed.
fn push_raw_value(out: &mut String, message: &Message<'_>, header: &mail_parser::Header<'_>) {
    let start = header.offset_start as usize;
    let end = header.offset_end as usize;
    let bytes = message.raw_message.get(start..end).unwrap_or(b"");
    // Most header values are valid UTF-8 (usually ASCII) on one line:
    // checked first, since the lossy conversion and the unfolding below
    // cost more than the rest of reading the header.
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let t = s.trim();
            if memchr::memchr(b'\n', t.as_bytes()).is_none() {
                out.push_str(t);
            } else {
                unfold_into(out, t);
            }
        }
        Err(_) => unfold_into(out, &String::from_utf8_lossy(bytes)),
    }
}

/// Appends `s` to `out` with its lines joined by single spaces, each
/// trimmed, blank ones dropped.
fn unfold_into(out: &mut String, s: &str) {
    let mut pending_space = false;
    for line in s.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if pending_space {
            out.push(' ');
        }
        out.push_str(line.trim());
        pending_space = true;
    }
}

fn collect_headers(message: &Message<'_>, root: &MessagePart<'_>) -> Headers {
    // (Names and values take about as much room as the raw header block;
    // not the part's body offset, which a headers-only parse sets to the
    // end of the mail.)
    let bytes = match (root.headers.first(), root.headers.last()) {
        (Some(first), Some(last)) => last.offset_end.saturating_sub(first.offset_field) as usize,
        _ => 0,
    };
    let mut headers = Headers::with_capacity(root.headers.len(), bytes);
    for h in &root.headers {
        headers.push_with(h.name.as_str(), |out| match &h.value {
            HeaderValue::Text(t) => out.push_str(t.trim()),
            HeaderValue::TextList(l) => {
                for (i, t) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(t.trim());
                }
            }
            _ => push_raw_value(out, message, h),
        });
    }
    headers
}

fn first_token_lower(value: &str) -> String {
    value
        .split(['(', ';'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The `type/subtype` of `part`, lower-cased. (Each is its leading RFC
/// 2045 token: a parameter that a missing `;` ran into the subtype, as in
/// `application/pdf name="a.pdf"`, is no part of it.)
fn mime_type_of(part: &MessagePart<'_>) -> Option<String> {
    part.content_type().map(|ct| {
        let (t, sub) = (
            mime_token(ct.ctype()),
            ct.subtype().map(mime_token).filter(|s| !s.is_empty()),
        );
        let mut out = String::with_capacity(t.len() + sub.map_or(0, |s| s.len() + 1));
        out.push_str(t);
        if let Some(sub) = sub {
            out.push('/');
            out.push_str(sub);
        }
        out.make_ascii_lowercase();
        out
    })
}

/// The RFC 2045 token at the start of `s` (after white space): up to the
/// first space, control character or `tspecial`.
fn mime_token(s: &str) -> &str {
    let s = s.trim_start();
    let end = s
        .bytes()
        .position(|b| {
            b.is_ascii_whitespace()
                || b.is_ascii_control()
                || matches!(
                    b,
                    b'(' | b')'
                        | b'<'
                        | b'>'
                        | b'@'
                        | b','
                        | b';'
                        | b':'
                        | b'\\'
                        | b'"'
                        | b'/'
                        | b'['
                        | b']'
                        | b'?'
                        | b'='
                )
        })
        .unwrap_or(s.len());
    s.get(..end).unwrap_or(s)
}

/// The values of the headers the classifier's signals read (the first of
/// each, every `X-Loop`), found in one pass over the headers.
#[derive(Default)]
struct SignalHeaders<'a> {
    return_path: Option<&'a str>,
    list_id: Option<&'a str>,
    auto_submitted: Option<&'a str>,
    precedence: Option<&'a str>,
    x_auto_response_suppress: Option<&'a str>,
    x_autoreply: bool,
    x_autorespond: bool,
    list_unsubscribe: bool,
    mailing_list: bool,
    x_failed_recipients: bool,
    x_loop: Vec<&'a str>,
}

impl<'a> SignalHeaders<'a> {
    fn scan(headers: &'a Headers) -> Self {
        let mut s = Self::default();
        for (name, value) in headers.iter() {
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            let slot = if is("Return-Path") {
                &mut s.return_path
            } else if is("List-Id") {
                &mut s.list_id
            } else if is("Auto-Submitted") {
                &mut s.auto_submitted
            } else if is("Precedence") {
                &mut s.precedence
            } else if is("X-Auto-Response-Suppress") {
                &mut s.x_auto_response_suppress
            } else {
                if is("X-Loop") {
                    s.x_loop.push(value);
                } else if is("X-Autoreply") {
                    s.x_autoreply = true;
                } else if is("X-Autorespond") {
                    s.x_autorespond = true;
                } else if is("List-Unsubscribe") {
                    s.list_unsubscribe = true;
                } else if is("Mailing-List") {
                    s.mailing_list = true;
                } else if is("X-Failed-Recipients") {
                    s.x_failed_recipients = true;
                }
                continue;
            };
            slot.get_or_insert(value);
        }
        s
    }
}

fn collect_signals(
    message: &Message<'_>,
    root: &MessagePart<'_>,
    headers: &Headers,
) -> HeaderSignals {
    let found = SignalHeaders::scan(headers);
    let return_path_raw = found.return_path.map(str::trim);
    let null_return_path = return_path_raw.is_some_and(|v| {
        let mut rest = v.chars().filter(|c| !c.is_whitespace());
        rest.next() == Some('<') && rest.next() == Some('>') && rest.next().is_none()
    });
    let return_path = if null_return_path {
        None
    } else {
        return_path_raw
            .map(normalize_email)
            .filter(|s| !s.is_empty())
    };

    let list_id = found.list_id.and_then(|v| {
        let inner = match (v.rfind('<'), v.rfind('>')) {
            (Some(a), Some(b)) if a < b => v.get(a + 1..b).unwrap_or(v),
            _ => v,
        };
        let inner = inner.trim();
        (!inner.is_empty()).then(|| inner.to_string())
    });

    let content_type = mime_type_of(root);
    // (Also a delivery status sent as `multipart/mixed`, as GroupWise and
    // some older servers send their reports.)
    let report = match content_type.as_deref() {
        Some("multipart/report") => Some(collect_report(message, root)),
        Some("multipart/mixed") if has_delivery_status(message, root) => {
            Some(collect_report(message, root))
        }
        _ => None,
    };

    HeaderSignals {
        auto_submitted: found
            .auto_submitted
            .map(first_token_lower)
            .filter(|s| !s.is_empty()),
        precedence: found
            .precedence
            .map(first_token_lower)
            .filter(|s| !s.is_empty()),
        x_autoreply: found.x_autoreply,
        x_autorespond: found.x_autorespond,
        x_loop: found.x_loop.iter().map(|v| v.trim().to_string()).collect(),
        x_auto_response_suppress: found.x_auto_response_suppress.map(|v| v.trim().to_string()),
        list_id,
        list_unsubscribe: found.list_unsubscribe,
        mailing_list: found.mailing_list,
        null_return_path,
        return_path,
        x_failed_recipients: found.x_failed_recipients,
        content_type,
        report,
    }
}

/// Whether a direct part of `root` is a delivery status
/// (`message/delivery-status`).
fn has_delivery_status(message: &Message<'_>, root: &MessagePart<'_>) -> bool {
    root.sub_parts().unwrap_or(&[]).iter().any(|id| {
        message.parts.get(*id as usize).is_some_and(|part| {
            matches!(
                mime_type_of(part).as_deref(),
                Some("message/delivery-status" | "message/global-delivery-status")
            )
        })
    })
}

fn collect_report(message: &Message<'_>, root: &MessagePart<'_>) -> DeliveryReport {
    let mut report = DeliveryReport {
        report_type: root
            .content_type()
            .and_then(|ct| ct.attribute("report-type"))
            .map(|s| s.trim().to_ascii_lowercase()),
        ..DeliveryReport::default()
    };
    // Only the direct children of the report matter; nested messages have
    // their own part list.
    let children = root.sub_parts().unwrap_or(&[]);
    for id in children {
        let Some(part) = message.parts.get(*id as usize) else {
            continue;
        };
        let mime = mime_type_of(part).unwrap_or_default();
        match mime.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                parse_delivery_status(part.contents(), &mut report);
            }
            "message/rfc822" | "message/global" if report.original_message_id.is_none() => {
                report.original_message_id = match &part.body {
                    PartType::Message(m) => m.message_id().map(clean_id),
                    _ => None,
                }
                .filter(|s| !s.is_empty())
                .or_else(|| original_id_from_headers(part.contents()));
            }
            // (`message/rfc822-headers`: Exim's and Gmail's name for the
            // returned headers.)
            "text/rfc822-headers" | "message/rfc822-headers" | "message/global-headers"
                if report.original_message_id.is_none() =>
            {
                report.original_message_id = original_id_from_headers(part.contents());
            }
            // A read receipt names the message it reports on in its own
            // fields (RFC 8098 `Original-Message-ID`), which win over the
            // headers some clients return beside them.
            "message/feedback-report" => {
                report.complainants.extend(
                    block_fields(part.contents())
                        .into_iter()
                        .filter(|(k, _)| k == "original-rcpt-to")
                        .map(|(_, v)| v.trim().trim_matches(['<', '>']).trim().to_string())
                        .filter(|v| !v.is_empty()),
                );
            }
            "message/disposition-notification" | "message/global-disposition-notification" => {
                if let Some(id) = original_id_from_fields(part.contents(), "original-message-id") {
                    report.original_message_id = Some(id);
                }
            }
            _ => {}
        }
    }
    report.original_message_id = report.original_message_id.filter(|s| !s.is_empty());
    report
}

fn original_id_from_headers(bytes: &[u8]) -> Option<String> {
    original_id_from_fields(bytes, "message-id")
}

/// The id in the field `name` (lower case) of the header-like block that
/// `bytes` opens with.
fn original_id_from_fields(bytes: &[u8], name: &str) -> Option<String> {
    block_fields(bytes)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| clean_id(&v))
        .filter(|s| !s.is_empty())
}

/// The fields of the header-like block that `bytes` opens with (up to its
/// first blank line), as [`fields`] reads them.
fn block_fields(bytes: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    let block: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .take_while(|l| !l.trim().is_empty())
        .collect();
    fields(&block)
}

/// Splits a header-like block into unfolded `(lower-case name, value)` pairs.
fn fields(block: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    out
}

fn strip_type_prefix(v: &str) -> String {
    match v.split_once(';') {
        Some((_, rest)) => rest.trim().to_string(),
        None => v.trim().to_string(),
    }
}

fn parse_delivery_status(bytes: &[u8], report: &mut DeliveryReport) {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let blocks: Vec<&[&str]> = lines
        .split(|l| l.trim().is_empty())
        .filter(|b| !b.is_empty())
        .collect();
    for block in blocks {
        let fields = fields(block);
        let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        if report.reporting_mta.is_none() {
            report.reporting_mta = get("reporting-mta").map(strip_type_prefix);
        }
        let is_recipient =
            get("final-recipient").is_some() || get("action").is_some() || get("status").is_some();
        if is_recipient {
            report.recipients.push(DsnRecipient {
                final_recipient: get("final-recipient").map(strip_type_prefix),
                original_recipient: get("original-recipient").map(strip_type_prefix),
                action: get("action").map(first_token_lower),
                status: get("status").map(|s| {
                    s.split(['(', ' ', '\t'])
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_string()
                }),
                diagnostic_code: get("diagnostic-code").map(str::to_string),
            });
        }
    }
}

pub(crate) fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    cleaned.chars().take(255).collect()
}

/// A name for the `n`-th attachment, which has none: a returned or
/// forwarded message is named after its subject, another part after its
/// `Content-Description` (as in delivery reports: "Delivery report",
/// "Undelivered Message"), a delivery status `delivery-status.txt`, else
/// `attachment-<n + 1>`; with `.eml` for a message, `.html`, `.ics` or
/// `.txt` for text.
fn unnamed_attachment_name(part: &MessagePart<'_>, content_type: &str, n: usize) -> String {
    let is_message = matches!(part.body, PartType::Message(_));
    let extension = if is_message {
        ".eml"
    } else if content_type.eq_ignore_ascii_case("text/html") {
        ".html"
    } else if content_type.eq_ignore_ascii_case("text/calendar") {
        ".ics"
    } else if content_type.starts_with("text/")
        || content_type.eq_ignore_ascii_case("message/delivery-status")
    {
        ".txt"
    } else {
        ""
    };
    // (A subject or a description is no path: its slashes are kept as
    // dashes, not taken for directories.)
    let as_name = |s: &str| sanitize_file_name(&s.replace(['/', '\\'], "-"));
    let described = match &part.body {
        PartType::Message(m) => m.subject().map(as_name),
        _ => None,
    }
    .filter(|s| !s.is_empty())
    .or_else(|| part.content_description().map(as_name))
    .filter(|s| !s.is_empty());
    match described {
        Some(stem) if stem.to_ascii_lowercase().ends_with(extension) => stem,
        // (Room for the extension within the 255 characters of a name.)
        Some(stem) => format!(
            "{}{extension}",
            stem.chars().take(255 - extension.len()).collect::<String>()
        ),
        None if content_type.eq_ignore_ascii_case("message/delivery-status") => {
            "delivery-status.txt".to_string()
        }
        None => format!("attachment-{}{extension}", n + 1),
    }
}

/// The attachments of `message`, but for the parts `body_parts` (read as
/// its body instead).
/// The parts of `message` that are the signature of a `multipart/signed`
/// (its second part, an S/MIME `smime.p7s` or an OpenPGP `signature.asc`):
/// no file the sender attached, but a signature no one reads, left out of
/// the attachments as mail programs show a signed mail (the raw mail keeps
/// it).
fn detached_signatures(message: &Message<'_>) -> Vec<u32> {
    let is_type = |part: &MessagePart<'_>, types: &[&str]| {
        part.content_type().is_some_and(|ct| {
            types.iter().any(|t| {
                t.split_once('/').is_some_and(|(ty, sub)| {
                    ct.ctype().eq_ignore_ascii_case(ty)
                        && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case(sub))
                })
            })
        })
    };
    message
        .parts
        .iter()
        .filter_map(|part| match &part.body {
            PartType::Multipart(children) if is_type(part, &["multipart/signed"]) => {
                children.get(1).copied()
            }
            _ => None,
        })
        .filter(|id| {
            message.parts.get(*id as usize).is_some_and(|p| {
                is_type(
                    p,
                    &[
                        "application/pkcs7-signature",
                        "application/x-pkcs7-signature",
                        "application/pgp-signature",
                    ],
                )
            })
        })
        .collect()
}

fn collect_attachments(
    message: &Message<'_>,
    limits: &ParseLimits,
    body_parts: &[u32],
) -> Vec<AttachmentInfo> {
    let mut out = Vec::new();
    let signatures = detached_signatures(message);
    for (n, id) in message.attachments.iter().enumerate() {
        if body_parts.contains(id) || signatures.contains(id) {
            continue;
        }
        let Some(part) = message.parts.get(*id as usize) else {
            continue;
        };
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let is_message = matches!(part.body, PartType::Message(_));
        let content_type = mime_type_of(part)
            .filter(|t| t.contains('/'))
            .unwrap_or_else(|| {
                if is_message {
                    "message/rfc822".to_string()
                } else {
                    "application/octet-stream".to_string()
                }
            });
        // (A name split into RFC 2231 segments is read whole: see
        // `rfc2231`.)
        // (A Windows path in quotes: its last segment; encoded words after
        // other text or with white space between them: decoded, joined;
        // see `rfc2231::path_name` and `encoded_words_name`.)
        let mut name = super::rfc2231::continued_name(part, &message.raw_message)
            .or_else(|| super::rfc2231::path_name(part, &message.raw_message))
            .or_else(|| super::rfc2231::encoded_words_name(part, &message.raw_message))
            .as_deref()
            .or(part.attachment_name())
            .map(sanitize_file_name)
            .unwrap_or_default();
        // (A name in raw 8-bit bytes, read in the mail's charset: see
        // `rfc2231::raw_8bit_name`.)
        if name.contains(char::REPLACEMENT_CHARACTER) {
            let charset = declared_text_charset(message);
            if let Some(again) = super::rfc2231::raw_8bit_name(part, &message.raw_message, charset)
            {
                name = sanitize_file_name(&again);
            }
        }
        // (Read again when mail-parser's decoder dropped its last bytes:
        // see `base64_tail` and `qp_tail`; decoded when uuencoded: see
        // `uuencode`. A text file is kept as the sender's bytes: see
        // `file_bytes`.)
        let redecoded = super::base64_tail::redecoded(part, &message.raw_message)
            .map(Cow::Owned)
            .or_else(|| file_bytes(part, &message.raw_message))
            .or_else(|| super::qp_tail::redecoded(part, &message.raw_message));
        let mut contents = redecoded.as_deref().unwrap_or_else(|| part.contents());
        let uudecoded = if super::uuencode::is_uuencoded(part) {
            super::uuencode::decode(contents)
        } else {
            None
        };
        if let Some((bytes, begin_name)) = &uudecoded {
            contents = bytes;
            if name.is_empty() {
                name = begin_name
                    .as_deref()
                    .map(sanitize_file_name)
                    .unwrap_or_default();
            }
        }
        // (Outlook's `winmail.dat`: the files inside it instead, when any
        // can be read; see `tnef`.)
        if super::tnef::is_tnef(&content_type, &name)
            && let Some(files) = super::tnef::files(contents)
        {
            for (k, file) in files.into_iter().enumerate() {
                let name = file
                    .name
                    .as_deref()
                    .map(sanitize_file_name)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("attachment-{}-{}", n + 1, k + 1));
                let content_type = file
                    .content_type
                    .unwrap_or_else(|| super::tnef::content_type_of(&name).to_string());
                let content_id = file.content_id.as_deref().map(clean_id);
                out.push(AttachmentInfo::within(
                    name,
                    content_type,
                    &file.content,
                    false,
                    content_id,
                    limits,
                ));
            }
            continue;
        }
        if name.is_empty() {
            name = unnamed_attachment_name(part, &content_type, n);
        }
        let inline = part
            .content_disposition()
            .is_some_and(|cd| cd.ctype().eq_ignore_ascii_case("inline"));
        let content_id = part.content_id().map(clean_id);
        out.push(AttachmentInfo::within(
            name,
            content_type,
            contents,
            inline,
            content_id,
            limits,
        ));
    }
    out
}

/// The bytes of the text file attached as `part` (of the mail `raw`), as
/// the sender wrote them: only its transfer encoding decoded. mail-parser
/// gives a `text/*` part's body as text, in UTF-8 from its charset, which
/// changes a file in another charset (a CSV in windows-1250), and replaces
/// what is no text in it (an undeclared Latin-1 file, or a binary file
/// labelled `text/*`, RFC 2046's `text/rtf` of a picture) with U+FFFD.
/// `None` for other parts (their body is bytes already) and when the body
/// cannot be found; bytes the transfer decoder rejects are kept as
/// written, as mail-parser keeps them.
fn file_bytes<'a>(part: &MessagePart<'_>, raw: &'a [u8]) -> Option<Cow<'a, [u8]>> {
    if !matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
        return None;
    }
    let body = super::fast_path::part_bytes(part, raw)?;
    Some(super::fast_path::decode_to_end(body, part.encoding).unwrap_or(Cow::Borrowed(body)))
}

impl AttachmentInfo {
    /// An attachment of `contents`, its bytes kept when they are within
    /// the size limit of `limits` (else recorded as too large, without
    /// them); an empty Content-ID is none.
    fn within(
        name: String,
        content_type: String,
        contents: &[u8],
        inline: bool,
        content_id: Option<String>,
        limits: &ParseLimits,
    ) -> Self {
        let size = contents.len();
        let too_large = size > limits.max_attachment_bytes;
        Self {
            name,
            content_type,
            size,
            too_large,
            content: (!too_large).then(|| contents.to_vec()),
            inline,
            content_id: content_id.filter(|s| !s.is_empty()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every file of mail-parser's corpus (`tests/fixtures`), with its path.
    pub(crate) fn corpus() -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut dirs = vec![
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/fixtures/mail-parser-corpus"),
        ];
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                panic!("cannot read {}", dir.display());
            };
            for path in entries.flatten().map(|e| e.path()) {
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let Ok(raw) = std::fs::read(&path) else {
                        panic!("cannot read {}", path.display());
                    };
                    files.push((path, raw));
                }
            }
        }
        files
    }

    /// Asserts that two parses of one mail agree on every part, header and
    /// body, nested messages included, except for `Received` values.
    fn same_but_received(a: &Message<'_>, b: &Message<'_>, path: &std::path::Path) {
        let at = path.display();
        assert_eq!(a.parts.len(), b.parts.len(), "{at}");
        for (x, y) in a.parts.iter().zip(b.parts.iter()) {
            assert_eq!(x.headers.len(), y.headers.len(), "{at}");
            for (hx, hy) in x.headers.iter().zip(y.headers.iter()) {
                assert_eq!(
                    (&hx.name, hx.offset_start, hx.offset_end),
                    (&hy.name, hy.offset_start, hy.offset_end),
                    "{at}"
                );
                if hx.name != mail_parser::HeaderName::Received {
                    assert_eq!(hx.value, hy.value, "{at}: {}", hx.name);
                }
            }
            match (&x.body, &y.body) {
                (PartType::Message(mx), PartType::Message(my)) => same_but_received(mx, my, path),
                (bx, by) => assert_eq!(bx, by, "{at}"),
            }
        }
    }

    /// The fast path (headers parsed, a plain UTF-8 body read here) gives
    /// what the full parse gives, on every mail of mail-parser's corpus.
    #[test]
    fn fast_path_is_the_full_parse_on_the_corpus() {
        let limits = ParseLimits::default();
        for (path, raw) in corpus() {
            assert_eq!(
                parse_inner(&raw, &limits),
                parse_full(&raw, &limits),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn a_wrapped_message_gives_its_text() {
        // A `message/rfc822` body (GroupWise's forward; Python's test
        // mail msg_46), and a forward as an attachment without text.
        let inner = "From: Courier <c@x.example>\r\nSubject: Parcel\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour parcel was returned.\r\n";
        let m = p(&format!(
            "From: a@b.example\r\nSubject: Fw\r\nContent-Type: message/rfc822\r\n\r\n{inner}"
        ));
        assert_eq!(m.text, "Your parcel was returned.");
        let m = p(&format!(
            "From: a@b.example\r\nSubject: Fw\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n{inner}--x--\r\n"
        ));
        assert_eq!(m.text, "Your parcel was returned.");
        assert_eq!(m.attachments.len(), 1, "{:?}", m.attachments);
        // With text of its own, the mail's text stands.
        let m = p(&format!(
            "From: a@b.example\r\nSubject: Fw\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n{inner}--x--\r\n"
        ));
        assert_eq!(m.text, "See below.");
        // Wrapped in itself ever deeper: read a few levels down, then
        // left (no text, no panic).
        let mut mail = inner.to_string();
        for _ in 0..50 {
            mail = format!("From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\n{mail}");
        }
        let m = p(&mail);
        assert_eq!(m.text, "");
        assert_eq!(super::WRAPPED_DEPTH.with(std::cell::Cell::get), 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// The fast path gives what the full parse gives, on mails built
        /// from the header, separator and body variants that decide it.
        #[test]
        fn fast_path_is_the_full_parse(
            headers in proptest::collection::vec(proptest::sample::select(vec![
                "From: Ann <ann@example.com>", "To: support@example.com", "Subject: Hi",
                "Subject: =?utf-8?q?Za=C5=BC=C3=B3=C5=82=C4=87?=", "Message-ID: <a@b>",
                "Content-Type: text/plain", "Content-Type: text/plain; charset=utf-8",
                "Content-Type: TEXT/PLAIN; charset=\"UTF-8\"", "Content-Type: text/plain; charset=us-ascii",
                "Content-Type: text/plain; charset=iso-8859-2", "Content-Type: text/plain; charset=utf8",
                "Content-Type: text/plain; charset=windows-1250", "Content-Type: text/html; charset=x-unknown",
                "Content-Type: text/html; charset=utf-8", "Content-Type: text/plain; format=flowed",
                "Content-Type: text/plain; charset=iso-2022-jp", "Content-Type: text/plain; charset=gbk",
                "Subject: =?iso-2022-jp?B?GyRCJWElayVeJSwycj18GyhC?=",
                "Content-Type: multipart/alternative; boundary=b", "Content-Type: multipart/mixed",
                "Content-Type: message/rfc822", "Content-Type: application/pdf; name=x.pdf",
                "Content-Type:", "Content-Transfer-Encoding: 7bit", "Content-Transfer-Encoding: 8BIT",
                "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: Quoted-Printable",
                "Content-Transfer-Encoding: x-uuencode", "Content-Disposition: attachment",
                "Content-Disposition: inline", "Content-Disposition: attachment; filename=a.txt",
                "Received: from x by y; Mon, 2 Mar 2026 09:00:00 +0100",
                "X-Folded: a\r\n\tb", "garbage line without a colon", " leading space: x",
                "Date: Mon, 2 Mar 2026 09:00:00 +0100", "Date: Sat, 22 Apr 2006 17:14:50 UT",
                "Date: Mon, 2 Mar 2026 09:00:00 Z", "Date: Mon, 2 Mar 2026 09:00:00 A",
                "Content-Type: text/plain Content-Transfer-Encoding: base64",
                "Content-Type: text/html; charset=utf-8 Content-Transfer-Encoding: quoted-printable",
                "Content-Type: text/plain; name=\"a: b\"",
                "Content-Type: text; charset=utf-8", "Content-Type: plain/text", "Content-Type: text/",
                "Content-Type: text/plain; charset=unknown-8bit", "Content-Type: text/plain; charset=x-user-defined",
                "Content-Type: text/html; charset=x-user-defined", "Content-Type: text/html; charset=us-ascii",
            ]), 0..8),
            eol in proptest::sample::select(vec!["\r\n", "\n"]),
            blank in proptest::sample::select(vec!["\r\n", "\n", " \r\n", "\t\n", "", "\r\r\n"]),
            body in proptest::collection::vec(proptest::sample::select(vec![
                &b"Hello"[..], b" ", b"\r\n", b"\n", b"\r", b"Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87",
                b"\xff", b"\xc5", b"--b", b"--b--", b"=3D", b"SGVsbG8=", b"<p>x</p>", b"\t",
                b"From: x@y", b"", b"<script>x</script>", b"<a href=\"javascript:x\">a</a>",
                b"<br>", b"&amp;", b"=\r\n", b"=\n", b"=C5=BC", b"=c5=bc", b"=ZZ", b"  \r\n", b"=20", b"<meta charset=windows-1250>", b"<meta charset=utf-8>",
                b"=C5", b"=",
            ]), 0..12),
        ) {
            let mut raw = Vec::new();
            for h in &headers {
                raw.extend_from_slice(h.as_bytes());
                raw.extend_from_slice(eol.as_bytes());
            }
            raw.extend_from_slice(blank.as_bytes());
            for b in &body {
                raw.extend_from_slice(b);
            }
            let (fast, full) = both_paths(&raw);
            proptest::prop_assert_eq!(fast, full);
        }

        /// The same for `multipart/alternative` mail: a plain-text and an
        /// HTML part, maybe a third, built from the boundary, delimiter,
        /// part header and body variants that decide the fast path (each
        /// usually in its usual form, so that the fast path is often
        /// taken).
        #[test]
        fn alternative_fast_path_is_the_full_parse(
            root in usually("multipart/alternative; boundary=b1", vec![
                "multipart/alternative; boundary=\"b1\"", "Multipart/Alternative; boundary=b1",
                "multipart/alternative; boundary=-b1", "multipart/alternative",
                "multipart/mixed; boundary=b1", "multipart/alternative; boundary=\"b1 x\"",
            ]),
            eol in proptest::sample::select(vec!["\r\n", "\n"]),
            preamble in usually("", vec!["preamble\r\n", "--b1x\r\n", "text", "\r\n", "-"]),
            parts in (
                part("text/plain; charset=utf-8"),
                part("text/html; charset=utf-8"),
                usually(0, vec![1, 2]),
                part("text/html"),
                part("text/plain"),
            ),
            end in usually("\r\n--b1--\r\n", vec![
                "\n--b1--", "\r\n--b1--epilogue", "", "\r\n--b1\r\n", "--b1--",
            ]),
        ) {
            let mut raw = format!("From: a@b.c{eol}Content-Type: {root}{eol}{eol}{preamble}").into_bytes();
            let (first, second, more, third, fourth) = parts;
            for (i, (delimiter, headers, blank, body)) in [first, second, third, fourth]
                .into_iter()
                .take(2 + more)
                .enumerate()
            {
                // (The first delimiter follows the preamble.)
                let delimiter = if i == 0 { delimiter.trim_start() } else { delimiter };
                raw.extend_from_slice(delimiter.as_bytes());
                for h in headers.iter().filter(|h| !h.is_empty()) {
                    raw.extend_from_slice(h.as_bytes());
                    raw.extend_from_slice(eol.as_bytes());
                }
                raw.extend_from_slice(blank.as_bytes());
                for b in body {
                    raw.extend_from_slice(b);
                }
            }
            raw.extend_from_slice(end.as_bytes());
            let (fast, full) = both_paths(&raw);
            proptest::prop_assert_eq!(fast, full);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The same for one quoted-printable or base64 text part (decoded
        /// by mail-parser's decoders in both paths), with the soft breaks,
        /// escapes, padding, bad input and white space that decide it.
        #[test]
        fn encoded_fast_path_is_the_full_parse(
            ct in usually("Content-Type: text/plain; charset=utf-8", vec![
                "Content-Type: text/html; charset=utf-8", "Content-Type: text/plain; charset=us-ascii",
                "Content-Type: text/plain; charset=iso-8859-2", "Content-Type: text/html; charset=windows-1250", "",
                "Content-Type: text/plain; charset=shift_jis", "Content-Type: text/plain; charset=iso-2022-jp",
                "Content-Type: text/html; charset=gb2312", "Content-Type: text/plain; charset=big5",
                "Content-Type: text/plain; charset=euc-kr",
                "Content-Type: text/plain; charset=utf-8 Content-Disposition: inline",
                "Content-Type: text/plain; charset=unknown-8bit", "Content-Type: text/plain; charset=x-user-defined",
            ]),
            cte in proptest::sample::select(vec!["quoted-printable", "Quoted-Printable", "base64", "BASE64"]),
            eol in proptest::sample::select(vec!["\r\n", "\n"]),
            body in proptest::collection::vec(usually(&b"Zaz"[..], vec![
                b"=\r\n", b"=\n", b"=C5=BC", b"=c5=bc", b"=ZZ", b"=", b"==", b"  \r\n", b"\t\n",
                b"=20", b"=C5", b"\xff", b"<p>x</p>", b"<script>x</script>", b"\r\n", b"\n", b"=3D",
                b"--b1", b"SGVsbG8=", b"SGVs", b"bG8=", b"xbw=", b"PHA+eDwvcD4=", b"====", b"!", b"-",
                b"=82=A0", b"=1B$B", b"=1B(B", b"gqA=", b"GyRCJCIbKEI=",
            ]), 0..16),
        ) {
            let mut raw = format!("From: a@b.c{eol}{ct}{}Content-Transfer-Encoding: {cte}{eol}{eol}",
                if ct.is_empty() { "" } else { eol }).into_bytes();
            for b in &body {
                raw.extend_from_slice(b);
            }
            let (fast, full) = both_paths(&raw);
            proptest::prop_assert_eq!(fast, full);
        }

        /// Nested multiparts whose `Content-Type` lines have MIME headers
        /// glued on, parameters without `;`, quotes and colons in every
        /// order: the repairs stop (a bounded number of parses), and both
        /// paths agree, without a panic.
        #[test]
        fn content_type_repairs_stop_and_agree(
            levels in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec![
                    " Content-Transfer-Encoding: 8bit", " Content-Disposition: inline",
                    " MIME-Version: 1.0", " charset=utf-8", "; charset=utf-8", " name=\"a: b\"",
                    " x=y", " \"", ";", ":", " Content-", "\r\n ", " content-id:",
                ]), 0..4),
                1..5,
            ),
            eol in proptest::sample::select(vec!["\r\n", "\n"]),
        ) {
            // Level i is a multipart/mixed with boundary b<i> holding level
            // i + 1; the innermost part is text.
            let mut raw = format!("From: a@b.c{eol}").into_bytes();
            for (i, glue) in levels.iter().enumerate() {
                raw.extend_from_slice(format!("Content-Type: multipart/mixed; boundary=b{i}").as_bytes());
                raw.extend_from_slice(glue.concat().as_bytes());
                raw.extend_from_slice(format!("{eol}{eol}--b{i}{eol}").as_bytes());
            }
            raw.extend_from_slice(format!("Content-Type: text/plain Content-Transfer-Encoding: 8bit{eol}{eol}Hello{eol}").as_bytes());
            for i in (0..levels.len()).rev() {
                raw.extend_from_slice(format!("--b{i}--{eol}").as_bytes());
            }
            let (fast, full) = both_paths(&raw);
            proptest::prop_assert_eq!(&fast, &full);
            proptest::prop_assert!(fast.is_some(), "no panic");
        }
    }

    /// What the fast path and the full parse make of `raw`, a panic as
    /// `None`: mail-parser's quoted-printable decoder can overflow on a
    /// soft line break just before a boundary (in builds with overflow
    /// checks), in both paths alike; `parse` turns that into an error.
    #[allow(clippy::type_complexity)]
    pub(crate) fn both_paths(
        raw: &[u8],
    ) -> (
        Option<Result<InboundMail, MailError>>,
        Option<Result<InboundMail, MailError>>,
    ) {
        let limits = ParseLimits::default();
        let fast = std::panic::catch_unwind(|| parse_inner(raw, &limits)).ok();
        let full = std::panic::catch_unwind(|| parse_full(raw, &limits)).ok();
        (fast, full)
    }

    /// The repaired copies the reading hands back to the parse are
    /// bounded (`MAX_REPARSES`): with none left, a mail is read as it
    /// stands. (Repairs of a mail broken in several ways at once can
    /// undo each other; unbounded, one such mail overflowed the stack.)
    #[test]
    fn reparses_are_bounded() {
        // A body that uses another boundary than the one declared.
        let raw =
            b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=\"declared\"\r\n\r\n\
            --used\r\nContent-Type: text/plain\r\n\r\nMy order is late.\r\n--used--\r\n";
        let limits = ParseLimits::default();
        let repaired = parse_full_within(raw, &limits, MAX_REPARSES).map(|m| m.text);
        assert_eq!(repaired.as_deref(), Ok("My order is late."));
        let as_it_stands = parse_full_within(raw, &limits, 0).map(|m| m.text);
        assert_ne!(as_it_stands, repaired);
    }

    /// `usual` four times in five, else one of `others`.
    fn usually<T: Clone + std::fmt::Debug + 'static>(
        usual: T,
        others: Vec<T>,
    ) -> impl proptest::strategy::Strategy<Value = T> {
        proptest::prop_oneof![
            4 => proptest::strategy::Just(usual),
            1 => proptest::sample::select(others),
        ]
    }

    /// One part of a generated `multipart/alternative` (see
    /// `alternative_fast_path_is_the_full_parse`): the delimiter before
    /// it, its headers (usually of `usual_type`), the blank line and the
    /// body.
    #[allow(clippy::type_complexity)]
    fn part(
        usual_type: &'static str,
    ) -> impl proptest::strategy::Strategy<
        Value = (&'static str, Vec<String>, &'static str, Vec<&'static [u8]>),
    > {
        use proptest::strategy::Strategy;
        (
            usually(
                "\r\n--b1\r\n",
                vec![
                    "\n--b1\n",
                    "\r\n--b1 \r\n",
                    "--b1\r\n",
                    "\r\n--b1x\r\n",
                    "\r\n--b1--\r\n",
                    "\r\n---b1\r\n",
                    "\r\n--b1",
                ],
            ),
            (
                usually(
                    format!("Content-Type: {usual_type}"),
                    vec![
                        "Content-Type: text/plain".into(),
                        "Content-Type: text/html".into(),
                        "Content-Type: text/plain; charset=us-ascii".into(),
                        "Content-Type: text/html; charset=iso-8859-2".into(),
                        "Content-Type: image/png".into(),
                        format!("Content-Type: {usual_type} Content-Transfer-Encoding: base64"),
                        "Content-Type: text; charset=utf-8".into(),
                        "Content-Type: html/text".into(),
                        String::new(),
                    ],
                ),
                // (Often quoted-printable or base64: mail-parser's
                // decoders read those parts, boundary included.)
                proptest::prop_oneof![
                    2 => proptest::strategy::Just(""),
                    2 => proptest::strategy::Just("Content-Transfer-Encoding: quoted-printable"),
                    1 => proptest::strategy::Just("Content-Transfer-Encoding: base64"),
                    1 => proptest::sample::select(vec![
                        "Content-Transfer-Encoding: 7bit",
                        "Content-Transfer-Encoding: QUOTED-PRINTABLE",
                        "Content-Disposition: attachment",
                        "Content-Disposition: inline",
                        "--b1",
                    ]),
                ],
            )
                .prop_map(|(ct, extra)| vec![ct, extra.to_string()]),
            usually("\r\n", vec!["\n", " \r\n", ""]),
            proptest::collection::vec(
                usually(
                    &b"Hello there"[..],
                    vec![
                        b"<p>x</p>",
                        b"<script>x</script>",
                        b"SGVsbG8=",
                        b"PHA+eDwvcD4=",
                        b"====",
                        b"=\r\n",
                        b"=C5=BC",
                        b"=ZZ",
                        b"  \r\n",
                        b"=",
                        b"\r\n",
                        b"\n",
                        b"\r",
                        b"Za\xc5\xbc",
                        b"\xff",
                        b"--b1",
                        b"--b1--",
                        b"-",
                        b"",
                    ],
                ),
                0..6,
            ),
        )
    }

    /// Our parser configuration reads every header as mail-parser's
    /// default one does, but `Received`, on every part of every mail of
    /// mail-parser's corpus.
    #[test]
    fn mime_parser_reads_headers_as_the_default_but_received() {
        let files = corpus();
        assert!(files.len() >= 100, "the corpus has {} files", files.len());
        for (path, raw) in &files {
            match (
                mime_parser().parse(raw),
                MessageParser::default().parse(raw),
            ) {
                (Some(ours), Some(default)) => same_but_received(&ours, &default, path),
                (ours, default) => assert_eq!(ours.is_none(), default.is_none()),
            }
        }
    }

    /// Header block `head` (ending in a line break) parsed as the head of
    /// a single-part mail (the fast path) and of a mixed multipart with an
    /// attachment (the full parse).
    /// An undeclared 8-bit quoted-printable alternative part whose last
    /// line ends in a soft line break (mail-parser's decoder, which stops
    /// at the boundary, drops the last characters there): both paths read
    /// the part's own bytes as windows-1252, all of them.
    #[test]
    fn legacy_quoted_printable_ending_in_white_space_before_a_boundary() {
        // (A UTF-8-labelled HTML part without a UTF-8 character, read
        // again as legacy text by the full parse: its last line's trailing
        // white space is dropped, as the fast path's decoder drops it.)
        let raw = b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n\
            --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n\
            --b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
            \xff=20  \r\n--b1--";
        let limits = ParseLimits::default();
        let fast = parse_inner(raw, &limits);
        assert_eq!(fast, parse_full(raw, &limits));
        // (The encoded space stays.)
        assert_eq!(fast.ok().and_then(|m| m.html).as_deref(), Some("\u{ff} "));
        // A UTF-8-labelled legacy part that runs into the boundary without
        // a line break and ends in `=`: read alike on both paths.
        let raw = b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n\
            --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
            \xffSGVsbG8=--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\r\n--b1--\r\n";
        assert_eq!(parse_inner(raw, &limits), parse_full(raw, &limits));
    }

    #[test]
    fn undeclared_quoted_printable_ending_in_a_soft_break() {
        let raw = b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n\
            --b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
            Caf\xe9 au lait=\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>\r\n--b1--\r\n";
        let limits = ParseLimits::default();
        let fast = parse_inner(raw, &limits);
        assert_eq!(fast, parse_full(raw, &limits));
        assert_eq!(
            fast.map(|m| m.text).unwrap_or_default(),
            "Caf\u{e9} au lait"
        );
    }

    /// A plain-text alternative that is empty or a stub ("This is an HTML
    /// message...") gives way to the HTML's text, on both paths; a real
    /// one stays.
    #[test]
    fn a_stub_text_alternative_gives_way_to_the_html_text() {
        let limits = ParseLimits::default();
        let mail = |plain: &str| {
            format!(
                "From: ann@example.com\r\nSubject: Order\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n\
                 --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{plain}\r\n\
                 --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Order <b>4711</b> is late.</p><p>Ann</p>\r\n--b--\r\n"
            )
        };
        for (plain, want) in [
            (
                "This is an HTML message. Please use an HTML capable mail program to read this message.",
                "Order 4711 is late.\n\nAnn",
            ),
            ("", "Order 4711 is late.\n\nAnn"),
            ("Order 4711 is late. Ann", "Order 4711 is late. Ann"),
        ] {
            let raw = mail(plain);
            let fast = parse_inner(raw.as_bytes(), &limits);
            assert_eq!(fast, parse_full(raw.as_bytes(), &limits), "{plain:?}");
            let text = fast.map(|m| m.text).unwrap_or_default();
            assert_eq!(text, want, "{plain:?}");
        }
    }

    fn on_both_paths(head: &str) -> [InboundMail; 2] {
        [
            p(&format!(
                "{head}Content-Type: text/plain; charset=utf-8\r\n\r\nHi\r\n"
            )),
            p(&format!(
                "{head}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHi\r\n\
                 --b\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\nx\r\n--b--\r\n"
            )),
        ]
    }

    /// `raw` parsed with the default limits (a test of the mail module
    /// fails when it does not parse).
    pub(in crate::mail) fn p(raw: &str) -> InboundMail {
        match parse(raw.as_bytes(), &ParseLimits::default()) {
            Ok(m) => m,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    #[test]
    fn a_parameter_run_into_the_subtype_is_no_part_of_the_type() {
        // (A `;` missing before `name`: enmime's mime-bad-content-type.)
        let m = p(
            "From: a@example.com\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nSee the invoice.\r\n\
            --b\r\nContent-Type: application/pdf name=\"invoice.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n\
            --b\r\nContent-Type: Application/PDF name=\"\"\r\nContent-Disposition: attachment; filename=\"b.pdf\"\r\n\r\nx\r\n--b--\r\n",
        );
        let types: Vec<(&str, &str)> = m
            .attachments
            .iter()
            .map(|a| (a.name.as_str(), a.content_type.as_str()))
            .collect();
        assert_eq!(
            types,
            [
                ("invoice.pdf", "application/pdf"),
                ("b.pdf", "application/pdf")
            ]
        );
    }

    #[test]
    fn obsolete_spaces_in_an_address_are_taken_out() {
        // (RFC 2822 appendix A.6.3; Ruby's Mail keeps it as a test mail.)
        let m = p(
            "From  : John Doe <jdoe@machine(comment).  example>\r\nSubject: Saying Hello\r\n\r\nHi\r\n",
        );
        assert_eq!(
            m.from.map(|a| a.email).as_deref(),
            Some("jdoe@machine.example")
        );
        assert_eq!(
            super::without_obsolete_spaces("john . doe @ example . com").as_deref(),
            Some("john.doe@example.com")
        );
        // White space between words of a local part is no such space.
        assert_eq!(super::without_obsolete_spaces("john doe@example.com"), None);
        assert_eq!(super::without_obsolete_spaces("jdoe@example.com"), None);
    }

    #[test]
    fn addresses_without_the_comma_between_them_give_the_first() {
        // (enmime's malformed-multiple-address-header-values.)
        let m = p(
            "From: Bob Dunite <bob@extern.example> Bobby Dunite <bobby@extern.example>\r\nSubject: x\r\n\r\nHi\r\n",
        );
        let from = m.from.unwrap_or_else(|| panic!("no From"));
        assert_eq!(from.email, "bob@extern.example");
        assert_eq!(from.name.as_deref(), Some("Bob Dunite"));
        // Quotes or encoded words make it uncertain: left as parsed.
        assert_eq!(
            super::first_of_uncommaed("\"Bob, D\" <bob@x.example> <b@y.example>"),
            None
        );
        assert_eq!(
            super::first_of_uncommaed("=?utf-8?q?Bob?= <bob@x.example> <b@y.example>"),
            None
        );
        assert_eq!(super::first_of_uncommaed("Bob <bob@x.example>"), None);
    }

    #[test]
    fn unnamed_attachments_are_named_after_what_they_are() {
        let m = p("From: mailer-daemon@mx.example\r\nSubject: Undelivered\r\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n\
            --b\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n\
            Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
            --b\r\nContent-Type: message/rfc822\r\n\r\n\
            From: support@shop.example\r\nSubject: Invoice 2026/0412\r\n\r\nHello\r\n\
            --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n\
            --b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n\
            --b\r\nContent-Type: text/html\r\nContent-Disposition: attachment\r\n\r\n<p>page</p>\r\n\
            --b--\r\n");
        let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Delivery report.txt",
                "Invoice 2026-0412.eml",
                "delivery-status.txt",
                "attachment-4",
                "attachment-5.html"
            ]
        );
    }

    #[test]
    fn blank_lines_before_the_text_are_dropped() {
        let m = p(
            "From: a@example.com\r\nSubject: x\r\n\r\n\r\n \r\n\t\r\n  indented first\r\nsecond\r\n\r\n",
        );
        assert_eq!(m.text, "  indented first\nsecond");
        let m = p("From: a@example.com\r\nSubject: x\r\n\r\n\r\n\r\n");
        assert_eq!(m.text, "");
    }

    #[test]
    fn inline_text_shown_in_the_html_is_escaped() {
        let m = p(
            "From: a@example.com\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\n1 < 2 & <b>not bold</b>\r\nnext\r\n--b--\r\n",
        );
        assert_eq!(m.text, "Hi\n\n1 < 2 & <b>not bold</b>\nnext");
        let html = m.html.unwrap_or_default();
        assert!(
            html.contains("1 &lt; 2 &amp; &lt;b&gt;not bold&lt;/b&gt;<br>next"),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
        // One document, not one per piece.
        assert_eq!(html.matches("<body").count(), 1, "{html}");
    }

    #[test]
    fn the_body_of_an_html_piece() {
        assert_eq!(
            super::body_of("<html><head><style>p{}</style></head><BODY class=x>Hi</Body></html>"),
            "Hi"
        );
        assert_eq!(super::body_of("<p>no body tag</p>"), "<p>no body tag</p>");
        assert_eq!(super::body_of("<body>unclosed"), "unclosed");
        assert_eq!(super::body_of("</body><body>odd"), "odd");
    }

    #[test]
    fn basic_fields() {
        let m = p("From: \"Jane Doe\" <Jane@Example.com>\r\n\
To: Support <support@example.org>, other@example.org\r\n\
Cc: Group: a@x.com, b@x.com;\r\n\
Reply-To: jane.private@example.net\r\n\
Subject: =?UTF-8?Q?Dzie=C5=84_dobry?=\r\n\
Date: Tue, 1 Jul 2025 10:52:37 +0200\r\n\
Message-ID: <m1@example.com>\r\n\
In-Reply-To: <hd.abc@support.example.org>\r\n\
References: <r1@x> <r2@y>\r\n\
\r\n\
Hello\r\n");
        assert_eq!(m.message_id.as_deref(), Some("m1@example.com"));
        assert_eq!(m.in_reply_to, vec!["hd.abc@support.example.org"]);
        assert_eq!(m.references, vec!["r1@x", "r2@y"]);
        let from = m.from.clone().unwrap_or_default();
        assert_eq!(from.name.as_deref(), Some("Jane Doe"));
        assert_eq!(from.email, "Jane@Example.com");
        assert_eq!(m.to.len(), 2);
        assert_eq!(m.cc.len(), 2);
        assert_eq!(m.reply_to[0].email, "jane.private@example.net");
        assert_eq!(m.subject, "Dzień dobry");
        assert_eq!(
            m.date.map(|d| d.to_rfc3339()),
            Some("2025-07-01T08:52:37+00:00".into())
        );
        assert_eq!(m.text.trim(), "Hello");
        assert!(m.html.is_none());
        assert!(m.message_id.is_some() && m.content_hash.is_empty());
    }

    /// The fields read in one pass over the root headers are what
    /// mail-parser's accessors give, on every mail of the corpus.
    #[test]
    fn root_fields_are_the_accessors_on_the_corpus() {
        for (path, raw) in corpus() {
            let (Some(message), Ok(mail)) = (
                mime_parser().parse(&raw),
                parse_full(&raw, &ParseLimits::default()),
            ) else {
                continue;
            };
            let at = path.display();
            // (Where mail-parser's value has replacement characters, ours
            // may have read the header again: then it has none.)
            let reread = |ours: &str, theirs: &str| {
                ours == theirs
                    || (theirs.contains(char::REPLACEMENT_CHARACTER)
                        && !ours.contains(char::REPLACEMENT_CHARACTER))
            };
            let from = message
                .from()
                .and_then(|a| a.first())
                .and_then(convert_addr);
            assert_eq!(
                mail.from.as_ref().map(|a| &a.email),
                from.as_ref().map(|a| &a.email),
                "{at}"
            );
            assert!(
                reread(
                    mail.from
                        .as_ref()
                        .and_then(|a| a.name.as_deref())
                        .unwrap_or(""),
                    from.as_ref().and_then(|a| a.name.as_deref()).unwrap_or("")
                ),
                "{at}"
            );
            // (The same addresses; names as the sender's.)
            for (ours, theirs) in [
                (&mail.to, message.to()),
                (&mail.cc, message.cc()),
                (&mail.reply_to, message.reply_to()),
            ] {
                let theirs = address_list(theirs);
                assert_eq!(ours.len(), theirs.len(), "{at}");
                for (a, b) in ours.iter().zip(&theirs) {
                    assert_eq!(a.email, b.email, "{at}");
                    assert!(
                        reread(
                            a.name.as_deref().unwrap_or(""),
                            b.name.as_deref().unwrap_or("")
                        ),
                        "{at}: {a:?} {b:?}"
                    );
                }
            }
            assert!(
                reread(&mail.subject, message.subject().unwrap_or("").trim()),
                "{at}: {:?} {:?}",
                mail.subject,
                message.subject()
            );
            assert_eq!(
                mail.message_id,
                message.message_id().map(clean_id).filter(|s| !s.is_empty()),
                "{at}"
            );
            assert_eq!(mail.in_reply_to, id_list(message.in_reply_to()), "{at}");
            assert_eq!(mail.references, id_list(message.references()), "{at}");
            assert_eq!(
                mail.date,
                message
                    .date()
                    .filter(|d| d.is_valid())
                    .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0)),
                "{at}"
            );
        }
    }

    /// A header given twice is read as mail-parser's accessors read it:
    /// the last one.
    #[test]
    fn repeated_headers_read_the_last() {
        let raw = "From: a@x.example\r\nFrom: b@y.example\r\nSubject: one\r\nSubject: two\r\n\
            Message-ID: <1@x>\r\nMessage-ID: <2@x>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\
            Date: Tue, 3 Mar 2026 09:00:00 +0000\r\n\r\nbody\r\n";
        let mail = p(raw);
        let Some(message) = MessageParser::default().parse(raw.as_bytes()) else {
            panic!("mail-parser read no headers");
        };
        assert_eq!(mail.from.map(|a| a.email), Some("b@y.example".to_string()));
        assert_eq!(Some(mail.subject.as_str()), message.subject());
        assert_eq!(mail.message_id.as_deref(), Some("2@x"));
        assert_eq!(
            mail.date.map(|d| d.timestamp()),
            message.date().map(mail_parser::DateTime::to_timestamp)
        );
        assert_eq!(mail.subject, "two");
    }

    #[test]
    fn missing_subject_is_empty() {
        let m = p("From: a@b.c\r\n\r\nbody");
        assert_eq!(m.subject, "");
        assert!(m.message_id.is_none());
        assert!(m.dedupe_key().starts_with("sha256:"));
    }

    #[test]
    fn too_large_and_empty() {
        let limits = ParseLimits::new(10, 5);
        assert!(matches!(
            parse(b"Subject: 12345678901\r\n\r\n", &limits),
            Err(MailError::TooLarge { .. })
        ));
        assert!(matches!(
            parse(b"", &ParseLimits::default()),
            Err(MailError::Unparseable(_))
        ));
        assert!(matches!(
            parse(b"  \r\n ", &ParseLimits::default()),
            Err(MailError::Unparseable(_))
        ));
    }

    #[test]
    fn html_only_is_converted_and_sanitised() {
        let m = p(
            "From: a@b.c\r\nContent-Type: text/html\r\n\r\n<p>Hi <b>there</b></p><script>alert(1)</script><a href=\"javascript:x()\" onclick=\"y()\">l</a>",
        );
        assert!(m.text.contains("Hi"));
        assert!(m.text.contains("there"));
        let html = m.html.unwrap_or_default();
        assert!(html.contains("<b>there</b>"));
        assert!(!html.contains("script"));
        assert!(!html.contains("javascript"));
        assert!(!html.contains("onclick"));
    }

    const MULTI: &str = "From: a@b.c\r\n\
Subject: files\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\
\r\n\
--XX\r\n\
Content-Type: multipart/alternative; boundary=\"YY\"\r\n\
\r\n\
--YY\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
plain body\r\n\
--YY\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>html body</p>\r\n\
--YY--\r\n\
--XX\r\n\
Content-Type: application/pdf; name=\"../../etc/report.pdf\"\r\n\
Content-Disposition: attachment; filename=\"../../etc/report.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
AAECAwQFBgcICQ==\r\n\
--XX\r\n\
Content-Type: image/png\r\n\
Content-Disposition: inline\r\n\
Content-ID: <img1@x>\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
iVBORw0KGgo=\r\n\
--XX--\r\n";

    /// An image the HTML shows by its Content-ID is inline without a
    /// disposition (`multipart/related` as Apple Mail and Outlook write
    /// it) and with `attachment` (the HTML shows it all the same); an
    /// image with a Content-ID the HTML does not show, and a file, are not.
    #[test]
    fn images_the_html_shows_are_inline() {
        let m = p("From: a@example.com\r\nSubject: logo\r\n\
             Content-Type: multipart/related; boundary=r\r\n\r\n\
             --r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
             <p>Hi <img src=\"cid:logo@x\"> <img src=\"cid:stamp@x\"></p>\r\n\
             --r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n\
             Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
             --r\r\nContent-Type: image/png; name=stamp.png\r\nContent-ID: <stamp@x>\r\n\
             Content-Disposition: attachment; filename=stamp.png\r\n\
             Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
             --r\r\nContent-Type: image/png; name=unused.png\r\nContent-ID: <unused@x>\r\n\
             Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
             --r\r\nContent-Type: application/pdf; name=a.pdf\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n--r--\r\n");
        let inline: Vec<(Option<&str>, bool)> = m
            .attachments
            .iter()
            .map(|a| (a.content_id.as_deref(), a.inline))
            .collect();
        assert_eq!(
            inline,
            [
                (Some("logo@x"), true),
                (Some("stamp@x"), true),
                (Some("unused@x"), false),
                (None, false)
            ]
        );
    }

    /// The name of the file of a mail whose one file (after its text) has
    /// the `Content-Disposition` header `disposition`.
    fn file_name(disposition: &str) -> Option<String> {
        p(&format!(
            "From: a@example.com\r\nSubject: f\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nFiles.\r\n\
             --b\r\nContent-Type: image/png\r\n{disposition}\r\n\
             Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
        ))
        .attachments
        .first()
        .map(|a| a.name.clone())
    }

    /// Encoded words inside a file name, after other text (which RFC 2047
    /// does not allow in a quoted parameter, but mail clients decode), are
    /// decoded as at its start; text that only looks like one is kept.
    #[test]
    fn encoded_words_inside_a_file_name_are_decoded() {
        for (header, name) in [
            (
                "Content-Disposition: attachment; filename=\"report-=?UTF-8?Q?caf=C3=A9?=.pdf\"",
                "report-café.pdf",
            ),
            (
                "Content-Disposition: attachment; filename=\"3d-=?ISO-8859-1?Q?=63?=om=?US-ASCII?Q?pr?=ess.pdf\"",
                "3d-compress.pdf",
            ),
            (
                "Content-Disposition: attachment; filename=\"=?UTF-8?Q?caf=C3=A9?=.pdf\"",
                "café.pdf",
            ),
            (
                "Content-Disposition: attachment; filename=\"a=?b.pdf\"",
                "a=?b.pdf",
            ),
            // (In a Windows path's last segment; a word with a language,
            // RFC 2231's `US-ASCII*EN`.)
            (
                "Content-Disposition: inline; filename=\"/evil/because:of\\path\\3d-=?ISO-8859-1?Q?=63?=om=?US-ASCII*EN?Q?pr?=ess.gif\"",
                "3d-compress.gif",
            ),
            // (White space between two words is dropped, RFC 2047 6.2.)
            (
                "Content-Disposition: attachment; filename=\"=?UTF-8?Q?za=C5=82=C4=85cznik_nr_1?= =?UTF-8?Q?=2epdf?=\"",
                "załącznik nr 1.pdf",
            ),
            // (`filename*` beside a plain ASCII `filename`: the first.)
            (
                "Content-Disposition: attachment; filename=\"filename.ext\"; filename*=utf-8''filen%C3%A4me.ext",
                "filenäme.ext",
            ),
        ] {
            assert_eq!(file_name(header).as_deref(), Some(name), "{header}");
        }
    }

    /// A file name written as a Windows path in quotes (Netscape's
    /// `filename="C:\\TEMP\\nsmailEG.png"`) is its last segment, not the
    /// path run together (`C:TEMPnsmailEG.png`); a quoted name with an
    /// escaped quote reads as before.
    #[test]
    fn a_windows_path_in_quotes_names_its_file() {
        for (header, name) in [
            (
                "Content-Disposition: inline; filename=\"C:\\TEMP\\nsmailEG.png\"",
                "nsmailEG.png",
            ),
            (
                "Content-Disposition: attachment; filename=\"D:\\Photos\\2026\\lamp 1.png\"",
                "lamp 1.png",
            ),
            (
                "Content-Disposition: attachment; filename=\"say \\\"hi\\\".png\"",
                "say \"hi\".png",
            ),
            (
                "Content-Disposition: attachment; filename=plain.png",
                "plain.png",
            ),
        ] {
            assert_eq!(file_name(header).as_deref(), Some(name), "{header}");
        }
    }

    #[test]
    fn attachments_and_alternatives() {
        let m = p(MULTI);
        assert_eq!(m.text.trim(), "plain body");
        assert!(m.html.unwrap_or_default().contains("<p>html body</p>"));
        assert_eq!(m.attachments.len(), 2, "{:?}", m.attachments);
        let a = &m.attachments[0];
        assert_eq!(a.name, "report.pdf");
        assert_eq!(a.content_type, "application/pdf");
        assert_eq!(a.size, 10);
        assert!(!a.too_large);
        assert_eq!(
            a.content.as_deref(),
            Some(&[0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9][..])
        );
        let img = &m.attachments[1];
        assert!(img.inline);
        assert_eq!(img.content_id.as_deref(), Some("img1@x"));
        assert_eq!(img.name, "attachment-2");
    }

    /// Plain text that declares no charset and is not UTF-8 (Latin-1 from
    /// PHP `mail()` scripts and old mailers) is read as windows-1252 on
    /// every path; undeclared UTF-8 stays UTF-8.
    #[test]
    fn undeclared_legacy_text_is_read_as_windows_1252() {
        let want = "für möglich häufig";
        let one = "From: a@b.c\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nf=FCr m=F6glich h=E4ufig\r\n";
        let mixed_qp = "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nf=FCr m=F6glich h=E4ufig\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n";
        let mixed_b64 = "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; format=fixed\r\nContent-Transfer-Encoding: base64\r\n\r\nZvxyIG32Z2xpY2ggaOR1Zmln\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n";
        for raw in [one, mixed_qp, mixed_b64] {
            assert_eq!(p(raw).text, want, "{raw}");
        }
        let utf8 = "From: a@b.c\r\n\r\nf\u{fc}r m\u{f6}glich\r\n";
        assert_eq!(p(utf8).text, "für möglich");
    }

    /// Polish text in windows-1250 or ISO-8859-2 that declares no charset,
    /// or declares UTF-8 without one UTF-8 character (old shop scripts), is
    /// read in its charset on every path, its raw 8-bit subject too;
    /// windows-1252 would read `opłacone` as `op³acone`.
    #[test]
    fn central_european_legacy_text_is_read_in_its_charset() {
        let want = "Zamówienie zostało opłacone, wiadomość wysłana.";
        let windows_1250: &[u8] =
            b"Zam\xf3wienie zosta\xb3o op\xb3acone, wiadomo\x9c\xe6 wys\xb3ana.";
        let iso_8859_2: &[u8] =
            b"Zam\xf3wienie zosta\xb3o op\xb3acone, wiadomo\xb6\xe6 wys\xb3ana.";
        let limits = ParseLimits::default();
        for body in [windows_1250, iso_8859_2] {
            let one = [
                &b"From: a@b.c\r\nSubject: "[..],
                body,
                b"\r\n\r\n",
                body,
                b"\r\n",
            ]
            .concat();
            let labelled = [
                &b"From: a@b.c\r\nSubject: "[..],
                body,
                b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                body,
                b"\r\n",
            ]
            .concat();
            let alternative = [
                &b"From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"[..],
                body,
                b"\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>\r\n--b--\r\n",
            ]
            .concat();
            let mixed = [
                &b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"[..],
                body,
                b"\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n",
            ]
            .concat();
            for raw in [&one, &labelled] {
                for m in [parse_inner(raw, &limits), parse_full(raw, &limits)] {
                    let m = m.unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!((m.subject.as_str(), m.text.as_str()), (want, want));
                }
            }
            for raw in [&alternative, &mixed] {
                let m = parse(raw, &limits).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(m.text, want);
                assert_eq!(parse_inner(raw, &limits), parse_full(raw, &limits));
            }
        }
    }

    /// The signature of a clear-signed mail (`multipart/signed`: S/MIME's
    /// `smime.p7s`, OpenPGP's `signature.asc`) is no attachment; the files
    /// the sender attached stay, and so does a signature file attached in
    /// a `multipart/mixed` on purpose.
    #[test]
    fn the_signature_of_a_signed_mail_is_no_attachment() {
        for (protocol, sig_type, sig_name) in [
            (
                "application/x-pkcs7-signature",
                "application/x-pkcs7-signature",
                "smime.p7s",
            ),
            (
                "application/pkcs7-signature",
                "application/pkcs7-signature",
                "smime.p7s",
            ),
            (
                "application/pgp-signature",
                "application/pgp-signature",
                "signature.asc",
            ),
        ] {
            let raw = format!(
                "From: a@b.c\r\nSubject: Signed\r\nContent-Type: multipart/signed; protocol=\"{protocol}\"; micalg=sha-256; boundary=s\r\n\r\n\
                 --s\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n\
                 --m\r\nContent-Type: text/plain\r\n\r\nThe photo.\r\n\
                 --m\r\nContent-Type: image/jpeg; name=lamp.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--m--\r\n\
                 --s\r\nContent-Type: {sig_type}; name={sig_name}\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIB\r\n--s--\r\n"
            );
            let m = p(&raw);
            assert_eq!(m.text, "The photo.");
            let names: Vec<_> = m.attachments.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["lamp.jpg"], "{protocol}");
        }
        let attached = "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nMy certificate file.\r\n--m\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n\r\nMIIB\r\n--m--\r\n";
        let names: Vec<_> = p(attached)
            .attachments
            .iter()
            .map(|a| a.name.clone())
            .collect();
        assert_eq!(names, ["smime.p7s"]);
    }

    /// An opaque-signed S/MIME mail is read as the content it signs (its
    /// own headers kept, the signed entity's `Content-` headers read); a
    /// signed content with no header block is its text; encrypted mail
    /// (`enveloped-data`) and a structure that is no signed data stay one
    /// `smime.p7m` attachment.
    #[test]
    fn opaque_signed_smime_is_read_as_its_content() {
        use crate::mail::smime::tests::signed;
        let mail = |smime_type: &str, der: &[u8]| {
            let mut raw = format!("From: a@b.c\r\nSubject: Signed\r\nContent-Type: application/x-pkcs7-mime; {smime_type}name=smime.p7m\r\nContent-Transfer-Encoding: binary\r\n\r\n").into_bytes();
            raw.extend_from_slice(der);
            raw
        };
        let entity =
            b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Zam\xc3\xb3wienie 6601</p>\r\n";
        for smime_type in ["smime-type=signed-data; ", ""] {
            let m = parse(&mail(smime_type, &signed(entity)), &ParseLimits::default())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                (m.subject.as_str(), m.text.as_str()),
                ("Signed", "Zamówienie 6601")
            );
            assert!(m.attachments.is_empty());
        }
        for text in ["Just text.", "Note: the lamp is broken."] {
            let content = format!("{text}\r\n");
            let m = parse(
                &mail("", &signed(content.as_bytes())),
                &ParseLimits::default(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(m.text, text);
        }
        for (smime_type, der) in [
            ("smime-type=enveloped-data; ", signed(entity)),
            ("", b"not a signature".to_vec()),
        ] {
            let m = parse(&mail(smime_type, &der), &ParseLimits::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let names: Vec<_> = m.attachments.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["smime.p7m"], "{smime_type}");
        }
    }

    /// A file name in raw 8-bit bytes (old mailers write a Polish name so,
    /// unencoded) is read in the charset the mail declares for its text,
    /// else as undeclared legacy text: before, as replacement characters.
    #[test]
    fn a_raw_8bit_file_name_is_read_in_the_mails_charset() {
        let mail = |text_type: &str, name: &[u8]| {
            [
                format!("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: {text_type}\r\n\r\nx\r\n--b\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"").as_bytes(),
                name,
                b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--b--\r\n",
            ]
            .concat()
        };
        for (text_type, name) in [
            ("text/plain", &b"Zdj\xeacie \xb3\xb9ki.jpg"[..]),
            (
                "text/plain; charset=windows-1250",
                b"Zdj\xeacie \xb3\xb9ki.jpg",
            ),
            (
                "text/plain; charset=iso-8859-2",
                b"Zdj\xeacie \xb3\xb1ki.jpg",
            ),
            ("text/plain; charset=utf-8", "Zdjęcie łąki.jpg".as_bytes()),
        ] {
            let m = parse(&mail(text_type, name), &ParseLimits::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let names: Vec<_> = m.attachments.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["Zdjęcie łąki.jpg"], "{text_type}");
        }
    }

    /// The files in a `winmail.dat` each meet the attachment size limit on
    /// their own (a file over it is recorded, without its bytes); a
    /// `winmail.dat` with no file in it (an RTF body only) is kept as it
    /// came, and so is a damaged one.
    #[test]
    fn winmail_dat_files_meet_the_size_limit_and_an_empty_one_stays() {
        use crate::mail::tnef::tests::stream;
        let mail = |tnef: &[u8]| {
            let mut raw = b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Type: application/ms-tnef\r\nContent-Disposition: attachment; filename=winmail.dat\r\n\r\n".to_vec();
            raw.extend_from_slice(tnef);
            raw.extend_from_slice(b"\r\n--b--\r\n");
            raw
        };
        let tnef = stream(&[
            (0x0006_9002, vec![0; 14]),
            (0x0001_8010, b"big.pdf\0".to_vec()),
            (0x0006_800f, vec![b'x'; 64]),
            (0x0006_9002, vec![0; 14]),
            (0x0001_8010, b"small.txt\0".to_vec()),
            (0x0006_800f, b"ok".to_vec()),
            // (A Content-ID that is only brackets is none.)
            (
                0x0006_9005,
                crate::mail::tnef::tests::properties(&[(0x001e, 0x3712, b"<>\0".to_vec())]),
            ),
        ]);
        let limits = ParseLimits {
            max_attachment_bytes: 10,
            ..ParseLimits::default()
        };
        let m = parse(&mail(&tnef), &limits).unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<_> = m
            .attachments
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.content_type.as_str(),
                    a.size,
                    a.too_large,
                    a.content.is_some(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("big.pdf", "application/pdf", 64, true, false),
                ("small.txt", "text/plain", 2, false, true)
            ]
        );
        assert!(m.attachments.iter().all(|a| a.content_id.is_none()));
        for kept in [
            stream(&[(0x0006_9003, vec![0; 8])]),
            b"not tnef at all".to_vec(),
        ] {
            let m = parse(&mail(&kept), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
            let names: Vec<_> = m.attachments.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["winmail.dat"]);
        }
    }

    /// Text under a label that names no charset for its 8-bit bytes
    /// (`unknown-8bit`, `x-unknown`, `default`, a misspelt name, ASCII's
    /// names, Outlook Express's `x-user-defined`) is read as undeclared
    /// legacy text on every path, its raw 8-bit subject too: before, as
    /// replacement characters, windows-1252 (`op³acone`) or private-use
    /// characters. UTF-8 under such a label stays UTF-8, and an HTML part
    /// under ASCII's label is read as mail-parser reads it.
    #[test]
    fn text_under_a_label_naming_no_charset_is_read_as_undeclared() {
        let want = "Zamówienie zostało opłacone, wiadomość wysłana.";
        let body: &[u8] = b"Zam\xf3wienie zosta\xb3o op\xb3acone, wiadomo\x9c\xe6 wys\xb3ana.";
        let limits = ParseLimits::default();
        for label in [
            "unknown-8bit",
            "\"X-UNKNOWN\"",
            "default",
            "iso-8859-l",
            "us-ascii",
            "ANSI_X3.4-1968",
            "x-user-defined",
        ] {
            let one = [
                b"From: a@b.c\r\nSubject: ",
                body,
                format!("\r\nContent-Type: text/plain; charset={label}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").as_bytes(),
                body,
                b"\r\n",
            ]
            .concat();
            let mixed = [
                format!("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset={label}\r\n\r\n").as_bytes(),
                body,
                b"\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n",
            ]
            .concat();
            for m in [parse_inner(&one, &limits), parse_full(&one, &limits)] {
                let m = m.unwrap_or_else(|e| panic!("{label}: {e}"));
                assert_eq!(
                    (m.subject.as_str(), m.text.as_str()),
                    (want, want),
                    "{label}"
                );
            }
            let m = parse(&mixed, &limits).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(m.text, want, "{label}");
            assert_eq!(parse_inner(&mixed, &limits), parse_full(&mixed, &limits));
            let utf8 = format!(
                "From: a@b.c\r\nContent-Type: text/plain; charset={label}\r\n\r\n{want}\r\n"
            );
            for m in [
                parse_inner(utf8.as_bytes(), &limits),
                parse_full(utf8.as_bytes(), &limits),
            ] {
                assert_eq!(m.unwrap_or_else(|e| panic!("{e}")).text, want, "{label}");
            }
        }
        let html =
            b"From: a@b.c\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>caf\xe9</p>\r\n";
        for m in [parse_inner(html, &limits), parse_full(html, &limits)] {
            assert_eq!(m.unwrap_or_else(|e| panic!("{e}")).text, "café");
        }
    }

    /// HTML that is not UTF-8 and declares no charset in its `Content-Type`
    /// (or one we cannot read, or UTF-8 without a UTF-8 character) is read
    /// in the charset its `<meta>` names, else as undeclared legacy text,
    /// on every path, its text and its HTML; before, with replacement
    /// characters.
    #[test]
    fn undeclared_html_is_read_in_its_meta_charset() {
        let limits = ParseLimits::default();
        let body = |meta: &str, words: &[u8]| {
            [
                format!("<html><head>{meta}</head><body><p>").as_bytes(),
                words,
                b"</p></body></html>",
            ]
            .concat()
        };
        let windows_1250: &[u8] = b"Zam\xf3wienie op\xb3acone, dzi\xeakujemy";
        let iso_8859_2: &[u8] = b"Zam\xf3wienie op\xb3acone, dzi\xeakujemy";
        let want = "Zamówienie opłacone, dziękujemy";
        for (ct, html) in [
            (
                "text/html",
                body(
                    r#"<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">"#,
                    windows_1250,
                ),
            ),
            (
                "text/html; charset=unknown-8bit",
                body(r#"<meta charset="iso-8859-2">"#, iso_8859_2),
            ),
            (
                "text/html; charset=utf-8",
                body(r#"<meta charset="windows-1250">"#, windows_1250),
            ),
            ("text/html", body("", windows_1250)),
        ] {
            let one = [
                format!(
                    "From: a@b.c\r\nContent-Type: {ct}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                )
                .as_bytes(),
                &html,
                b"\r\n",
            ]
            .concat();
            let mixed = [
                format!("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: {ct}\r\n\r\n").as_bytes(),
                &html,
                b"\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\n%PDF\r\n--b--\r\n",
            ]
            .concat();
            for raw in [&one, &mixed] {
                for m in [parse_inner(raw, &limits), parse_full(raw, &limits)] {
                    let m = m.unwrap_or_else(|e| panic!("{ct}: {e}"));
                    assert_eq!(m.text, want, "{ct}");
                    assert!(
                        m.html.as_deref().is_some_and(|h| h.contains(want)),
                        "{ct}: {:?}",
                        m.html
                    );
                }
            }
        }
        // UTF-8 HTML stays UTF-8, whatever its meta says.
        let utf8 = format!(
            "From: a@b.c\r\nContent-Type: text/html\r\n\r\n<meta charset=windows-1250><p>{want}</p>\r\n"
        );
        assert_eq!(p(&utf8).text, want);
    }

    /// Undeclared legacy text in another script (Russian windows-1251,
    /// Chinese GBK) is read in its charset on every path, a raw 8-bit
    /// subject too; before, as Latin letters.
    #[test]
    fn undeclared_text_in_other_scripts_is_read_in_its_charset() {
        let limits = ParseLimits::default();
        for (bytes, want) in [
            (
                &b"\xc7\xe4\xf0\xe0\xe2\xf1\xf2\xe2\xf3\xe9\xf2\xe5, \xe3\xe4\xe5 \xec\xee\xe9 \xe7\xe0\xea\xe0\xe7?"[..],
                "Здравствуйте, где мой заказ?",
            ),
            (
                b"\xd5\xe2\xca\xc7\xb7\xfe\xce\xf1\xc6\xf7\xa3\xac\xd3\xca\xbc\xfe\xce\xde\xb7\xa8\xcd\xb6\xb5\xdd\xa1\xa3",
                "这是服务器，邮件无法投递。",
            ),
        ] {
            let one = [&b"From: a@b.c\r\nSubject: "[..], bytes, b"\r\n\r\n", bytes, b"\r\n"].concat();
            let mixed = [
                &b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"[..],
                bytes,
                b"\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n",
            ]
            .concat();
            for m in [parse_inner(&one, &limits), parse_full(&one, &limits)] {
                let m = m.unwrap_or_else(|e| panic!("{e}"));
                assert_eq!((m.subject.as_str(), m.text.as_str()), (want, want));
            }
            let m = parse(&mixed, &limits).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(m.text, want);
            assert_eq!(parse_inner(&mixed, &limits), parse_full(&mixed, &limits));
        }
    }

    /// Undeclared text with UTF-8 characters and windows-1250 bytes in it (a
    /// UTF-8 template filled in from a legacy database) keeps its UTF-8
    /// characters on every path; the other bytes are read in windows-1250.
    #[test]
    fn undeclared_mixed_utf8_and_legacy_text_keeps_both() {
        let (body, want) = crate::mail::legacy_text::tests::template_with_a_legacy_name();
        let limits = ParseLimits::default();
        let one = [&b"From: a@b.c\r\nSubject: x\r\n\r\n"[..], &body, b"\r\n"].concat();
        let mixed = [
            &b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"[..],
            &body,
            b"\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n",
        ]
        .concat();
        for raw in [&one, &mixed] {
            for m in [parse_inner(raw, &limits), parse_full(raw, &limits)] {
                assert_eq!(m.unwrap_or_else(|e| panic!("{e}")).text, want);
            }
        }
    }

    /// A `format=flowed` text part is read with its soft-wrapped lines
    /// joined on every path: one part (fast), a plain and HTML alternative
    /// (fast), and a part of a mixed multipart (the full parse, which
    /// quoted-printable `=20` line ends go through decoded).
    #[test]
    fn flowed_text_is_joined_on_every_path() {
        let joined = "a wrapped paragraph of text\n\n> a quoted one";
        let one = "From: a@b.c\r\nContent-Type: text/plain; format=flowed\r\n\r\na wrapped \r\nparagraph of text\r\n\r\n> a quoted \r\n> one\r\n";
        let alternative = "From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8; format=Flowed\r\n\r\na wrapped \r\nparagraph of text\r\n\r\n> a quoted \r\n> one\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n";
        let mixed = "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na wrapped=20\r\nparagraph of text\r\n\r\n> a quoted=20\r\n> one\r\n--b\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n";
        for raw in [one, alternative, mixed] {
            assert_eq!(p(raw).text, joined, "{raw}");
        }
        // Without the parameter, the lines are the sender's.
        let fixed = one.replace("; format=flowed", "");
        assert_eq!(
            p(&fixed).text,
            "a wrapped \nparagraph of text\n\n> a quoted \n> one"
        );
    }

    /// An encoded word written as the local part of the From address is
    /// kept as written: the sender is not lost (the MIME parser alone reads
    /// it as a name before `@domain`), and no encoded word becomes another
    /// address. A name and an address without brackets are told apart.
    /// Nothing else is guessed.
    #[test]
    fn unreadable_from_addresses_are_repaired_where_certain() {
        for (from, email) in [
            (
                "=?utf-8?Q?agent?=@example.com",
                "=?utf-8?Q?agent?=@example.com",
            ),
            (
                "=?utf-8?Q?attacker?Q?agent?=@victim.example",
                "=?utf-8?Q?attacker?Q?agent?=@victim.example",
            ),
            (
                "=?utf-8?Q?me=40evil.example=3E?=@victim.example",
                "=?utf-8?Q?me=40evil.example=3E?=@victim.example",
            ),
        ] {
            for eol in ["\r\n", "\n"] {
                let raw = format!(
                    "From: {from}{eol}To: support@example.com{eol}Subject: test{eol}{eol}test{eol}"
                );
                let m = parse(raw.as_bytes(), &ParseLimits::default())
                    .unwrap_or_else(|e| panic!("{from}: {e}"));
                let got = m.from.unwrap_or_default();
                assert_eq!((got.email.as_str(), got.name), (email, None), "{from}");
            }
        }
        // A name and an address without angle brackets.
        let m = parse(
            b"From: Test test@example.com\r\n\r\nx",
            &ParseLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let from = m.from.unwrap_or_default();
        assert_eq!(from.email, "test@example.com");
        assert_eq!(from.name.as_deref(), Some("Test"));
        // Nothing is guessed inside brackets or quotes.
        for from in [
            "\"your past\" <power quadrant system@example.com>",
            "\"Millions Lottery\"@example.com>",
        ] {
            let raw = format!("From: {from}\r\n\r\nx");
            let m =
                parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !m.from
                    .is_some_and(|a| crate::model::is_plausible_email(&a.email)),
                "{from}"
            );
        }
        // Of two From headers the last is read, and repaired from itself.
        let m = parse(
            b"From: first@example.com\r\nFrom: =?utf-8?Q?agent?=@example.com\r\n\r\nx",
            &ParseLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            m.from.unwrap_or_default().email,
            "=?utf-8?Q?agent?=@example.com"
        );
        // An ordinary encoded display name is still a name.
        let m = parse(
            b"From: =?utf-8?Q?Ann_Smith?= <ann@example.com>\r\n\r\nx",
            &ParseLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let from = m.from.unwrap_or_default();
        assert_eq!(from.email, "ann@example.com");
        assert_eq!(from.name.as_deref(), Some("Ann Smith"));
    }

    /// The text of an HTML-only mail keeps its lines (`div`s, table rows)
    /// and its references decoded, on the fast path (one HTML part) and
    /// the full parse (with an attachment) alike; so reply trimming finds
    /// the Outlook block in it.
    #[test]
    fn html_only_mail_text_keeps_its_lines() {
        let html = "<div>Danke f&uuml;r die schnelle Hilfe.</div><div><br></div>\
            <div>Von: Support &lt;support@example.de&gt;</div><div>Gesendet: Dienstag, 1. Juli 2025</div>\
            <div>Hallo Hans</div>";
        let single = format!(
            "From: a@example.de\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
        );
        let mixed = format!(
            "From: a@example.de\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
             Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b\r\n\
             Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
        );
        for raw in [single, mixed] {
            let m =
                parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                m.text,
                "Danke für die schnelle Hilfe.\n\nVon: Support <support@example.de>\nGesendet: Dienstag, 1. Juli 2025\nHallo Hans"
            );
            assert_eq!(
                super::super::display_text(&m.text),
                "Danke für die schnelle Hilfe."
            );
        }
    }

    /// A sender name and a subject in words labelled ISO-2022-JP that hold
    /// Shift_JIS bytes (older Japanese mailers) are read as Shift_JIS, on
    /// the fast path and the full parse alike; correctly labelled words
    /// are untouched.
    #[test]
    fn shift_jis_labelled_iso_2022_jp_is_read_as_shift_jis() {
        // `ツール` in Shift_JIS: `g2OBW4OL` in base64.
        let head = "From: =?ISO-2022-JP?B?g2OBW4OLIEVYQU1QTEU=?= <bar@example.org>\r\n\
                    Subject: =?ISO-2022-JP?B?g2OBW4OL?=\r\n";
        for m in on_both_paths(head) {
            assert_eq!(m.subject, "ツール");
            let from = m.from.unwrap_or_default();
            assert_eq!(
                (from.name.as_deref(), from.email.as_str()),
                (Some("ツール EXAMPLE"), "bar@example.org")
            );
        }
        let right = parse(
            b"From: =?iso-2022-jp?B?GyRCMixLXE9CQDUbKEI=?= <mail@domain.jp>\r\nSubject: =?iso-2022-jp?B?GyRCJWElayVeJSwycj18GyhC?=\r\n\r\nx",
            &ParseLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(right.subject, "メルマガ解除");
        assert_eq!(
            right.from.unwrap_or_default().name.as_deref(),
            Some("岡本和正")
        );
    }

    /// A subject or sender name cut into encoded words inside a character
    /// (as some mailers cut long values every so many bytes) is read
    /// whole on both paths, in UTF-8 and in a legacy charset alike.
    #[test]
    fn characters_split_over_encoded_words_are_read_whole() {
        // `Grüße` in UTF-8 cut inside `ü`; `你好世界` in GB2312 cut inside `好`.
        let head = "From: =?utf-8?B?R3LD?= =?utf-8?B?vMOfZQ==?= <gruss@example.de>\r\n\
                    Subject: =?GB2312?B?xOO6?=\r\n =?GB2312?B?w8rAvec=?=\r\n";
        for m in on_both_paths(head) {
            assert_eq!(m.subject, "你好世界");
            assert_eq!(m.from.unwrap_or_default().name.as_deref(), Some("Grüße"));
        }
    }

    /// A mail of headers only whose last header ends it without a line
    /// break keeps that header; a body without a last line break reads as
    /// before.
    #[test]
    fn the_last_header_of_an_unended_header_block_is_kept() {
        for raw in [
            "From: a@example.com\r\nSubject: Hello World",
            "From: a@example.com\nSubject: Hello World",
            "From: a@example.com\r\nSubject: Hello World\r\n",
        ] {
            assert_eq!(p(raw).subject, "Hello World", "{raw:?}");
        }
        let m = p("From: a@example.com\r\nSubject: Hi\r\n\r\nNo line break");
        assert_eq!(
            (m.subject.as_str(), m.text.as_str()),
            ("Hi", "No line break")
        );
    }

    /// A text file attached is kept as the sender's bytes, its transfer
    /// encoding decoded: not converted from its charset to UTF-8, nor
    /// with U+FFFD for what is no text in it (an undeclared Latin-1 file,
    /// a picture labelled `text/rtf`), whichever path reads the mail.
    #[test]
    fn text_files_attached_keep_their_bytes() {
        // `Łódź;5` in windows-1250 (quoted-printable), `café` in Latin-1
        // without a charset (8bit), and PNG bytes in base64 labelled text.
        let cp1250 = b"\xa3\xf3d\x9f;5\r\n".to_vec();
        let latin1 = b"caf\xe9\r\n".to_vec();
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe".to_vec();
        let encoded_png = "iVBORw0KGgoAAAANSUhEUv/+";
        let mut raw = b"From: a@example.com\r\nSubject: files\r\n\
            Content-Type: multipart/mixed; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThree files.\r\n\
            --b\r\nContent-Type: text/csv; charset=windows-1250\r\n\
            Content-Disposition: attachment; filename=cities.csv\r\n\
            Content-Transfer-Encoding: quoted-printable\r\n\r\n=A3=F3d=9F;5\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\
            Content-Disposition: attachment; filename=menu.txt\r\n\
            Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
        raw.extend_from_slice(&latin1);
        raw.extend_from_slice(
            format!(
                "\r\n--b\r\nContent-Type: text/rtf\r\n\
                 Content-Disposition: attachment; filename=test.rtf\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{encoded_png}\r\n--b--\r\n"
            )
            .as_bytes(),
        );
        let mail = parse(&raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mail.text.trim(), "Three files.");
        let files: Vec<(&str, Option<&[u8]>, usize)> = mail
            .attachments
            .iter()
            .map(|a| (a.name.as_str(), a.content.as_deref(), a.size))
            .collect();
        assert_eq!(
            files,
            [
                ("cities.csv", Some(&cp1250[..]), cp1250.len()),
                ("menu.txt", Some(&latin1[..]), latin1.len()),
                ("test.rtf", Some(&png[..]), png.len()),
            ]
        );
    }

    /// The names of `To`, `Cc` and `Reply-To` cut into encoded words
    /// inside a character, or folded in quotes between two words, are read
    /// whole as the sender's, on both paths; a decoded name that would
    /// change the list's addresses (a comma, an angle bracket) is left as
    /// mail-parser read it, and the addresses never change.
    #[test]
    fn names_in_address_lists_split_over_encoded_words_are_read_whole() {
        // `Łukasz Żółć` in UTF-8, cut inside `Ż`.
        let (b1, b2) = ("=?utf-8?B?xYF1a2FzeiDF?=", "=?utf-8?B?u8OzxYLEhw==?=");
        let (q1, q2) = (
            "=?utf-8?Q?=C5=81ukasz_=C5?=",
            "=?utf-8?Q?=BB=C3=B3=C5=82=C4=87?=",
        );
        let head = format!(
            "From: a@example.com\r\nSubject: x\r\n\
             To: {b1} {b2} <l1@example.pl>, Ann <ann@example.com>\r\n\
             Cc: \"{q1}\r\n {q2}\" <l2@example.pl>, {q1}\r\n {q2} <l3@example.pl>\r\n\
             Reply-To: =?utf-8?Q?Biuro=2C_=C5?= =?utf-8?Q?=BB?= <r@example.pl>\r\n"
        );
        for m in on_both_paths(&head) {
            let names = |list: &[Address]| {
                list.iter()
                    .map(|a| (a.name.clone().unwrap_or_default(), a.email.clone()))
                    .collect::<Vec<_>>()
            };
            let pair = |n: &str, e: &str| (n.to_string(), e.to_string());
            assert_eq!(
                names(&m.to),
                [
                    pair("Łukasz Żółć", "l1@example.pl"),
                    pair("Ann", "ann@example.com")
                ]
            );
            assert_eq!(
                names(&m.cc),
                [
                    pair("Łukasz Żółć", "l2@example.pl"),
                    pair("Łukasz Żółć", "l3@example.pl")
                ]
            );
            // (`Biuro, Ż`: a comma outside quotes, read again, would make
            // two entries; the name stays as first read.)
            assert_eq!(
                names(&m.reply_to),
                [pair("Biuro, \u{fffd}\u{fffd}", "r@example.pl")]
            );
        }
        // A name whose decoded form holds `<`: read again, it would be
        // another address; the list stays as mail-parser read it.
        let head = "From: a@example.com\r\nSubject: x\r\n\
                    To: =?utf-8?Q?evil_=3Cx@evil.example=3E_=C5?= =?utf-8?Q?=BB?= <real@example.pl>\r\n";
        for m in on_both_paths(head) {
            assert_eq!(m.to.len(), 1);
            assert_eq!(m.to[0].email, "real@example.pl");
        }
    }

    /// A subject and a sender's name in ISO-2022-JP cut into several
    /// encoded words after the switch to Japanese (as Japanese mailers cut
    /// long values) are read whole, on both paths: each word read apart
    /// gave ASCII (`EE;R%a!<%k`) and no replacement character.
    #[test]
    fn iso_2022_jp_words_cut_in_a_run_are_read_whole() {
        let head = "From: =?ISO-2022-JP?B?GyRCRUU7Ug==?= =?ISO-2022-JP?B?JWEhPCVrGyhC?= <jp@example.jp>\r\n\
                    Subject: =?ISO-2022-JP?B?UGFzc3dvcmQ6GyRCIVYbKEJSRTogGyRC?=\r\n \
                    =?ISO-2022-JP?B?RUU7UiVhITwlaz5wSnNPMzFMQlA6diU3?=\r\n \
                    =?ISO-2022-JP?B?JTklRiVgJUYlOSVIJWEhPCVrJEckOSEjIVcbKEI=?=\r\n";
        for m in on_both_paths(head) {
            assert_eq!(
                m.subject,
                "Password:「RE: 電子メール情報漏洩対策システムテストメールです。」"
            );
            assert_eq!(
                m.from.unwrap_or_default().name.as_deref(),
                Some("電子メール")
            );
        }
    }

    /// An encoded word in the subject that touches other text (RFC 2047's
    /// examples, a list's tag before it, a period after it) is read with
    /// the text as written, on both paths: mail-parser put a space on each
    /// side of it (`( ab )`, `café .`). Words apart from text read as before.
    #[test]
    fn encoded_words_touching_text_in_a_subject_get_no_spaces() {
        for (raw, subject) in [
            ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
            ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
            ("[list]=?utf-8?Q?caf=C3=A9?=.", "[list]café."),
            ("Re: =?utf-8?Q?caf=C3=A9?= and more", "Re: café and more"),
            ("a=?b and c?=d", "a=?b and c?=d"),
        ] {
            let head = format!("From: a@example.com\r\nSubject: {raw}\r\n");
            for m in on_both_paths(&head) {
                assert_eq!(m.subject, subject, "{raw}");
            }
        }
    }

    /// A comment after the sender's bracketed address is not added to its
    /// name, on both paths; a comment in place of a name, and parentheses
    /// in a quoted name, stay.
    #[test]
    fn a_comment_after_the_senders_address_is_no_part_of_its_name() {
        for (from, name) in [
            ("Sender <sender@example.com> (local part exceeds)", "Sender"),
            ("\"Smith, Ann\" <ann@example.com> (work)", "Smith, Ann"),
            ("john@example.com (John Doe)", "John Doe"),
            ("\"Ann (Sales)\" <ann@example.com>", "Ann (Sales)"),
        ] {
            let head = format!("From: {from}\r\nSubject: x\r\n");
            for m in on_both_paths(&head) {
                assert_eq!(
                    m.from.unwrap_or_default().name.as_deref(),
                    Some(name),
                    "{from}"
                );
            }
        }
    }

    /// Several `To` or `Cc` headers (a broken mailer's second `cc:` line):
    /// the addresses of all, in order, each once, on both paths.
    #[test]
    fn repeated_recipient_headers_are_all_read() {
        let head = "From: a@example.com\r\nSubject: x\r\nTo: support@example.com\r\n\
                    Cc: Bob <bob@example.org>\r\ncc: Charles <charles@example.org>, bob@example.org\r\n";
        for m in on_both_paths(head) {
            let cc: Vec<&str> = m.cc.iter().map(|a| a.email.as_str()).collect();
            assert_eq!(cc, ["bob@example.org", "charles@example.org"]);
            assert_eq!(m.cc[0].name.as_deref(), Some("Bob"));
            assert_eq!(m.to.len(), 1);
        }
    }

    /// Several `References` or `In-Reply-To` headers (as some list servers
    /// and mailers add a second): the ids of all, in order, each once, on
    /// both paths; one header reads as before.
    #[test]
    fn repeated_reference_headers_are_all_read() {
        let head = "From: a@example.com\r\nSubject: x\r\n\
                    References: <mail1@example.com>\r\nIn-Reply-To: <mail2@example.com>\r\n\
                    References: <mail3@example.com> <mail1@example.com>\r\n\
                    In-Reply-To: <mail3@example.com>\r\n";
        for m in on_both_paths(head) {
            assert_eq!(m.references, ["mail1@example.com", "mail3@example.com"]);
            assert_eq!(m.in_reply_to, ["mail2@example.com", "mail3@example.com"]);
        }
        let head = "From: a@example.com\r\nSubject: x\r\nReferences: <a@x> <b@x>\r\n";
        for m in on_both_paths(head) {
            assert_eq!(m.references, ["a@x", "b@x"]);
            assert!(m.in_reply_to.is_empty());
        }
    }

    /// A sender's name of encoded words in quotes, folded between two of
    /// them (as Outlook folds a long Polish name): no space where the fold
    /// was, on both paths. One word in quotes reads as before.
    #[test]
    fn a_quoted_name_folded_between_encoded_words_is_read_whole() {
        let head = "From: \"=?utf-8?Q?Biuro_Oddzia=C5=82_3_w_War?=\r\n \
                    =?utf-8?Q?szawie=2C_A1?=\" <biuro@ib.example>\r\nSubject: x\r\n";
        for m in on_both_paths(head) {
            let from = m.from.unwrap_or_default();
            assert_eq!(
                from.name.as_deref(),
                Some("Biuro Oddział 3 w Warszawie, A1")
            );
            assert_eq!(from.email, "biuro@ib.example");
        }
        for (head, name) in [
            (
                "From: \"=?utf-8?Q?Pawe=C5=82?= Nowak\" <p@ib.example>\r\n",
                "Paweł Nowak",
            ),
            ("From: \"Nowak, Pawel\" <p@ib.example>\r\n", "Nowak, Pawel"),
        ] {
            for m in on_both_paths(head) {
                let from = m.from.unwrap_or_default();
                assert_eq!(from.name.as_deref(), Some(name), "{head:?}");
            }
        }
        assert!(super::quoted_adjacent_words(
            "\"=?a?Q?x?= =?a?Q?y?=\" <a@b>"
        ));
        assert!(!super::quoted_adjacent_words(
            "\"=?a?Q?x?=\" =?a?Q?y?= <a@b>"
        ));
        assert!(!super::quoted_adjacent_words("=?a?Q?x?= =?a?Q?y?= <a@b>"));
    }

    /// Two text parts of one `multipart/alternative` (the second HTML
    /// labelled as plain text) are one text in two forms: the first is
    /// read, not both one after the other. Text parts of a
    /// `multipart/mixed` are all read.
    #[test]
    fn one_text_of_an_alternative_is_read() {
        let mail = |kind: &str| {
            format!(
                "From: a@example.com\r\nSubject: x\r\n\
                 Content-Type: multipart/{kind}; boundary=b\r\n\r\n--b\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\nHello Bob,\r\n--b\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n<div>Hello Bob,</div>\r\n--b--\r\n"
            )
        };
        let limits = ParseLimits::default();
        let m = parse(mail("alternative").as_bytes(), &limits).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text.trim(), "Hello Bob,");
        let m = parse(mail("mixed").as_bytes(), &limits).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            m.text.contains("Hello Bob,") && m.text.contains("<div>"),
            "{:?}",
            m.text
        );
    }

    /// A base64 encoded word without its `=` padding (as some web mailers
    /// write them) is read whole, not one character short, in the subject
    /// and the sender's name, on both paths; a padded one as before.
    #[test]
    fn base64_words_without_padding_are_read_whole() {
        let head = "From: =?utf-8?B?eHB0bw?= <x@example.pt>\r\n\
                    Subject: =?utf-8?B?eHB0bw?= =?iso-8859-2?Q?_=B1?=\r\n";
        for m in on_both_paths(head) {
            assert_eq!(m.subject, "xpto ą");
            assert_eq!(m.from.unwrap_or_default().name.as_deref(), Some("xpto"));
        }
        for m in on_both_paths(
            "From: =?utf-8?B?eHB0bw==?= <x@example.pt>\r\nSubject: =?utf-8?B?eHB0bw==?=\r\n",
        ) {
            assert_eq!(m.subject, "xpto");
            assert_eq!(m.from.unwrap_or_default().name.as_deref(), Some("xpto"));
        }
        assert!(super::super::encoded_words::has_unpadded_base64(
            "=?utf-8?b?eHB0bw?="
        ));
        assert!(!super::super::encoded_words::has_unpadded_base64(
            "=?utf-8?B?eHB0bw==?="
        ));
        assert!(!super::super::encoded_words::has_unpadded_base64(
            "=?utf-8?Q?xpt?= =?"
        ));
    }

    /// Raw 8-bit header bytes that are not UTF-8 (`Subject: Grüße` in
    /// Latin-1, unencoded, as old mailers and scripts write it) are read in
    /// the charset the mail declares, on both paths, and without one in
    /// windows-1252; a wrong declaration is not second-guessed.
    #[test]
    fn raw_8bit_headers_are_read_in_the_declared_charset() {
        let raw = b"From: J\xfcrgen <j@example.de>\r\nSubject: Gr\xfc\xdfe aus M\xfcnchen\r\n\
                    Content-Type: text/plain; charset=iso-8859-1\r\n\r\nGr\xfc\xdfe\r\n";
        let limits = ParseLimits::default();
        for m in [parse_inner(raw, &limits), parse_full(raw, &limits)] {
            let m = m.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(m.subject, "Grüße aus München");
            assert_eq!(m.from.unwrap_or_default().name.as_deref(), Some("Jürgen"));
            assert_eq!(m.text, "Grüße");
        }
        // Shift_JIS bytes in a mail that declares ISO-2022-JP.
        let raw = b"From: a@example.jp\r\nSubject: \x83\x63\x81\x5b\x83\x8b\r\n\
                    Content-Type: text/plain; charset=iso-2022-jp\r\n\r\nx\r\n";
        let m = parse(raw, &limits).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.subject, "ツール");
        // A multipart mail: the charset of its first text part, on both
        // paths (the alternative takes the fast path; mixed the full one).
        for kind in ["alternative", "mixed"] {
            let raw = format!(
                "From: J\u{fc}rgen <j@example.de>\r\nSubject: Gr\u{fc}\u{df}e\r\n\
                 Content-Type: multipart/{kind}; boundary=b\r\n\r\n--b\r\n\
                 Content-Type: text/plain; charset=windows-1252\r\n\r\nx\r\n--b\r\n\
                 Content-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>\r\n--b--\r\n"
            );
            // (Latin-1 bytes: each character below 256 as one byte.)
            let raw: Vec<u8> = raw.chars().map(|c| c as u8).collect();
            for m in [parse_inner(&raw, &limits), parse_full(&raw, &limits)] {
                let m = m.unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(m.subject, "Grüße", "{kind}");
                assert_eq!(m.from.unwrap_or_default().name.as_deref(), Some("Jürgen"));
            }
        }
        // No declared charset: windows-1252, the body as well.
        let raw = b"From: a@example.de\r\nSubject: Gr\xfc\xdfe\r\n\r\nf\xfcr \x80 5\r\n";
        for m in [parse_inner(raw, &limits), parse_full(raw, &limits)] {
            let m = m.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((m.subject.as_str(), m.text.as_str()), ("Grüße", "für € 5"));
        }
        // Declared UTF-8 without a UTF-8 character: windows-1252 too.
        let raw = b"From: a@example.de\r\nSubject: Gr\xfc\xdfe\r\n\
                    Content-Type: text/plain; charset=utf-8\r\n\r\nf\xfcr\r\n";
        for m in [parse_inner(raw, &limits), parse_full(raw, &limits)] {
            let m = m.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((m.subject.as_str(), m.text.as_str()), ("Grüße", "für"));
        }
        // UTF-8 with a broken byte: left as the MIME parser read it.
        let raw = b"From: a@example.de\r\nSubject: Gr\xc3\xbc\xdfe\r\n\
                    Content-Type: text/plain; charset=utf-8\r\n\r\nf\xc3\xbc\xffr\r\n";
        let m = parse(raw, &limits).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            m.subject.contains(char::REPLACEMENT_CHARACTER)
                && m.text.contains(char::REPLACEMENT_CHARACTER),
            "{} {}",
            m.subject,
            m.text
        );
    }

    #[test]
    fn big_attachment_is_kept_without_content() {
        let m = match parse(MULTI.as_bytes(), &ParseLimits::new(1_000_000, 9)) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        let a = &m.attachments[0];
        assert!(a.too_large);
        assert!(a.content.is_none());
        assert_eq!(a.size, 10);
        assert!(!m.attachments[1].too_large);
    }

    #[test]
    fn auto_headers() {
        let m = p("From: a@b.c\r\n\
Auto-Submitted: Auto-Replied (vacation)\r\n\
Precedence: Bulk\r\n\
X-Autoreply: yes\r\n\
X-Autorespond: yes\r\n\
X-Loop: one\r\n\
X-Loop: two\r\n\
X-Auto-Response-Suppress: All\r\n\
List-Id: Users list <users.lists.example.org>\r\n\
List-Unsubscribe: <mailto:unsub@example.org>\r\n\
Return-Path: <>\r\n\
X-Helpdesk-Loop: ws-1\r\n\
\r\n\
x");
        let s = &m.signals;
        assert_eq!(s.auto_submitted.as_deref(), Some("auto-replied"));
        assert_eq!(s.precedence.as_deref(), Some("bulk"));
        assert!(s.x_autoreply && s.x_autorespond);
        assert_eq!(s.x_loop, vec!["one", "two"]);
        assert_eq!(s.x_auto_response_suppress.as_deref(), Some("All"));
        assert_eq!(s.list_id.as_deref(), Some("users.lists.example.org"));
        assert!(s.list_unsubscribe);
        assert!(s.null_return_path);
        assert!(s.return_path.is_none());
        assert_eq!(m.header("x-helpdesk-loop"), Some("ws-1"));
        assert_eq!(m.header_all("X-LOOP").count(), 2);
    }

    #[test]
    fn return_path_address() {
        let m = p("Return-Path: <Bounce-123@Lists.Example.org>\r\nFrom: a@b.c\r\n\r\nx");
        assert!(!m.signals.null_return_path);
        assert_eq!(
            m.signals.return_path.as_deref(),
            Some("bounce-123@lists.example.org")
        );
    }

    pub(crate) const DSN: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
To: support@example.com\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you that your message could not be delivered.\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.org\r\n\
Arrival-Date: Tue, 1 Jul 2025 10:52:37 +0200\r\n\
\r\n\
Final-Recipient: rfc822; nobody@example.net\r\n\
Original-Recipient: rfc822;nobody@example.net\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address\r\n\
\x20   rejected: User unknown\r\n\
\r\n\
Final-Recipient: rfc822; later@example.net\r\n\
Action: delayed\r\n\
Status: 4.4.1 (timeout)\r\n\
--B\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: support@example.com\r\n\
To: nobody@example.net\r\n\
Subject: Re: your ticket\r\n\
Message-ID: <hd.orig@support.example.com>\r\n\
--B--\r\n";

    #[test]
    fn delivery_status_report() {
        let m = p(DSN);
        assert_eq!(m.signals.content_type.as_deref(), Some("multipart/report"));
        let r = m.signals.report.clone().unwrap_or_default();
        assert_eq!(r.report_type.as_deref(), Some("delivery-status"));
        assert_eq!(r.reporting_mta.as_deref(), Some("mx.example.org"));
        assert_eq!(r.recipients.len(), 2);
        assert_eq!(
            r.recipients[0].final_recipient.as_deref(),
            Some("nobody@example.net")
        );
        assert_eq!(r.recipients[0].action.as_deref(), Some("failed"));
        assert_eq!(r.recipients[0].status.as_deref(), Some("5.1.1"));
        assert!(
            r.recipients[0]
                .diagnostic_code
                .as_deref()
                .unwrap_or("")
                .contains("User unknown")
        );
        assert_eq!(r.recipients[1].status.as_deref(), Some("4.4.1"));
        assert_eq!(
            r.original_message_id.as_deref(),
            Some("hd.orig@support.example.com")
        );
        assert!(m.text.contains("could not be delivered"));
    }

    #[test]
    fn dsn_with_full_original_message() {
        let raw = DSN.replace(
            "Content-Type: text/rfc822-headers",
            "Content-Type: message/rfc822",
        );
        let m = p(&raw);
        let r = m.signals.report.unwrap_or_default();
        assert_eq!(
            r.original_message_id.as_deref(),
            Some("hd.orig@support.example.com")
        );
    }

    #[test]
    fn normalize() {
        assert_eq!(normalize_email("MAILTO:A@B.C"), "a@b.c");
        assert_eq!(normalize_email("<>"), "");
        assert_eq!(normalize_email("<"), "");
        assert_eq!(normalize_email("Ä@Ö.de"), "ä@ö.de");
    }

    #[test]
    fn file_names() {
        assert_eq!(sanitize_file_name("C:\\x\\a.txt"), "a.txt");
        assert_eq!(sanitize_file_name("..\u{0}/.hidden"), "hidden");
        assert_eq!(sanitize_file_name("/"), "");
    }

    fn assert_serde<T: Serialize + for<'de> Deserialize<'de>>() {}

    #[test]
    fn types_are_serde() {
        assert_serde::<InboundMail>();
        assert_serde::<ParseLimits>();
    }
}
