//! The header block of a mail (or of a MIME part), parsed into exactly
//! what mail-parser's headers-only parse with our configuration
//! ([`mime_parser`](super::parse::mime_parser)) gives, but cheaper on the
//! values most mail carries.
//!
//! mail-parser's own header loop looks every header name up in a hash
//! map of parsing functions, and its field parsers read values byte by
//! byte with a UTF-8 check per token. Here the loop is mail-parser's (its
//! own header-name parser included), the dispatch is a `match`, and a
//! value on one line in its plain form (ids in angle brackets, addresses
//! without quotes, comments, groups or encoded words, text without encoded
//! words, all valid UTF-8) is read directly; any other value is handed to
//! mail-parser's own parser for that header, at the same position. Tests
//! check the result equals mail-parser's, header for header, on the
//! corpus and on generated header blocks.

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;
use mail_parser::{
    Addr, Address, Encoding, Header, HeaderName as H, HeaderValue, Message, MessagePart, PartType,
};

/// The headers-only parse of `raw`: what `mime_parser().parse_headers(raw)`
/// gives (`None` when there is no header at all).
pub(crate) fn parse_headers(raw: &[u8]) -> Option<Message<'_>> {
    // (Room for the headers there are, as far as a cheap count can tell: a
    // header is 120 bytes, and mail carries from a handful to dozens. The
    // count is capped: lines of arbitrary input are no headers.)
    let mut headers = Vec::with_capacity(header_count(raw).min(MAX_ROOM));
    read_headers(&mut MessageStream::new(raw), raw, &mut headers);
    if headers.is_empty() {
        return None;
    }
    let len = u32::try_from(raw.len()).unwrap_or(u32::MAX);
    Some(Message {
        html_body: Vec::new(),
        text_body: Vec::new(),
        attachments: Vec::new(),
        parts: vec![MessagePart {
            headers,
            encoding: Encoding::None,
            is_encoding_problem: true,
            body: PartType::Text("".into()),
            offset_header: 0,
            offset_body: len,
            offset_end: len,
        }],
        raw_message: Cow::Borrowed(raw),
    })
}

/// The most headers [`parse_headers`] makes room for at first (a mail
/// with more grows the room).
const MAX_ROOM: usize = 64;

/// How many headers the block at the start of `raw` has, about: its lines
/// up to the first blank one that do not continue the line before.
/// ([`read_headers`] may read fewer: it skips lines that are no header.)
fn header_count(raw: &[u8]) -> usize {
    let mut count = 0;
    // (Each line starts at 0 or after a line break.)
    let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', raw).map(|n| n + 1));
    for at in starts {
        match raw.get(at) {
            None | Some(b'\n') => break,
            Some(b'\r') if raw.get(at + 1) == Some(&b'\n') => break,
            Some(b' ' | b'\t') => {}
            Some(_) => count += 1,
        }
    }
    count
}

/// mail-parser's header loop (`MessageStream::parse_headers`), with our
/// dispatch of values.
fn read_headers<'x>(stream: &mut MessageStream<'x>, raw: &'x [u8], headers: &mut Vec<Header<'x>>) {
    loop {
        // Up to the first non-blank character of the next header; a line
        // break there ends the block.
        loop {
            match stream.peek() {
                Some(b'\n') => {
                    stream.next();
                    return;
                }
                None => return,
                Some(ch) if !ch.is_ascii_whitespace() => break,
                _ => {
                    stream.next();
                }
            }
        }
        let offset_field = stream.offset();
        if let Some(name) = header_name(stream, raw) {
            let offset_start = stream.offset();
            let value = value_of(stream, raw, &name, offset_start);
            headers.push(Header {
                name,
                value,
                offset_field: offset(offset_field),
                offset_start: offset(offset_start),
                offset_end: offset(stream.offset()),
            });
        } else if stream.is_eof() {
            return;
        }
    }
}

