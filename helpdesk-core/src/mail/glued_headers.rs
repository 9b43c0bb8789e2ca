//! A MIME header written onto the end of the `Content-Type` line instead
//! of a line of its own (`Content-Type: text/html Content-Transfer-Encoding:
//! 8bit`, as scripts that build their headers by hand write them).
//!
//! mail-parser reads the glued header into the content type (into its
//! subtype, `html content-transfer-encoding: 8bit`, or into the value of
//! its last parameter), so a one-part mail's text comes out empty and its
//! body an attachment, or its body is not decoded (base64 shown as it
//! came). The line is broken before the glued header, which is then read
//! as its own.
//!
//! Only the headers of a MIME part (`Content-...` and `MIME-Version`)
//! glued onto a `Content-Type` are broken off: an unquoted `:` has no place
//! in a content type, and these are the headers that are written after it.

use mail_parser::{Header, HeaderName, MessagePart};

/// `raw` with a line break put before every MIME header glued onto a
/// `Content-Type` line (of the mail or any of its parts; `parts` were
/// parsed from `raw`); `None` when there is none.
pub(crate) fn unglued(raw: &[u8], parts: &[MessagePart<'_>]) -> Option<Vec<u8>> {
    let mut inserts: Vec<(usize, &[u8])> = Vec::new();
    for part in parts {
        for h in content_types(&part.headers) {
            let (start, end) = (h.offset_start as usize, h.offset_end as usize);
            let value = raw.get(start..end)?;
            // (The line break the header's own lines end with.)
            let eol: &[u8] = if memchr::memmem::find(value, b"\r\n").is_some() {
                b"\r\n"
            } else {
                b"\n"
            };
            inserts.extend(breaks(value).into_iter().map(|at| (start + at, eol)));
        }
    }
    super::splice::with_inserts(raw, inserts)
}

/// Whether a `Content-Type` among `headers` (parsed from `raw`) has a MIME
/// header glued onto it.
pub(crate) fn any_in(raw: &[u8], headers: &[Header<'_>]) -> bool {
    content_types(headers).any(|h| {
        raw.get(h.offset_start as usize..h.offset_end as usize)
            .is_some_and(|value| !breaks(value).is_empty())
    })
}

fn content_types<'h, 'x>(headers: &'h [Header<'x>]) -> impl Iterator<Item = &'h Header<'x>> {
    headers
        .iter()
        .filter(|h| matches!(h.name, HeaderName::ContentType))
}

/// Where a MIME header glued onto the `Content-Type` value `value` starts:
/// a `Content-...:` or `MIME-Version:` name, outside quotes, after white
/// space or a `;`.
fn breaks(value: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    // (The usual value has no colon at all.)
    if memchr::memchr(b':', value).is_none() {
        return out;
    }
    let mut quoted = false;
    let mut after_separator = false;
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        if quoted {
            match b {
                b'\\' => i += 1,
                b'"' => quoted = false,
                _ => {}
            }
        } else if b == b'"' {
            quoted = true;
        } else if after_separator && is_mime_header_start(value.get(i..).unwrap_or_default()) {
            out.push(i);
        }
        after_separator = !quoted && matches!(b, b' ' | b'\t' | b';');
        i += 1;
    }
    out
}

/// Whether `rest` starts with a MIME header's name and its colon.
fn is_mime_header_start(rest: &[u8]) -> bool {
    let len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    let Some(name) = rest.get(..len) else {
        return false;
    };
    let content = name
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"content-"))
        && len > 8;
    rest.get(len) == Some(&b':') && (content || name.eq_ignore_ascii_case(b"mime-version"))
}

#[cfg(test)]
mod tests {
    use super::breaks;
    use crate::mail::{InboundMail, ParseLimits, parse};

    fn parsed(raw: &[u8]) -> InboundMail {
        parse(raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn where_glued_headers_start() {
        assert_eq!(
            breaks(b" text/html Content-Transfer-Encoding: 8bit\r\n"),
            [11]
        );
        assert_eq!(
            breaks(b" text/plain; charset=utf-8 content-transfer-encoding: base64\n"),
            [27]
        );
        assert_eq!(
            breaks(b" text/plain;Content-Disposition: inline MIME-Version: 1.0\r\n"),
            [12, 40]
        );
        // Nothing to break off: no colon, a quoted one, a colon in a
        // parameter's value, a header that is no MIME header, a name run
        // into a word.
        assert!(breaks(b" text/plain; charset=utf-8\r\n").is_empty());
        assert!(breaks(b" text/plain; name=\"Content-Type: x.txt\"\r\n").is_empty());
        assert!(breaks(b" application/octet-stream; name=C:\\a.doc\r\n").is_empty());
        assert!(breaks(b" text/plain X-Mailer: script\r\n").is_empty());
        assert!(breaks(b" text/plain xContent-Length: 3\r\n").is_empty());
        assert!(breaks(b" text/plain Content-: x\r\n").is_empty());
    }

    #[test]
    fn a_one_part_mail_is_its_text() {
        let m = parsed(
            b"From: shop@example.com\r\nSubject: Order\r\nContent-Type: text/html Content-Transfer-Encoding: 8bit\r\n\r\n\
              <p>Your order is confirmed.</p>\r\n",
        );
        assert_eq!(m.text, "Your order is confirmed.");
        assert!(m.html.is_some());
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
        // The glued transfer encoding is applied.
        let m = parsed(
            b"From: shop@example.com\r\nSubject: Order\r\nContent-Type: text/plain; charset=utf-8 Content-Transfer-Encoding: base64\r\n\r\n\
              WW91ciBvcmRlciBpcyBjb25maXJtZWQu\r\n",
        );
        assert_eq!(m.text, "Your order is confirmed.");
        let m = parsed(
            b"From: shop@example.com\nSubject: Order\nContent-Type: text/plain Content-Transfer-Encoding: quoted-printable\n\n\
              Gr=C3=BC=C3=9Fe, your order=\n is confirmed.\n",
        );
        assert_eq!(m.text, "Grüße, your order is confirmed.");
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    }

    #[test]
    fn the_parts_of_a_multipart_are_read() {
        let m = parsed(
            b"From: shop@example.com\r\nSubject: Order\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
              --b\r\nContent-Type: text/plain; charset=utf-8 Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n\
              --b\r\nContent-Type: text/html Content-Transfer-Encoding: base64\r\n\r\nPHA+R3LDvMOfZTwvcD4=\r\n--b--\r\n",
        );
        assert_eq!(m.text, "Grüße");
        assert!(
            m.html.as_deref().is_some_and(|h| h.contains("Grüße")),
            "{:?}",
            m.html
        );
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
        // With a parameter's `;` missing too.
        let m = parsed(
            b"From: shop@example.com\r\nSubject: Order\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
              --b\r\nContent-Type: text/plain charset=utf-8 Content-Transfer-Encoding: base64\r\n\r\nR3LDvMOfZQ==\r\n--b--\r\n",
        );
        assert_eq!(m.text, "Grüße");
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    }
}
