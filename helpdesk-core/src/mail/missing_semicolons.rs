//! `Content-Type` parameters written without the `;` before them
//! (`Content-Type: text/html charset=UTF-8`, as hand-written headers of
//! scripts and shop systems often have it).
//!
//! mail-parser reads such a parameter into the subtype (`html
//! charset=UTF-8`), so the part is neither `text/plain`, `text/html` nor a
//! multipart: a one-part mail's text comes out empty, its body an unnamed
//! attachment, and a multipart's boundary is not found (its text is the
//! raw MIME structure). The header is read with the `;` put in.

use mail_parser::{Header, HeaderName, HeaderValue, MessagePart};

/// `raw` with a `;` put before every `Content-Type` parameter (of the mail
/// or any of its parts; `parts` were parsed from `raw`) that follows the
/// type or another parameter without one; `None` when none does.
pub(crate) fn with_semicolons(raw: &[u8], parts: &[MessagePart<'_>]) -> Option<Vec<u8>> {
    let mut inserts: Vec<(usize, &[u8])> = Vec::new();
    for part in parts {
        for h in part
            .headers
            .iter()
            .filter(|h| matches!(h.name, HeaderName::ContentType) && misread(&h.value))
        {
            let (start, end) = (h.offset_start as usize, h.offset_end as usize);
            let value = raw.get(start..end)?;
            inserts.extend(missing(value).into_iter().map(|at| (start + at, &b";"[..])));
        }
    }
    super::splice::with_inserts(raw, inserts)
}

/// Whether a `Content-Type` among `headers` is [`misread`]: the mail is
/// then read by the full parse, which puts the `;`s in (also when the fast
/// path could read its body, so that both give the same headers).
pub(crate) fn any_misread(headers: &[Header<'_>]) -> bool {
    headers
        .iter()
        .any(|h| matches!(h.name, HeaderName::ContentType) && misread(&h.value))
}

/// Whether mail-parser's reading of a `Content-Type` shows a parameter
/// run into the subtype (`html charset=UTF-8`) or into another
/// parameter's value (`utf-8 format=flowed`).
fn misread(value: &HeaderValue<'_>) -> bool {
    let Some(ct) = value.as_content_type() else {
        return false;
    };
    let run_in = |s: &str| {
        s.split_ascii_whitespace()
            .skip(1)
            .any(|word| is_parameter_start(word.as_bytes()))
    };
    ct.subtype().is_some_and(|s| run_in(s.trim()))
        || ct
            .attributes()
            .is_some_and(|attributes| attributes.iter().any(|a| run_in(a.value.trim())))
}

/// Where a `;` is missing in the `Content-Type` value `value`: before each
/// word of the form `name=...` (outside quotes) that comes after the
/// type, or after another parameter, with white space but no `;` between.
fn missing(value: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    // (Past `type/subtype`: the first white space or `;` after it.)
    let lead = value.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let Some(mut i) = value
        .iter()
        .skip(lead)
        .position(|b| b.is_ascii_whitespace() || *b == b';')
        .map(|n| lead + n)
    else {
        return out;
    };
    let (mut quoted, mut separated, mut after_space) = (false, false, false);
    while let Some(&b) = value.get(i) {
        match b {
            _ if quoted => match b {
                b'\\' => i += 1,
                b'"' => quoted = false,
                _ => {}
            },
            b'"' => {
                quoted = true;
                after_space = false;
            }
            b';' => {
                separated = true;
                after_space = false;
            }
            _ if b.is_ascii_whitespace() => after_space = true,
            _ => {
                if after_space
                    && !separated
                    && is_parameter_start(value.get(i..).unwrap_or_default())
                {
                    out.push(i);
                }
                // (A parameter's own text: the next one needs its `;`.)
                separated = false;
                after_space = false;
            }
        }
        i += 1;
    }
    out
}

/// Whether `rest` starts with `name=` (a letter, then RFC 2045 token
/// characters, possibly with RFC 2231's `*` markers).
fn is_parameter_start(rest: &[u8]) -> bool {
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*'))
        .count();
    rest.first().is_some_and(u8::is_ascii_alphabetic) && rest.get(name) == Some(&b'=')
}

#[cfg(test)]
mod tests {
    use super::missing;
    use crate::mail::{ParseLimits, parse};

    fn parsed(raw: &[u8]) -> crate::mail::InboundMail {
        parse(raw, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn where_semicolons_are_missing() {
        assert_eq!(missing(b" text/html charset=UTF-8\r\n"), [11]);
        assert_eq!(
            missing(b" text/plain; charset=utf-8 format=flowed\r\n"),
            [27]
        );
        assert_eq!(
            missing(b" multipart/alternative\r\n boundary=\"a b=c\" x=y\r\n"),
            [25, 42]
        );
        // Nothing to put in: well-formed, or no `name=` word.
        assert!(missing(b" text/plain; charset=utf-8; format=flowed\r\n").is_empty());
        assert!(missing(b" text/plain\r\n").is_empty());
        assert!(missing(b" text/plain; name=my file.txt\r\n").is_empty());
        assert!(missing(b" text/plain; charset = utf-8\r\n").is_empty());
        assert!(missing(b" text/plain; name=\"a b=c\"\r\n").is_empty());
    }

    #[test]
    fn a_one_part_mail_is_its_text() {
        let m = parsed(
            b"From: shop@example.com\r\nSubject: Order\r\nContent-Type: text/plain charset=\"iso-8859-1\"\r\n\r\n\
              Your order is confirmed. Gr\xfc\xdfe\r\n",
        );
        assert_eq!(m.text, "Your order is confirmed. Grüße");
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
        let m = parsed(
            "From: shop@example.com\r\nSubject: Order\r\nContent-Type: text/html charset=UTF-8\r\n\r\n\
             <p>Your order is confirmed. Grüße</p>\r\n"
                .as_bytes(),
        );
        assert_eq!(m.text, "Your order is confirmed. Grüße");
        assert!(m.html.is_some());
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    }

    /// A one-part mail whose run-in parameters leave its type `text/plain`
    /// (so that the fast path could read it) gets the same headers on both
    /// parse paths: as repaired.
    #[test]
    fn both_paths_give_the_repaired_headers() {
        let raw =
            b"Content-Type: text/plain\r\n \r\n SGVsbG8=<a href=\"javascript:x\">a</a>=\r\n\r\n";
        let (fast, full) = crate::mail::parse::tests::both_paths(raw);
        assert!(fast.is_some());
        assert_eq!(fast, full);
    }

    #[test]
    fn a_multipart_and_its_parts_are_read() {
        let m = parsed(
            b"From: shop@example.com\r\nSubject: Order\r\nContent-Type: multipart/alternative boundary=\"b\"\r\n\r\n\
              --b\r\nContent-Type: text/plain charset=utf-8\r\n\r\nplain\r\n\
              --b\r\nContent-Type: text/html charset=utf-8\r\n\r\n<p>html</p>\r\n--b--\r\n",
        );
        assert_eq!(m.text, "plain");
        assert!(
            m.html.as_deref().is_some_and(|h| h.contains("html")),
            "{:?}",
            m.html
        );
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    }
}
