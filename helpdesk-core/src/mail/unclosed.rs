//! A text part whose multipart is never closed: the mail was cut short,
//! or its sender leaves out the last boundary. mail-parser reads such a
//! part to the end of the mail but keeps its bytes as they are (neither
//! transfer- nor charset-decoded: `=C5=BC` stays `=C5=BC`) and files an
//! HTML one as an attachment. Here it is read as it would be with its
//! closing boundary: transfer encoding, charset and `format=flowed`
//! through the same decoders as every other part.

use std::borrow::Cow;

use mail_parser::{Message, MessagePart, MimeHeaders};

use super::fast_path::{decode_to_end, part_bytes, text_of, text_part};

/// The text of `part`, of the mail `raw` (parsed as `message`), when
/// mail-parser could not read it to a boundary (`is_encoding_problem`) and
/// it is an inline `text/<subtype>` part (`plain` or `html`) whose bytes
/// decode; `None` otherwise (a part read as usual, another type, an
/// attachment, or a body its transfer encoding does not decode).
pub(crate) fn reread<'a>(
    message: &Message<'_>,
    part: &MessagePart<'_>,
    raw: &'a [u8],
    subtype: &str,
) -> Option<Cow<'a, str>> {
    if !part.is_encoding_problem {
        return None;
    }
    let encoding = text_part(part, subtype)?;
    // (To the end of the part, or to the boundary of a multipart around
    // its own, which ends it: its own boundary is missing.)
    let bytes = before_a_boundary(part_bytes(part, raw)?, message);
    Some(text_of(part, decode_to_end(bytes, encoding)?))
}

/// `bytes` up to the first line that is a delimiter of one of the mail's
/// multiparts (`--boundary` or `--boundary--`, perhaps with trailing
/// white space), without the line break before it; all of `bytes` when
/// there is none.
fn before_a_boundary<'a>(bytes: &'a [u8], message: &Message<'_>) -> &'a [u8] {
    let boundaries: Vec<&str> = message
        .parts
        .iter()
        .filter_map(|p| {
            let ct = p.content_type()?;
            if !ct.ctype().eq_ignore_ascii_case("multipart") {
                return None;
            }
            ct.attribute("boundary").filter(|b| !b.is_empty())
        })
        .collect();
    if boundaries.is_empty() {
        return bytes;
    }
    let mut start = 0;
    // (Each line, its line break included; the last one to the end.)
    let ends = memchr::memchr_iter(b'\n', bytes)
        .map(|n| n + 1)
        .chain(std::iter::once(bytes.len()));
    for end in ends {
        let line = bytes.get(start..end).unwrap_or_default();
        if boundaries
            .iter()
            .any(|b| super::nested_multipart::delimiter(line, b.as_bytes()).is_some())
        {
            let mut cut = start;
            for byte in [b'\n', b'\r'] {
                if cut > 0 && bytes.get(cut - 1) == Some(&byte) {
                    cut -= 1;
                }
            }
            return bytes.get(..cut).unwrap_or(bytes);
        }
        start = end;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use crate::mail::parse::tests::p as parsed;

    #[test]
    fn an_unclosed_quoted_printable_part_is_decoded() {
        let m = parsed(
            "From: ann@example.com\r\nSubject: Q\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             Za=BF=F3=B3=E6 g=EA=B6l=B1 ja=BC=F1, the lamp is bro=\r\nken.\r\n",
        );
        assert_eq!(m.text, "Zażółć gęślą jaźń, the lamp is broken.");
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    }

    #[test]
    fn an_unclosed_html_part_is_the_body_not_an_attachment() {
        let m = parsed(
            "From: ann@example.com\r\nSubject: Q\r\nContent-Type: multipart/alternative; boundary=\"b\u{b5}\"\r\n\r\n\
             --b\u{b5}\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
             <p>Hello, <b>world</b>!</p>\r\n",
        );
        assert_eq!(m.text, "Hello, world!");
        assert!(
            m.html
                .as_deref()
                .is_some_and(|h| h.contains("<b>world</b>")),
            "{:?}",
            m.html
        );
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    }

    #[test]
    fn an_unclosed_part_ends_at_the_boundary_around_it() {
        // The inner alternative is never closed; the report's next part
        // starts with the outer boundary, which ends the text part.
        let m = parsed(
            "From: mailer-daemon@example.com\r\nSubject: Delay\r\nContent-Type: multipart/report; boundary=outer; report-type=delivery-status\r\n\r\n\
             --outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n\
             --inner\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             Delivery to bob@example.de is del=\r\nayed.\r\n\r\n-- \r\nThe mail system\r\n\r\n\
             --outer  \r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; bob@example.de\r\nAction: delayed\r\n\r\n--outer--\r\n",
        );
        assert_eq!(
            m.text,
            "Delivery to bob@example.de is delayed.

--
The mail system"
        );
    }

    #[test]
    fn an_unclosed_attachment_stays_an_attachment() {
        let m = parsed(
            "From: ann@example.com\r\nSubject: Q\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n\
             --b\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\n\
             line one\r\n",
        );
        assert_eq!(m.text, "See the file.");
        assert_eq!(m.attachments.len(), 1, "{:?}", m.attachments);
    }
}
