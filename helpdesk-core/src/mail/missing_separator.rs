//! A mail whose header block runs into its body without the blank line
//! between them (scripts that build mail by hand, and some gateways).
//!
//! mail-parser skips a line without a colon inside the header block and
//! reads on to the first blank line, so such a mail's first paragraph (for
//! a one-paragraph mail: all of its text) is read as nothing. Python's
//! `email` package starts the body at the first line that is not a header
//! (its `MissingHeaderBodySeparatorDefect`); here it starts at the lines
//! after the last header when they are not blank: a line without a colon
//! between two headers is more likely a header folded without its leading
//! space, and stays skipped. The same holds for the parts of a multipart
//! (Python's test mail msg_47), whose text was lost the same way.

use mail_parser::{Header, MessagePart, MimeHeaders, PartType};

/// Where the body of `raw` starts when it follows its header block
/// (`headers`, parsed from `raw`) without a blank line: at the first line
/// that mail-parser read as a header but whose name is no field name (but
/// the first), else right after the last header, when what comes there is
/// neither the end of the mail nor a blank (or whitespace-only) line.
/// `None` for every well-formed mail.
pub(crate) fn body_start(raw: &[u8], headers: &[Header<'_>]) -> Option<usize> {
    // A line of text with a colon in it reads as a header whose name holds
    // white space or a non-ASCII letter, which no field name does: the
    // body starts there (as Python's `email` package starts it), when a
    // header comes before it and none after it (a garbled line among the
    // headers is skipped, as mail-parser skips it, and no `From:` or `To:`
    // below it is lost).
    let last_field = headers
        .iter()
        .rposition(|h| is_field_name(h.name.as_str()))
        .unwrap_or(0);
    if let Some(text) = headers.get(last_field + 1..).and_then(<[_]>::first) {
        return Some(text.offset_field as usize);
    }
    let end = headers.last()?.offset_end as usize;
    let rest = raw.get(end..)?;
    let line = rest
        .get(..memchr::memchr(b'\n', rest).unwrap_or(rest.len()))
        .unwrap_or_default();
    // (mail-parser's header loop ends the block at a line of only
    // whitespace too.)
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(end)
}

/// Whether `name` can name a header field: printable ASCII without white
/// space (RFC 5322's `ftext`; the colon ends it).
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic())
}

