//! A quoted-printable part whose last line ends in a soft line break right
//! before the next boundary (`...au lait=` then `--b`), as encoders write a
//! body that does not end with a line break: mail-parser's decoder, which
//! looks for the boundary as it decodes, drops the two characters before
//! that `=` (`au la`). Such a part is decoded again from its own bytes,
//! where no boundary is in the way, on every parse path.

use std::borrow::Cow;

use mail_parser::{Encoding, MessagePart};

use super::fast_path::{decode_to_end, ends_before_line_break, part_bytes};

/// The body of `part` (of the mail `raw`) decoded again from its own
/// bytes when it is quoted-printable and ends in a soft line break;
/// `None` otherwise (mail-parser's decoding stands).
pub(crate) fn redecoded<'a>(part: &MessagePart<'_>, raw: &'a [u8]) -> Option<Cow<'a, [u8]>> {
    if part.encoding != Encoding::QuotedPrintable {
        return None;
    }
    let body = part_bytes(part, raw)?;
    // (Only before a boundary's line break: a part at the end of the mail,
    // or one that runs into a boundary without a line break, is decoded
    // without that loss.)
    if !ends_before_line_break(part, raw) {
        return None;
    }
    redecoded_body(body)
}

/// `body` (a quoted-printable part's bytes, without the line break before
/// the next boundary) decoded when it ends in a soft line break; `None`
/// otherwise.
pub(crate) fn redecoded_body(body: &[u8]) -> Option<Cow<'_, [u8]>> {
    if !ends_in_soft_break(body) {
        return None;
    }
    // (To the end of the bytes: no boundary in them.)
    decode_to_end(body, Encoding::QuotedPrintable)
}

/// Whether quoted-printable `body` ends in `=` (and the white space an
/// encoder may pad it with): a soft line break whose line break is the
/// boundary's.
fn ends_in_soft_break(body: &[u8]) -> bool {
    let mut end = body.len();
    while end > 0 && matches!(body.get(end - 1), Some(b' ' | b'\t')) {
        end -= 1;
    }
    end > 0 && body.get(end - 1) == Some(&b'=')
}

#[cfg(test)]
mod tests {
    use crate::mail::parse::tests::p as parsed;

    #[test]
    fn the_last_characters_before_a_soft_break_are_kept() {
        // An alternative (the fast path) and a mixed mail with an
        // attachment (the full parse), each part ending in `=`.
        let alternative = parsed(
            "From: a@b.c\r\nSubject: q\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n\
             --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             Caf=C3=A9 au lait=\r\n\
             --b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             <p>Caf=C3=A9 au lait</p>=\r\n--b1--\r\n",
        );
        assert_eq!(alternative.text, "Café au lait");
        assert_eq!(alternative.html.as_deref(), Some("<p>Café au lait</p>"));
        let mixed = parsed(
            "From: a@b.c\r\nSubject: q\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n\
             --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             line one\r\nCaf=C3=A9 au lait and more words here=\r\n\
             --b1\r\nContent-Type: text/csv; name=a.csv\r\nContent-Disposition: attachment; filename=a.csv\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\nid,name=0D=0A1,lamp=\r\n--b1--\r\n",
        );
        assert_eq!(mixed.text, "line one\nCafé au lait and more words here");
        assert_eq!(
            mixed.attachments.first().and_then(|a| a.content.as_deref()),
            Some(&b"id,name\r\n1,lamp"[..])
        );
        assert_eq!(mixed.attachments.first().map(|a| a.size), Some(15));
    }
}
