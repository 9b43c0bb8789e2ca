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
//! space, and stays skipped.

use mail_parser::Header;

/// Where the body of `raw` starts when it follows its header block
/// (`headers`, parsed from `raw`) without a blank line: right after the
/// last header, when what comes there is neither the end of the mail nor
/// a blank (or whitespace-only) line. `None` for every well-formed mail.
pub(crate) fn body_start(raw: &[u8], headers: &[Header<'_>]) -> Option<usize> {
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
    fn a_line_without_a_colon_between_headers_is_no_body() {
        // (More likely a header folded without its leading space.)
        let raw = "From: a@example.com\r\nSubject: a long subject\r\ncut by a broken relay\r\nTo: b@example.com\r\n\r\nThe text.\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, "The text.");
        assert_eq!(m.to.len(), 1);
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