/// The header name at the stream's position (not a blank), leaving the
/// stream after its colon, as mail-parser's `parse_header_name` reads it.
///
/// A name spelt plainly (letters, digits and hyphens right up to the
/// colon) that most mail carries is told by a `match` on its lower case,
/// and an `X-` name (mail-parser knows none) is `Other`, as spelt: no
/// lookup in mail-parser's table of 140 names. Any other name is
/// mail-parser's to read.
fn header_name<'x>(stream: &mut MessageStream<'x>, raw: &'x [u8]) -> Option<H<'x>> {
    let rest = raw.get(stream.offset()..).unwrap_or_default();
    let len = rest
        .iter()
        .take(NAME_ROOM + 1)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    if (1..=NAME_ROOM).contains(&len) && rest.get(len) == Some(&b':') {
        let mut lower = [0u8; NAME_ROOM];
        for (to, from) in lower.iter_mut().zip(rest) {
            *to = from.to_ascii_lowercase();
        }
        let lower = lower.get(..len).unwrap_or_default();
        let name = match common_name(lower) {
            Some(name) => Some(name),
            None if lower.starts_with(b"x-") => rest
                .get(..len)
                .and_then(|n| std::str::from_utf8(n).ok())
                .map(|n| H::Other(Cow::Borrowed(n))),
            None => None,
        };
        if let Some(name) = name {
            skip(stream, len + 1);
            return Some(name);
        }
    }
    stream.parse_header_name()
}

/// The longest name mail-parser looks up in its table (a longer one is
/// `Other`).
const NAME_ROOM: usize = 34;

/// mail-parser's name for the lower-case header name `lower`, for the
/// names most mail carries (`None` for any other: not necessarily
/// unknown to mail-parser).
fn common_name(lower: &[u8]) -> Option<H<'static>> {
    Some(match lower {
        b"received" => H::Received,
        b"from" => H::From,
        b"to" => H::To,
        b"cc" => H::Cc,
        b"bcc" => H::Bcc,
        b"subject" => H::Subject,
        b"date" => H::Date,
        b"message-id" => H::MessageId,
        b"in-reply-to" => H::InReplyTo,
        b"references" => H::References,
        b"reply-to" => H::ReplyTo,
        b"sender" => H::Sender,
        b"return-path" => H::ReturnPath,
        b"mime-version" => H::MimeVersion,
        b"content-type" => H::ContentType,
        b"content-transfer-encoding" => H::ContentTransferEncoding,
        b"content-disposition" => H::ContentDisposition,
        b"content-id" => H::ContentId,
        b"content-language" => H::ContentLanguage,
        b"content-description" => H::ContentDescription,
        b"list-id" => H::ListId,
        b"list-unsubscribe" => H::ListUnsubscribe,
        b"list-unsubscribe-post" => H::ListUnsubscribePost,
        b"list-post" => H::ListPost,
        b"list-help" => H::ListHelp,
        b"list-subscribe" => H::ListSubscribe,
        b"list-archive" => H::ListArchive,
        b"list-owner" => H::ListOwner,
        b"dkim-signature" => H::DkimSignature,
        b"arc-seal" => H::ArcSeal,
        b"arc-message-signature" => H::ArcMessageSignature,
        b"arc-authentication-results" => H::ArcAuthenticationResults,
        b"authentication-results" => H::AuthenticationResults,
        b"received-spf" => H::ReceivedSpf,
        b"delivered-to" => H::DeliveredTo,
        b"errors-to" => H::ErrorsTo,
        b"importance" => H::Importance,
        b"priority" => H::Priority,
        b"organization" => H::Organization,
        b"keywords" => H::Keywords,
        b"comments" => H::Comments,
        _ => return None,
    })
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// The value of header `name` starting at `from` (the stream is there),
/// leaving the stream after it, as `mime_parser()` reads it.
fn value_of<'x>(
    stream: &mut MessageStream<'x>,
    raw: &'x [u8],
    name: &H<'_>,
    from: usize,
) -> HeaderValue<'x> {
    match name {
        H::Received => {
            // (`parse_and_ignore`: to the line break that is not followed
            // by a continuation line, found with `memchr`.)
            skip(stream, value_end(raw, from).saturating_sub(from));
            HeaderValue::Empty
        }
        H::Subject
        | H::Comments
        | H::ContentDescription
        | H::ContentLocation
        | H::ContentTransferEncoding => {
            plain(stream, raw, from, text).unwrap_or_else(|| stream.parse_unstructured())
        }
        H::From
        | H::To
        | H::Cc
        | H::Bcc
        | H::ReplyTo
        | H::Sender
        | H::ResentTo
        | H::ResentFrom
        | H::ResentBcc
        | H::ResentCc
        | H::ResentSender
        | H::ListArchive
        | H::ListHelp
        | H::ListId
        | H::ListOwner
        | H::ListPost
        | H::ListSubscribe
        | H::ListUnsubscribe => {
            plain(stream, raw, from, addresses).unwrap_or_else(|| stream.parse_address())
        }
        H::Date | H::ResentDate => stream.parse_date(),
        H::MessageId
        | H::References
        | H::InReplyTo
        | H::ReturnPath
        | H::ContentId
        | H::ResentMessageId => plain(stream, raw, from, ids).unwrap_or_else(|| stream.parse_id()),
        H::Keywords | H::ContentLanguage => stream.parse_comma_separared(),
        H::ContentType | H::ContentDisposition => stream.parse_content_type(),
        // `MIME-Version` (raw, as configured) and every other header (raw,
        // mail-parser's default).
        _ => plain(stream, raw, from, raw_text).unwrap_or_else(|| stream.parse_raw()),
    }
}

