//! A mail whose `Content-Type` does not fit its body.
//!
//! With more than one `Content-Type` header (a broken sender, or a relay
//! that adds its own), mail-parser reads the last one; when that makes a
//! multipart mail a single text part, its text is the raw MIME structure
//! (boundaries, part headers, base64). The one that fits the body is the
//! multipart whose boundary delimits it: the mail is read with that header
//! alone.
//!
//! A multipart with no boundary, or one whose delimiter never occurs in
//! the body, has no parts: mail-parser keeps its body as an unnamed
//! attachment and the mail's text is empty. When the body starts with a
//! delimiter line of another boundary, followed by a part's header and
//! found again further down (a sender that declares one boundary and
//! writes another, as Python's test mail msg_31 and much bulk mail do),
//! the multipart is read with the boundary it uses. Otherwise, as RFC 2046
//! requires the boundary, such a body is read as plain text, as Python's
//! `email` package and enmime read it.

use mail_parser::{Header, HeaderName};

/// `raw` without its other `Content-Type` headers when its header block
/// (`headers`, parsed from `raw`) has several, the last one (which
/// mail-parser reads) is not a multipart, and an earlier one is a
/// multipart whose `--<boundary>` occurs in the body; `None` otherwise.
pub(crate) fn with_the_fitting_one(raw: &[u8], headers: &[Header<'_>]) -> Option<Vec<u8>> {
    // (Nearly every mail has one: it is counted before anything is kept.)
    let is_type = |h: &&Header<'_>| matches!(h.name, HeaderName::ContentType);
    headers.iter().filter(is_type).nth(1)?;
    let types: Vec<&Header<'_>> = headers.iter().filter(is_type).collect();
    let (last, earlier) = types.split_last()?;
    if earlier.is_empty() || is_multipart(last) {
        return None;
    }
    let body = raw.get(headers.last()?.offset_end as usize..)?;
    let fitting = earlier
        .iter()
        .find(|h| is_multipart(h) && delimits(h, body))?;
    without(
        raw,
        types
            .iter()
            .filter(|h| !std::ptr::eq(**h, *fitting))
            .copied(),
    )
}

/// `raw` without its `Content-Type` headers (`headers` is its header
/// block, parsed from `raw`) when the one mail-parser reads is a multipart
/// with no boundary, or one whose delimiter does not occur in the body:
/// the mail is then one plain-text part. `None` otherwise.
pub(crate) fn without_a_boundary(raw: &[u8], headers: &[Header<'_>]) -> Option<Vec<u8>> {
    let is_type = |h: &&Header<'_>| matches!(h.name, HeaderName::ContentType);
    let last = headers.iter().rfind(|h| is_type(h))?;
    if !is_multipart(last) {
        return None;
    }
    let body = raw.get(headers.last()?.offset_end as usize..)?;
    if delimits(last, body) {
        return None;
    }
    // The boundary the body uses, in a `Content-Type` of the declared
    // multipart type where the last one stood (the others dropped).
    if let Some(boundary) = used_boundary(body)
        && let Some(subtype) = last.value.as_content_type().and_then(|ct| ct.subtype())
        && subtype
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        let (start, end) = (last.offset_field as usize, last.offset_end as usize);
        let eol = if raw.get(..end).is_some_and(|h| h.ends_with(b"\r\n")) {
            "\r\n"
        } else {
            "\n"
        };
        let header = format!("Content-Type: multipart/{subtype}; boundary=\"{boundary}\"{eol}");
        let edits = headers
            .iter()
            .filter(is_type)
            .map(|h| {
                if std::ptr::eq(h, last) {
                    (start, end, header.as_bytes())
                } else {
                    (h.offset_field as usize, h.offset_end as usize, &b""[..])
                }
            })
            .collect();
        return super::splice::with_edits(raw, edits);
    }
    without(raw, headers.iter().filter(is_type))
}

/// The boundary `body` uses when it is not the declared one: its first
/// line that starts with `--` (after a preamble of at most
/// [`PREAMBLE_LINES`] lines) is `--<boundary>`, the line after it a
/// header, and `--<boundary>` comes again further down, or that header is
/// a MIME one (`Content-...:`; a multipart left open, as bulk mailers
/// close it with yet another boundary). `None` otherwise.
fn used_boundary(body: &[u8]) -> Option<&str> {
    let mut lines = body
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .take(PREAMBLE_LINES + 2)
        .skip_while(|l| !l.starts_with(b"--"));
    let first = lines.next()?;
    let boundary = std::str::from_utf8(first.strip_prefix(b"--")?)
        .ok()?
        .trim_end();
    let usable = !boundary.is_empty()
        && boundary.len() <= 200
        && boundary.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        // (Written back in quotes, where `"` and `\` would be read as
        // something else: a repair that keeps not matching.)
        && !boundary.contains(['"', '\\']);
    let next = lines.next().unwrap_or_default();
    let name = next
        .iter()
        .position(|b| *b == b':')
        .and_then(|colon| next.get(..colon))
        .filter(|name| !name.is_empty() && name.iter().all(u8::is_ascii_graphic));
    let mime = name
        .and_then(|n| n.get(..8))
        .is_some_and(|head| head.eq_ignore_ascii_case(b"content-"));
    let delimiter = format!("--{boundary}");
    let again = memchr::memmem::find_iter(body, delimiter.as_bytes())
        .nth(1)
        .is_some();
    (usable && name.is_some() && (again || mime)).then_some(boundary)
}

/// How many lines of preamble [`used_boundary`] looks past.
const PREAMBLE_LINES: usize = 10;

/// `raw` without the header fields `dropped` (each from its name to its
/// end, its line break included), in the order they come.
fn without<'a, 'x: 'a>(
    raw: &[u8],
    dropped: impl Iterator<Item = &'a Header<'x>>,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    for h in dropped {
        let (start, end) = (h.offset_field as usize, h.offset_end as usize);
        out.extend_from_slice(raw.get(at..start)?);
        at = end;
    }
    out.extend_from_slice(raw.get(at..)?);
    Some(out)
}