/// `raw` with a blank line put in after the header block of every part of
/// a multipart among `parts` (parsed from `raw`) whose body follows its
/// headers without one: at the first line after the part's delimiter line
/// that is neither a header (a field name and a colon, or a line that
/// continues one) nor blank, nor a delimiter (an empty part). The parts
/// are found by their boundaries in the bytes, not by mail-parser's parse,
/// which finds no part at all in a multipart without a blank line after
/// its first part's headers; but a line inside what mail-parser reads as a
/// part's body is left alone. `None` when no part lacks its blank line.
pub(crate) fn in_parts(raw: &[u8], parts: &[MessagePart<'_>]) -> Option<Vec<u8>> {
    let mut inserts: Vec<(usize, &[u8])> = Vec::new();
    let boundaries = parts.iter().filter_map(|part| {
        let ct = part.content_type()?;
        ct.ctype()
            .eq_ignore_ascii_case("multipart")
            .then(|| ct.attribute("boundary"))
            .flatten()
    });
    // (Where mail-parser reads a body already, a line that looks like a
    // delimiter is text, as in Python's test mail msg_38: left alone.)
    let bodies: Vec<(usize, usize)> = parts
        .iter()
        .filter(|part| !matches!(part.body, PartType::Multipart(_)))
        .map(|part| (part.offset_body as usize, part.offset_end as usize))
        .collect();
    let in_a_body = |at: usize| bodies.iter().any(|&(start, end)| start <= at && at < end);
    for boundary in boundaries {
        inserts.extend(unseparated(raw, boundary.as_bytes()).filter(|&(at, _)| !in_a_body(at)));
    }
    inserts.sort_by_key(|&(at, _)| at);
    inserts.dedup_by_key(|(at, _)| *at);
    super::splice::with_inserts(raw, inserts)
}

/// Whether a part of the multipart with boundary `boundary` in `raw` has
/// its body right after its headers (what [`in_parts`] repairs).
pub(crate) fn any_unseparated(raw: &[u8], boundary: &[u8]) -> bool {
    unseparated(raw, boundary).next().is_some()
}

/// Where a blank line (and which line break) goes in the parts of the
/// multipart with boundary `boundary` in `raw` that lack it.
fn unseparated<'r>(
    raw: &'r [u8],
    boundary: &[u8],
) -> impl Iterator<Item = (usize, &'static [u8])> + 'r {
    let delimiter = [b"--", boundary].concat();
    let len = delimiter.len();
    let finder = memchr::memmem::Finder::new(&delimiter).into_owned();
    // (No boundary: nothing to find.)
    let mut from = if boundary.is_empty() {
        raw.len() + 1
    } else {
        0
    };
    std::iter::from_fn(move || {
        loop {
            let at = from + finder.find(raw.get(from..)?)?;
            from = at + 1;
            // A delimiter line: at the start of a line, then white space
            // and the line break.
            if at != 0 && raw.get(at - 1) != Some(&b'\n') {
                continue;
            }
            let rest = raw.get(at + len..)?;
            let blanks = rest
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            let (eol, eol_len): (&'static [u8], usize) = match rest.get(blanks..)? {
                [b'\r', b'\n', ..] => (b"\r\n", 2),
                [b'\n', ..] => (b"\n", 1),
                _ => continue,
            };
            if let Some(body) = unseparated_body(raw, at + len + blanks + eol_len) {
                return Some((body, eol));
            }
        }
    })
}

/// Where the body of the part whose header block starts at `start` of
/// `raw` begins when no blank line comes before it: the first line that is
/// neither a header nor the continuation of one; `None` when a blank line
/// (or a delimiter line, or the end) ends the block.
fn unseparated_body(raw: &[u8], start: usize) -> Option<usize> {
    let mut at = start;
    let mut in_header = false;
    loop {
        let rest = raw.get(at..)?;
        if rest.is_empty() {
            return None;
        }
        let len = memchr::memchr(b'\n', rest).map_or(rest.len(), |n| n + 1);
        let line = rest.get(..len).unwrap_or_default();
        if line.iter().all(u8::is_ascii_whitespace) || line.starts_with(b"--") {
            return None;
        }
        let continues = in_header && matches!(line.first(), Some(b' ' | b'\t'));
        let header = memchr::memchr(b':', line)
            .and_then(|colon| line.get(..colon))
            .and_then(|name| std::str::from_utf8(name).ok())
            .is_some_and(|name| is_field_name(name.trim_end()));
        if !(continues || header) {
            return Some(at);
        }
        in_header = true;
        at += len;
    }
}

/// `raw` with a blank line inserted at `at` (in the line ending of the line
/// before it).
pub(crate) fn with_separator(raw: &[u8], at: usize) -> Vec<u8> {
    let (head, body) = raw.split_at(at.min(raw.len()));
    let separator: &[u8] = match head {
        [.., b'\r', b'\n'] => b"\r\n",
        [.., b'\n'] => b"\n",
        // (Not at the start of a line: a whole blank line.)
        _ => b"\r\n\r\n",
    };
    [head, separator, body].concat()
}

#[cfg(test)]
mod tests {
    use crate::mail::{ParseLimits, parse};

    fn text_of(raw: &str) -> String {
        match parse(raw.as_bytes(), &ParseLimits::default()) {
            Ok(m) => m.text,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    #[test]
    fn a_body_right_after_the_headers_is_read() {
        // (Python's test mail msg_35, and the same in CRLF.)
        let raw = "From: aperson@dom.ain\nTo: bperson@dom.ain\nSubject: here's something interesting\ncounter to RFC 5322, there's no separating newline here\n";
        assert_eq!(
            text_of(raw),
            "counter to RFC 5322, there's no separating newline here"
        );
        let m = parse(
            b"From: a@example.com\r\nSubject: Order 1234\r\nMy parcel has not arrived.\r\nCan you check?\r\n\r\nThanks, Ann\r\n",
            &ParseLimits::default(),
        );
        let m = m.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.subject, "Order 1234");
        assert_eq!(m.from.map(|a| a.email).as_deref(), Some("a@example.com"));
        assert_eq!(
            m.text,
            "My parcel has not arrived.\nCan you check?\n\nThanks, Ann"
        );
    }

    #[test]
    fn a_body_in_a_declared_charset_and_encoding_is_decoded() {
        let raw = "From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\nGr=C3=BC=C3=9Fe\r\n";
        assert_eq!(text_of(raw), "Grüße");
    }

    #[test]
    fn a_line_of_text_with_a_colon_starts_the_body() {
        let raw = "From: a@example.com\r\nSubject: Order 9034\r\nZákazník reklamuje stůl z objednávky 9034: deska.\r\nDěkuji\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.subject, "Order 9034");
        assert_eq!(
            m.text,
            "Zákazník reklamuje stůl z objednávky 9034: deska.\nDěkuji"
        );
        let raw = "From: a@example.com\nSubject: x\nMy order number: 1234\nIt is late: 3 days\n";
        assert_eq!(text_of(raw), "My order number: 1234\nIt is late: 3 days");
        // A garbled line among the headers is no body: the headers after it
        // stay headers.
        let raw = "Subject: x\r\nX Garbled: 1\r\nFrom: a@example.com\r\nTo: b@example.com\r\n\r\nHello\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.from.map(|a| a.email).as_deref(), Some("a@example.com"));
        assert_eq!((m.to.len(), m.text.as_str()), (1, "Hello"));
        // Field names with odd characters but no space are names.
        let raw = "From: a@example.com\r\nX-Spam_Score!: 1\r\n\r\nHello\r\n";
        assert_eq!(text_of(raw), "Hello");
    }

    #[test]
    fn a_line_without_a_colon_between_headers_is_no_body() {
        // (More likely a header folded without its leading space.)
        let raw = "From: a@example.com\r\nSubject: a long subject\r\ncut by a broken relay\r\nTo: b@example.com\r\n\r\nThe text.\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "The text.");
        assert_eq!(m.to.len(), 1);
    }

    #[test]
    fn a_part_whose_body_follows_its_headers_is_read() {
        // (Python's test mail msg_47.)
        let raw = "Date: 01 Jan 2001 00:01+0000\nFrom: arthur@example.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=foo\n\n--foo\nContent-Type: text/plain\nbar\n\n--foo\nContent-Type: text/html\n<html><body><p>baz</p></body></html>\n\n--foo--";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        // (Inline text and HTML parts of a `multipart/mixed` follow each
        // other in the text.)
        assert_eq!(m.text, "bar\n\nbaz");
        assert!(
            m.html.as_deref().is_some_and(|h| h.contains("baz")),
            "{:?}",
            m.html
        );
        // An alternative alike (which the fast path leaves to the full
        // parse), in CRLF; an empty part before a boundary stays empty.
        let raw = "From: a@example.com\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nMy parcel is late: 3 days.\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>My parcel is late: 3 days.</p>\r\n--b--\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "My parcel is late: 3 days.");
        let raw = "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b--\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "second");
    }

    #[test]
    fn well_formed_and_header_only_mail_is_unchanged() {
        assert_eq!(
            text_of("From: a@example.com\r\nSubject: x\r\n\r\nHello\r\n"),
            "Hello"
        );
        // (A line of spaces ends the block, as the blank line does.)
        assert_eq!(
            text_of("From: a@example.com\r\nSubject: x\r\n  \r\nHello\r\n"),
            "Hello"
        );
        assert_eq!(text_of("From: a@example.com\r\nSubject: x\r\n"), "");
        assert_eq!(text_of("From: a@example.com\r\nSubject: x"), "");
    }
}