/// A value on one line (not continued on the next), read by `read` from
/// that line (without its line break); on success the stream moves past
/// the line break. `None` (the stream unmoved) when the value is continued
/// or `read` does not take it.
fn plain<'x>(
    stream: &mut MessageStream<'x>,
    raw: &'x [u8],
    from: usize,
    read: impl FnOnce(&'x str) -> Option<HeaderValue<'x>>,
) -> Option<HeaderValue<'x>> {
    let rest = raw.get(from..)?;
    // (A value that runs to the end of the mail is left to mail-parser.)
    let newline = memchr::memchr(b'\n', rest)?;
    if matches!(rest.get(newline + 1), Some(b' ' | b'\t')) {
        return None;
    }
    let line = std::str::from_utf8(rest.get(..newline)?).ok()?;
    let value = read(trim(line))?;
    skip(stream, newline + 1);
    Some(value)
}

/// Moves the stream `len` bytes on, never past the end of its data.
///
/// mail-parser's `skip_bytes` slices its data from its own position, which
/// can stand one past the end after a header name that the mail ends in
/// (`offset()` does not show it: it is capped at the end): there even a
/// skip of nothing would panic.
fn skip(stream: &mut MessageStream<'_>, len: usize) {
    let len = len.min(stream.remaining());
    if len > 0 {
        stream.skip_bytes(len);
    }
}

/// Where the value starting at `from` ends: after the first line break
/// not followed by a space or a tab (a continuation line), or at the end.
pub(crate) fn value_end(raw: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(newline) = raw.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)) {
        at += newline + 1;
        if !matches!(raw.get(at), Some(b' ' | b'\t')) {
            return at;
        }
    }
    raw.len().max(from)
}

/// Byte classes of the plain forms: a byte that may not appear in a
/// plain message id ([`one_id`])...
const NOT_IN_ID: u8 = 1;
/// ... in a plain address list ([`addresses`]) ...
const NOT_IN_LIST: u8 = 2;
/// ... in the display name before `<` ([`address`]) ...
const NOT_IN_NAME: u8 = 4;
/// ... between `<` and `>` ...
const NOT_IN_BRACKETS: u8 = 8;
/// ... in a bare address.
const NOT_IN_BARE: u8 = 16;

/// The classes of each byte (see [`NOT_IN_ID`] and the rest).
static CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let sets: [(&[u8], u8); 5] = [
        (b" \t\r<", NOT_IN_ID),
        (b"\"()\\:;\r", NOT_IN_LIST),
        (b"@>", NOT_IN_NAME),
        (b" \t<>,", NOT_IN_BRACKETS),
        (b" \t>", NOT_IN_BARE),
    ];
    let mut i = 0;
    while i < sets.len() {
        let (bytes, class) = sets[i];
        let mut j = 0;
        while j < bytes.len() {
            t[bytes[j] as usize] |= class;
            j += 1;
        }
        i += 1;
    }
    t
};

/// Whether `s` contains a byte of `class`. (One table load per byte, no
/// branch: the values are short.)
#[inline]
fn has_any(s: &str, class: u8) -> bool {
    let found = s
        .bytes()
        .fold(0u8, |seen, b| seen | CLASSES[usize::from(b)]);
    found & class != 0
}