/// Whether the `Content-Type` `header` has a boundary whose delimiter
/// (`--<boundary>`) occurs in `body`.
fn delimits(header: &Header<'_>, body: &[u8]) -> bool {
    header
        .value
        .as_content_type()
        .and_then(|ct| ct.attribute("boundary"))
        .filter(|b| !b.is_empty())
        .is_some_and(|b| {
            let delimiter = [b"--", b.as_bytes()].concat();
            memchr::memmem::find(body, &delimiter).is_some()
        })
}

fn is_multipart(header: &Header<'_>) -> bool {
    header
        .value
        .as_content_type()
        .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))
}

#[cfg(test)]
mod tests {
    use crate::mail::{ParseLimits, parse};

    const ALTERNATIVE: &str = "This is a multi-part message in MIME format.\r\n\r\n\
        --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy order is late.\r\n\
        --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>My order is late.</p>\r\n--b1--\r\n";

    fn text_of(head: &str) -> (String, bool) {
        let raw = format!("From: ann@example.com\r\nSubject: Late\r\n{head}\r\n{ALTERNATIVE}");
        match parse(raw.as_bytes(), &ParseLimits::default()) {
            Ok(m) => (m.text, m.html.is_some()),
            Err(e) => panic!("parse: {e}"),
        }
    }

    #[test]
    fn the_multipart_that_fits_the_body_is_read() {
        for head in [
            "Content-Type: multipart/alternative; boundary=\"b1\"\r\nContent-type: text/plain\r\n",
            "Content-Type: text/plain\r\nContent-Type: multipart/alternative; boundary=b1\r\nContent-Type: text/plain; charset=us-ascii\r\n",
        ] {
            assert_eq!(
                text_of(head),
                ("My order is late.".to_string(), true),
                "{head}"
            );
        }
    }

    #[test]
    fn otherwise_the_last_one_stands() {
        // A multipart whose boundary is not in the body, or the last one
        // a multipart already: read as mail-parser reads it.
        let (text, html) =
            text_of("Content-Type: multipart/mixed; boundary=zz\r\nContent-Type: text/plain\r\n");
        assert!(text.contains("--b1"), "{text}");
        assert!(!html);
        assert_eq!(
            text_of(
                "Content-Type: text/plain\r\nContent-Type: multipart/alternative; boundary=b1\r\n"
            ),
            ("My order is late.".to_string(), true)
        );
    }

    #[test]
    fn a_multipart_without_a_boundary_is_read_as_plain_text() {
        // (enmime's multipart-wo-boundary: a delivery report.)
        for head in [
            "Content-Type: multipart/report;\r\n",
            "Content-Type: multipart/mixed; boundary=\"\"\r\n",
            "Content-Type: multipart/mixed; boundary=\"never-there\"\r\n",
        ] {
            let raw = format!(
                "From: Mailer-Daemon@example.com\r\nSubject: Delivery Status Notification (Failure)\r\n{head}\r\n\
                 I'm  multipart message without boundary\r\n"
            );
            let m =
                parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(m.text, "I'm  multipart message without boundary", "{head}");
            assert!(m.attachments.is_empty(), "{head}: {:?}", m.attachments);
        }
        // A body that uses another boundary than the one declared: read
        // with the one it uses (Python's test mail msg_31; bulk mail).
        // (Closed with yet another boundary: its part is read to the end.)
        let raw = "From: a@b.c\r\nContent-Type: multipart/alternative;\r\n\tboundary=\"--=_HsW\"\r\n\r\n----=_GlS\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOffer\r\n\r\n----=_1wy--\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            m.text.starts_with("Offer\n") && !m.text.contains("Content-Type"),
            "{:?}",
            m.text
        );
        for head in [
            "Content-Type: multipart/alternative; boundary=\"b1_\"\r\n",
            "Content-Type: multipart/alternative;\r\n\tboundary=\"--=_HsWzsKVZkho\"\r\nX-Priority: 1\r\n",
        ] {
            assert_eq!(
                text_of(head),
                ("My order is late.".to_string(), true),
                "{head}"
            );
        }
        // A boundary that is there: parts as usual.
        assert_eq!(
            text_of("Content-Type: multipart/alternative; boundary=b1\r\n"),
            ("My order is late.".to_string(), true)
        );
    }

    #[test]
    fn a_used_boundary_with_a_backslash_is_not_written_back() {
        // Written back in quotes, `\=` reads as `=`: the repaired mail
        // needed the same repair again, without end (a fuzz test's mutated
        // mail overflowed the stack). Such a mail is read as one text part.
        let raw = "From: ann@example.com\r\nContent-Type: multipart/mixed-\r\n\tboundary=\"==b==\"\r\n\r\n\
                   --==\\=b==\r\nContent-Type: text/plain\r\n\r\nMy order is late.\r\n--==\\=b==--\r\n";
        let m = parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.text.contains("My order is late."), "{:?}", m.text);
    }
}
