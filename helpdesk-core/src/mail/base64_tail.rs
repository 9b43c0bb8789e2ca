//! A base64 part whose last group has no `=` padding (`AAAAAA` for four
//! zero bytes), as some encoders write it: mail-parser's decoder drops the
//! bytes of that last group, which cuts the end off an attached file. Such
//! a part is decoded again from its own bytes, its last group read whole,
//! as mail-parser's decoder of encoded words already reads one.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::{Encoding, MessagePart};

use super::fast_path::part_bytes;

/// The body of `part` (of the mail `raw`) decoded again when it is base64
/// and its last group lacks its padding; `None` otherwise (mail-parser's
/// decoding stands), also for bytes that are not base64.
pub(crate) fn redecoded(part: &MessagePart<'_>, raw: &[u8]) -> Option<Vec<u8>> {
    if part.encoding != Encoding::Base64 {
        return None;
    }
    let body = part_bytes(part, raw)?;
    unpadded(body).then(|| base64_decode(body)).flatten()
}

/// Whether base64 `body` ends in a group of two or three characters
/// without its `=` padding.
fn unpadded(body: &[u8]) -> bool {
    let last = body.iter().rev().find(|b| !b.is_ascii_whitespace());
    if last.is_none_or(|b| *b == b'=') {
        return false;
    }
    let characters = body
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        .count();
    matches!(characters % 4, 2 | 3)
}

#[cfg(test)]
mod tests {
    use crate::mail::parse::tests::p as parsed;

    /// A file whose base64 lacks its last padding keeps its last bytes,
    /// in a multipart and as a mail's only part; padded base64 and base64
    /// of whole groups read as before.
    #[test]
    fn an_unpadded_last_group_is_read_whole() {
        let mail = |body: &str| {
            format!(
                "From: a@example.com\r\nSubject: f\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
                 --b\r\nContent-Type: text/plain\r\n\r\nThe file.\r\n\
                 --b\r\nContent-Type: application/octet-stream; name=a.db\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n--b--\r\n"
            )
        };
        for (body, bytes) in [
            ("AAAAAA", &b"\0\0\0\0"[..]),
            ("YWJj\r\nZA", b"abcd"),
            ("YWJjZGU", b"abcde"),
            ("YWJjZA==", b"abcd"),
            ("YWJj", b"abc"),
        ] {
            let m = parsed(&mail(body));
            assert_eq!(
                m.attachments.first().and_then(|a| a.content.as_deref()),
                Some(bytes),
                "{body}"
            );
        }
        let single = parsed(
            "From: a@example.com\r\nSubject: f\r\nContent-Type: image/png\r\n\
             Content-Disposition: attachment; filename=a.png\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nYWJjZA\r\n",
        );
        assert_eq!(
            single
                .attachments
                .first()
                .and_then(|a| a.content.as_deref()),
            Some(&b"abcd"[..])
        );
    }
}