/// `s` without the spaces, tabs and carriage returns mail-parser skips
/// around a value. (Byte by byte: they are ASCII, so the ends found are
/// character boundaries.)
fn trim(s: &str) -> &str {
    let skipped = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let bytes = s.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !skipped(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !skipped(b))
        .map_or(start, |at| at + 1);
    s.get(start..end).unwrap_or_default()
}

/// An unstructured value (`parse_unstructured`) without encoded words.
fn text(value: &str) -> Option<HeaderValue<'_>> {
    if value.contains("=?") {
        return None;
    }
    raw_text(value)
}

/// A raw value (`parse_raw`).
fn raw_text(value: &str) -> Option<HeaderValue<'_>> {
    Some(if value.is_empty() {
        HeaderValue::Empty
    } else {
        HeaderValue::Text(Cow::Borrowed(value))
    })
}

/// Message ids (`parse_id`) in their plain form: `<id>`, separated by
/// spaces or tabs, each id without white space or angle brackets.
fn ids(value: &str) -> Option<HeaderValue<'_>> {
    if value.is_empty() {
        return Some(HeaderValue::Empty);
    }
    let (first, mut rest) = one_id(value)?;
    if rest.is_empty() {
        // (The usual `Message-ID` or `In-Reply-To`: no vector.)
        return Some(HeaderValue::Text(Cow::Borrowed(first)));
    }
    let mut found = vec![Cow::Borrowed(first)];
    while !rest.is_empty() {
        let (id, after) = one_id(rest)?;
        found.push(Cow::Borrowed(id));
        rest = after;
    }
    Some(HeaderValue::TextList(found))
}

/// The plain `<id>` at the start of `value`, and what follows it after
/// spaces and tabs.
fn one_id(value: &str) -> Option<(&str, &str)> {
    let inner = value.strip_prefix('<')?;
    let end = inner.find('>')?;
    let id = inner.get(..end)?;
    if id.is_empty() || has_any(id, NOT_IN_ID) {
        return None;
    }
    Some((id, inner.get(end + 1..)?.trim_start_matches([' ', '\t'])))
}

/// An address list (`parse_address`) in its plain form: entries
/// separated by commas, each `name <address>`, `<address>` or a bare
/// `address` containing `@`; no quotes, comments, groups, escapes or
/// encoded words, no empty entries.
fn addresses(value: &str) -> Option<HeaderValue<'_>> {
    if value.is_empty() || has_any(value, NOT_IN_LIST) || value.contains("=?") {
        return None;
    }
    let mut list = Vec::with_capacity(1);
    // An entry ends at a comma outside angle brackets.
    let (mut start, mut bracketed) = (0, false);
    for (i, b) in value.bytes().enumerate() {
        match b {
            b'<' => bracketed = true,
            b'>' => bracketed = false,
            b',' if !bracketed => {
                list.push(address(value.get(start..i)?.trim_matches([' ', '\t']))?);
                start = i + 1;
            }
            _ => {}
        }
    }
    list.push(address(value.get(start..)?.trim_matches([' ', '\t']))?);
    Some(HeaderValue::Address(Address::List(list)))
}

