//! Quoted-printable that breaks its own rules: an `=` that starts no
//! escape (`==========` typed as a rule under a heading, `?id=2` in a link
//! at the end of a line, `=C3==95`), written by senders that label text
//! quoted-printable without encoding it. mail-parser's decoder reports an
//! error there and keeps the whole part undecoded (`Hallo J=C3=B6rg`; an
//! HTML part so kept becomes an attachment), or, inside a multipart, reads
//! on and loses characters (`?id` and a lone `=` on the next line).
//!
//! Such a part is read as RFC 2045 (section 6.7, note 2) advises a robust
//! decoder to: an `=` that starts neither an escape (`=` and two hex
//! digits) nor a soft line break (`=` at the end of a line) is a literal
//! `=`. The mail is parsed again with each such `=` written `=3D`, so that
//! mail-parser decodes every part, text, HTML or file, as the rest of it.

use mail_parser::{Encoding, HeaderName, HeaderValue, MessagePart};

/// A copy of the mail `raw` (parsed into `parts`) in which each stray `=`
/// of a quoted-printable part is written `=3D` (see [`escape_stray`]);
/// `None` when no part has one.
pub(crate) fn escaped(raw: &[u8], parts: &[MessagePart<'_>]) -> Option<Vec<u8>> {
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for part in parts.iter().filter(|p| is_quoted_printable(p)) {
        let (start, end) = (part.offset_body as usize, part.offset_end as usize);
        let Some(body) = raw.get(start..end) else {
            continue;
        };
        if is_irregular(body) {
            edits.push((start, end, escape_stray(body)));
        }
    }
    super::splice::with_edits(
        raw,
        edits
            .iter()
            .map(|(start, end, bytes)| (*start, *end, bytes.as_slice()))
            .collect(),
    )
}

/// Whether `part` is labelled quoted-printable: decoded as such, or kept
/// undecoded by mail-parser for an error in it.
fn is_quoted_printable(part: &MessagePart<'_>) -> bool {
    part.encoding == Encoding::QuotedPrintable
        || (part.is_encoding_problem
            && matches!(
                part.headers.iter().rev().find(|h| h.name == HeaderName::ContentTransferEncoding),
                Some(h) if matches!(&h.value, HeaderValue::Text(t) if t.trim().eq_ignore_ascii_case("quoted-printable"))
            ))
}

/// Whether quoted-printable `body` has an `=` that starts neither an
/// escape nor a soft line break (see the module).
pub(crate) fn is_irregular(body: &[u8]) -> bool {
    let mut at = 0;
    while let Some(found) = body.get(at..).and_then(|rest| memchr::memchr(b'=', rest)) {
        let after = at + found + 1;
        match escape(body.get(after..).unwrap_or_default()) {
            Some(Escape::Byte) => at = after + 2,
            Some(Escape::SoftBreak(len)) => at = after + len,
            None => return true,
        }
    }
    false
}

/// Quoted-printable `body` with every `=` that starts neither an escape
/// nor a soft line break written `=3D` (a literal `=`). A line that ends
/// in `=` right after such an `=` (a rule of `=====`) keeps that one too:
/// its writer did not encode the line, and the line break is the writer's.
pub(crate) fn escape_stray(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    // Whether the last `=` copied was a stray one, with nothing after it.
    let mut stray = false;
    let mut at = 0;
    while let Some(found) = body.get(at..).and_then(|rest| memchr::memchr(b'=', rest)) {
        let eq = at + found;
        out.extend_from_slice(body.get(at..eq).unwrap_or_default());
        stray &= found == 0;
        match escape(body.get(eq + 1..).unwrap_or_default()) {
            Some(Escape::Byte) => {
                out.extend_from_slice(body.get(eq..eq + 3).unwrap_or_default());
                (stray, at) = (false, eq + 3);
            }
            Some(Escape::SoftBreak(len)) if !stray => {
                out.extend_from_slice(body.get(eq..eq + 1 + len).unwrap_or_default());
                at = eq + 1 + len;
            }
            _ => {
                out.extend_from_slice(b"=3D");
                (stray, at) = (true, eq + 1);
            }
        }
    }
    out.extend_from_slice(body.get(at..).unwrap_or_default());
    out
}

/// What an `=` starts.
enum Escape {
    /// `=` and two hex digits (either case, as mail-parser reads them).
    Byte,
    /// `=`, white space, and a line break or the end of the body: this
    /// many bytes after the `=`.
    SoftBreak(usize),
}

/// What `rest`, the bytes after an `=`, make of it; `None` for neither an
/// escape nor a soft line break.
fn escape(rest: &[u8]) -> Option<Escape> {
    if rest.len() >= 2 && rest.iter().take(2).all(u8::is_ascii_hexdigit) {
        return Some(Escape::Byte);
    }
    // (mail-parser passes over white space and carriage returns after an
    // `=` to the line break.)
    let white = rest
        .iter()
        .take_while(|b| b.is_ascii_whitespace() && **b != b'\n')
        .count();
    match rest.get(white) {
        None => Some(Escape::SoftBreak(white)),
        Some(b'\n') => Some(Escape::SoftBreak(white + 1)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_stray, is_irregular};
    use mail_parser::decoders::quoted_printable::quoted_printable_decode;

    /// Text and HTML labelled quoted-printable but written raw, alone or
    /// as the parts of an alternative or beside a file: read whole, the
    /// HTML as the mail's HTML (not an attachment), the file's bytes too.
    #[test]
    fn parts_with_stray_equals_signs_are_read_whole() {
        let qp = "Content-Transfer-Encoding: quoted-printable\r\n";
        let html = "<div class=\"note\">Gr=C3=BC=C3=9Fe</div>";
        let head = "From: a@example.com\r\nSubject: q\r\n";
        let mails = |text: &str| {
            [
                format!("{head}Content-Type: text/plain; charset=utf-8\r\n{qp}\r\n{text}"),
                format!(
                    "{head}Content-Type: multipart/alternative; boundary=b\r\n\r\n\
                     --b\r\nContent-Type: text/plain; charset=utf-8\r\n{qp}\r\n{text}\
                     --b\r\nContent-Type: text/html; charset=utf-8\r\n{qp}\r\n{html}\r\n--b--\r\n"
                ),
                format!(
                    "{head}Content-Type: multipart/mixed; boundary=b\r\n\r\n\
                     --b\r\nContent-Type: text/plain; charset=utf-8\r\n{qp}\r\n{text}\
                     --b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=a.csv\r\n{qp}\r\n\
                     a=1;b=C3=A9\r\n--b--\r\n"
                ),
            ]
        };
        // (`=2`, a line break and a hex digit, `A`: mail-parser's decoder
        // reports no error there, and reads `=2A` as `*`; the rule of `=`
        // is an error to it.)
        for (text, expected) in [
            (
                "See https://example.com/page?id=2\r\nAll the best, J=C3=B6rg\r\n",
                "See https://example.com/page?id=2\nAll the best, Jörg",
            ),
            (
                "Hallo J=C3=B6rg,\r\n==========\r\ntotal: 5\r\n",
                "Hallo Jörg,\n==========\ntotal: 5",
            ),
        ] {
            for raw in mails(text) {
                let mail = crate::mail::parse::tests::p(&raw);
                assert_eq!(mail.text.trim(), expected, "{raw}");
            }
        }
        let [_, alternative, mixed] = mails("Hi\r\n");
        let mail = crate::mail::parse::tests::p(&alternative);
        assert!(mail.attachments.is_empty(), "{:?}", mail.attachments);
        let html = mail.html.unwrap_or_default();
        assert!(html.contains("Grüße") && !html.contains("=C3"), "{html}");
        let mail = crate::mail::parse::tests::p(&mixed);
        assert_eq!(
            mail.attachments.first().and_then(|a| a.content.as_deref()),
            Some("a=1;bé".as_bytes())
        );
    }

    /// Regular quoted-printable is left as it is.
    #[test]
    fn regular_quoted_printable_is_left_alone() {
        for body in [
            &b"Caf=C3=A9 au lait=\r\nand more  \r\nline=3D3\r\n"[..],
            b"soft =  \nbreak\nlower =c3=a9\n",
            b"no escapes at all\r\n",
            b"ends in a soft break=",
        ] {
            assert!(!is_irregular(body), "{body:?}");
            assert_eq!(escape_stray(body), body, "{body:?}");
        }
    }

    /// A stray `=` is a literal `=`; a line of them keeps its last one and
    /// its line break.
    #[test]
    fn a_stray_equals_sign_is_literal() {
        let cases: [(&[u8], &[u8]); 5] = [
            (
                b"Hallo J=C3=B6rg,\r\n==========\r\ntotal: 5\r\n",
                "Hallo Jörg,\r\n==========\r\ntotal: 5\r\n".as_bytes(),
            ),
            (
                b"page?id=2\nThanks, J=C3=B6rg\n",
                "page?id=2\nThanks, Jörg\n".as_bytes(),
            ),
            (b"==C3==95=C3=84", b"=\xc3=\x95\xc3\x84"),
            (b"a=b and x= y", b"a=b and x= y"),
            (b"long line=\r\ngoes on, a =G", b"long linegoes on, a =G"),
        ];
        for (body, decoded) in cases {
            assert!(is_irregular(body), "{body:?}");
            assert_eq!(quoted_printable_decode(body), None, "{body:?}");
            let escaped = escape_stray(body);
            assert!(!is_irregular(&escaped), "{escaped:?}");
            assert_eq!(
                quoted_printable_decode(&escaped).as_deref(),
                Some(decoded),
                "{body:?}"
            );
        }
    }
}
