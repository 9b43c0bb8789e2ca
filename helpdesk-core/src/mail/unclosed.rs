//! A text part whose multipart is never closed: the mail was cut short,
//! or its sender leaves out the last boundary. mail-parser reads such a
//! part to the end of the mail but keeps its bytes as they are (neither
//! transfer- nor charset-decoded: `=C5=BC` stays `=C5=BC`) and files an
//! HTML one as an attachment. Here it is read as it would be with its
//! closing boundary: transfer encoding, charset and `format=flowed`
//! through the same decoders as every other part.

use std::borrow::Cow;

use mail_parser::MessagePart;

use super::fast_path::{decode_to_end, part_bytes, text_of, text_part};

/// The text of `part`, of the mail `raw`, when mail-parser could not read
/// it to a boundary (`is_encoding_problem`) and it is an inline
/// `text/<subtype>` part (`plain` or `html`) whose bytes decode; `None`
/// otherwise (a part read as usual, another type, an attachment, or a body
/// its transfer encoding does not decode).
pub(crate) fn reread<'a>(
    part: &MessagePart<'_>,
    raw: &'a [u8],
    subtype: &str,
) -> Option<Cow<'a, str>> {
    if !part.is_encoding_problem {
        return None;
    }
    let encoding = text_part(part, subtype)?;
    // (To the end of the part: it has no boundary.)
    Some(text_of(
        part,
        decode_to_end(part_bytes(part, raw)?, encoding)?,
    ))
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
