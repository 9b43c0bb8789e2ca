//! Text parts whose `Content-Type` misnames their type: `text` without a
//! subtype (`Content-Type: text; charset=us-ascii`, from old mailers, as in
//! Python's test mail msg_14), `text/` with an empty one, and the two
//! halves swapped (`plain/text`, `html/text`, as hand-written headers of
//! scripts have them).
//!
//! mail-parser reads such a part as binary: a one-part mail's text comes
//! out empty and its body an unnamed attachment. Python's `email` package
//! reads a type it cannot parse as `text/plain`; here the type is read as
//! `text/plain` (`text/html` for `html/text`).

use mail_parser::{Header, HeaderName, MessagePart};

/// `raw` with every misnamed text type among the `Content-Type`s of
/// `parts` (parsed from `raw`) written as meant; `None` when none is.
pub(crate) fn with_text_types(raw: &[u8], parts: &[MessagePart<'_>]) -> Option<Vec<u8>> {
    let mut edits: Vec<(usize, usize, &[u8])> = Vec::new();
    for part in parts {
        for h in part
            .headers
            .iter()
            .filter(|h| matches!(h.name, HeaderName::ContentType))
        {
            let (start, end) = (h.offset_start as usize, h.offset_end as usize);
            let value = raw.get(start..end)?;
            let lead = value.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let token = value
                .get(lead..)?
                .split(|b| *b == b';' || b.is_ascii_whitespace())
                .next()
                .unwrap_or_default();
            if let Some(meant) = meant(token) {
                edits.push((start + lead, start + lead + token.len(), meant));
            }
        }
    }
    super::splice::with_edits(raw, edits)
}

/// Whether a `Content-Type` among `headers` misnames a text type (as
/// mail-parser read it): the mail is then read by the full parse, which
/// names it as meant (also when the fast path could read its body, so
/// that both give the same headers).
pub(crate) fn any_misnamed(headers: &[Header<'_>]) -> bool {
    headers
        .iter()
        .filter(|h| matches!(h.name, HeaderName::ContentType))
        .filter_map(|h| h.value.as_content_type())
        .any(|ct| {
            let (t, sub) = (ct.ctype(), ct.subtype().unwrap_or_default());
            (t.eq_ignore_ascii_case("text") && sub.is_empty())
                || ((t.eq_ignore_ascii_case("plain") || t.eq_ignore_ascii_case("html"))
                    && sub.eq_ignore_ascii_case("text"))
        })
}

/// The type a misnamed text type `token` means.
fn meant(token: &[u8]) -> Option<&'static [u8]> {
    let is = |name: &[u8]| token.eq_ignore_ascii_case(name);
    if is(b"text") || is(b"text/") || is(b"plain/text") {
        Some(b"text/plain")
    } else if is(b"html/text") {
        Some(b"text/html")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::mail::{ParseLimits, parse};

    fn read(raw: &str) -> crate::mail::InboundMail {
        parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn misnamed_text_types_are_read_as_text() {
        for ct in [
            "text; charset=us-ascii",
            "TEXT",
            "text/",
            " plain/text; charset=utf-8",
            "Plain/Text",
        ] {
            let m = read(&format!(
                "From: a@b.c\r\nContent-Type: {ct}\r\n\r\nHi there\r\n"
            ));
            assert_eq!(m.text, "Hi there", "{ct}");
            assert!(m.attachments.is_empty(), "{ct}: {:?}", m.attachments);
        }
        let m = read(
            "From: a@b.c\r\nContent-Type: html/text; charset=utf-8\r\n\r\n<p>Hi <b>there</b></p>\r\n",
        );
        assert_eq!(m.text, "Hi there");
        assert!(
            m.html
                .as_deref()
                .is_some_and(|h| h.contains("<b>there</b>")),
            "{:?}",
            m.html
        );
        // In a part of a multipart too.
        let m = read(
            "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text; charset=utf-8\r\n\r\nZa\u{17c}\u{f3}\u{142}\u{107}\r\n--x--\r\n",
        );
        assert_eq!(m.text, "Zażółć");
    }

    #[test]
    fn other_types_are_left_alone() {
        for ct in [
            "text/plain",
            "textile",
            "text/x-vcard",
            "application/text",
            "plain",
        ] {
            let raw = format!("From: a@b.c\r\nContent-Type: {ct}\r\n\r\nHi\r\n");
            let parts = crate::mail::parse::mime_parser()
                .parse(raw.as_bytes())
                .map(|m| m.parts.len())
                .unwrap_or_default();
            assert!(parts > 0);
            let message = crate::mail::parse::mime_parser().parse(raw.as_bytes());
            let again = message
                .as_ref()
                .and_then(|m| super::with_text_types(raw.as_bytes(), &m.parts));
            assert_eq!(again, None, "{ct}");
        }
    }
}