/// One plain entry of an address list (see [`addresses`]).
fn address(entry: &str) -> Option<Addr<'_>> {
    match entry.find('<') {
        Some(open) => {
            let name = entry.get(..open)?.trim_matches([' ', '\t']);
            let inner = entry.get(open + 1..)?.strip_suffix('>')?;
            if has_any(name, NOT_IN_NAME) || inner.is_empty() || has_any(inner, NOT_IN_BRACKETS) {
                return None;
            }
            Some(Addr {
                name: (!name.is_empty()).then_some(Cow::Borrowed(name)),
                address: Some(Cow::Borrowed(inner)),
            })
        }
        None => {
            if !entry.contains('@') || has_any(entry, NOT_IN_BARE) {
                return None;
            }
            Some(Addr {
                name: None,
                address: Some(Cow::Borrowed(entry)),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::parse::mime_parser;

    #[test]
    fn header_count_counts_header_lines_up_to_the_blank_line() {
        assert_eq!(super::header_count(b""), 0);
        assert_eq!(super::header_count(b"\r\nbody: x\r\n"), 0);
        assert_eq!(
            super::header_count(b"A: 1\r\nB: 2\r\n\tmore\r\n\r\nC: 3\r\n"),
            2
        );
        assert_eq!(super::header_count(b"A: 1\nB: 2\n\nC: 3\n"), 2);
        assert_eq!(super::header_count(b"A: 1\nB: 2"), 2);
        // Arbitrary lines count, but the room made for them is capped.
        let lines = "x\n".repeat(10_000);
        assert_eq!(super::header_count(lines.as_bytes()), 10_000);
        assert!(
            super::parse_headers(lines.as_bytes())
                .is_none_or(|m| m.parts[0].headers.capacity() <= super::MAX_ROOM)
        );
    }

    /// Both parses of `raw`, as `(ours, mail-parser's)`.
    fn both(raw: &[u8]) -> (Option<Message<'_>>, Option<Message<'_>>) {
        (parse_headers(raw), mime_parser().parse_headers(raw))
    }

    /// The names [`super::common_name`] tells, and `X-` names, in several
    /// spellings and with what can follow them: read as mail-parser reads
    /// them, to the same place.
    #[test]
    fn header_names_are_read_as_mail_parser_reads_them() {
        let names = [
            "received",
            "from",
            "to",
            "cc",
            "bcc",
            "subject",
            "date",
            "message-id",
            "in-reply-to",
            "references",
            "reply-to",
            "sender",
            "return-path",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
            "content-disposition",
            "content-id",
            "content-language",
            "content-description",
            "list-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "list-post",
            "list-help",
            "list-subscribe",
            "list-archive",
            "list-owner",
            "dkim-signature",
            "arc-seal",
            "arc-message-signature",
            "arc-authentication-results",
            "authentication-results",
            "received-spf",
            "delivered-to",
            "errors-to",
            "importance",
            "priority",
            "organization",
            "keywords",
            "comments",
            "x-mailer",
            "X-Loop",
            "x-",
            "X-A-Name-Of-Thirty-Four-Characters",
            "X-A-Name-Of-Thirty-Five-Characters-",
            "x400-received",
            "thread-topic",
            "x",
        ];
        for name in names {
            assert!(
                super::common_name(name.as_bytes()).is_some()
                    || name.starts_with("x")
                    || name.starts_with("X")
                    || name == "thread-topic",
                "{name}"
            );
            let upper = name.to_ascii_uppercase();
            let mixed: String = name
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            for spelt in [name.to_string(), upper, mixed] {
                for after in [": v\r\n", ":v\n", " : v\r\n", ":", "\r\n", ""] {
                    let raw = format!("{spelt}{after}");
                    let mut ours = MessageStream::new(raw.as_bytes());
                    let mut theirs = MessageStream::new(raw.as_bytes());
                    let (a, b) = (
                        super::header_name(&mut ours, raw.as_bytes()),
                        theirs.parse_header_name(),
                    );
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{raw:?}");
                    assert_eq!(ours.offset(), theirs.offset(), "{raw:?}");
                }
            }
        }
    }

    #[test]
    fn plain_values_are_read_directly() {
        let raw = b"From: Ann Smith <ann@example.com>\r\nTo: b@example.com, <c@example.com>, Dee <d@example.com>\r\n\
            Subject:  Hello there \r\nMessage-ID: <x@y>\r\nReferences: <a@b> <c@d>\r\nX-Thing: value\r\n\r\nbody";
        let (ours, theirs) = both(raw);
        assert_eq!(ours, theirs);
        let ours = ours.unwrap();
        let headers = &ours.parts[0].headers;
        assert_eq!(headers.len(), 6);
        assert_eq!(headers[2].value, HeaderValue::Text("Hello there".into()));
        assert_eq!(
            headers[4].value,
            HeaderValue::TextList(vec!["a@b".into(), "c@d".into()])
        );
    }

    #[test]
    fn other_values_are_mail_parsers() {
        for raw in [
            &b"From: \"Smith, Ann\" <ann@example.com>\r\n\r\n"[..],
            b"From: ann@example.com (Ann)\n\n",
            b"To: undisclosed-recipients:;\n\n",
            b"To: a@b,,c@d\n\n",
            b"Subject: =?utf-8?q?Za=C5=BC=C3=B3=C5=82=C4=87?=\n\n",
            b"Subject: folded\r\n  line\r\n\r\n",
            b"Message-ID: junk <a@b>\n\n",
            b"Message-ID: <a b@c>\n\n",
            b"Subject: caf\xe9\n\n",
            b"From: Ann <ann@example.com> extra\n\n",
            b"Subject: no line break",
            b"Received: from a\r\n\tby b\r\nX-A: 1\r\n\r\n",
            b"  \r\nSubject: x\r\n\r\n",
            b"Bad header\r\nSubject: x\r\n\r\n",
        ] {
            let (ours, theirs) = both(raw);
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(raw));
        }
    }

    /// A mail that ends in a header's name, with no colon after it (mail
    /// cut short): read as mail-parser reads it, for every name the scan
    /// tells itself. `Received` there used to panic.
    #[test]
    fn a_mail_ending_in_a_header_name_is_read_as_mail_parser_reads_it() {
        let names = [
            "Received",
            "From",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "References",
            "Return-Path",
            "MIME-Version",
            "Content-Type",
            "List-Id",
            "X-Loop",
            "Thread-Topic",
        ];
        for name in names {
            for raw in [
                name.to_string(),
                format!("{name}:"),
                format!("{name} "),
                format!("Return-Path: <support+bnc@shop.example>\r\n{name}"),
                format!("X-A: 1\n{name}"),
                format!("X-A: 1\n{name}:"),
            ] {
                let (ours, theirs) = both(raw.as_bytes());
                assert_eq!(ours, theirs, "{raw:?}");
            }
        }
    }

    #[test]
    fn same_as_mail_parser_on_the_corpus() {
        let files = crate::mail::parse::tests::corpus();
        assert!(files.len() >= 100, "only {} corpus files", files.len());
        for (path, raw) in &files {
            let (ours, theirs) = both(raw);
            assert_eq!(ours, theirs, "{}", path.display());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        /// Header blocks built from plain and tricky values of every kind
        /// the scan reads directly: the same headers as mail-parser's.
        #[test]
        fn same_as_mail_parser(
            fields in proptest::collection::vec((
                proptest::sample::select(vec![
                    "From", "to", "CC", "Reply-To", "Sender", "List-Id", "List-Unsubscribe",
                    "Subject", "Content-Transfer-Encoding", "Comments", "Message-ID",
                    "References", "In-Reply-To", "Return-Path", "Content-ID", "MIME-Version",
                    "X-Loop", "Auto-Submitted", "Received", "Date", "Content-Type", "Keywords",
                    "X Bad", "",
                ]),
                proptest::collection::vec(proptest::sample::select(vec![
                    "Ann", " ", "\t", "<", ">", "ann@example.com", "@", ",", ", ", "\"", "(",
                    ")", ":", ";", "\\", "=?utf-8?q?a?=", "=?", "=", "\r", "\r\n ", "\n\t",
                    "\n", "<a@b>", "<>", "x", "Za\u{17c}\u{f3}\u{142}\u{107}", "\u{fffd}",
                    "Mon, 2 Mar 2026 09:00:00 +0100", "text/plain; charset=utf-8",
                ]), 0..8),
            ), 0..6),
            invalid_utf8 in proptest::bool::ANY,
            eol in proptest::sample::select(vec!["\r\n", "\n", ""]),
            end in proptest::sample::select(vec!["\r\n", "\n", "", " \r\n"]),
            // (Mail cut short anywhere: in a name, before its colon, in a
            // value.)
            cut in proptest::option::of(proptest::prelude::any::<proptest::sample::Index>()),
        ) {
            let mut raw = Vec::new();
            for (name, parts) in &fields {
                raw.extend_from_slice(name.as_bytes());
                raw.extend_from_slice(b":");
                for p in parts {
                    raw.extend_from_slice(p.as_bytes());
                }
                if invalid_utf8 {
                    raw.push(0xff);
                }
                raw.extend_from_slice(eol.as_bytes());
            }
            raw.extend_from_slice(end.as_bytes());
            raw.extend_from_slice(b"body\r\n");
            if let Some(cut) = cut {
                raw.truncate(cut.index(raw.len() + 1));
            }
            let (ours, theirs) = both(&raw);
            proptest::prop_assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(&raw));
        }
    }
}
