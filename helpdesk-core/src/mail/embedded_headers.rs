//! A `message/rfc822` part whose embedded message does not end its headers
//! with a blank line before the next boundary: a forwarded message of
//! headers only, or an empty one (as mime4j's and nodemailer's test mails
//! have them). mail-parser reads on through the enclosing multipart's
//! boundary line and takes the next part's headers for more headers of the
//! embedded message: the next part, a file, is lost inside it. A blank
//! line is put in before that boundary, which ends the embedded headers
//! there, and the mail parsed again.

use mail_parser::{MessagePart, MimeHeaders, PartType};

/// How far into an embedded message its header block is looked through.
const LONGEST_HEADERS: usize = 64 * 1024;

/// `raw` (parsed into `parts`) with a blank line put in before the
/// boundary line that each unended embedded header block (see the module)
/// runs into; `None` when there is none.
pub(crate) fn ended(raw: &[u8], parts: &[MessagePart<'_>]) -> Option<Vec<u8>> {
    let mut inserts: Vec<(usize, &[u8])> = Vec::new();
    for part in parts {
        let PartType::Multipart(subs) = &part.body else {
            continue;
        };
        let Some(boundary) = part.content_type().and_then(|ct| ct.attribute("boundary")) else {
            continue;
        };
        let delimiter = [b"--", boundary.as_bytes()].concat();
        for sub in subs.iter().filter_map(|id| parts.get(*id as usize)) {
            if !matches!(sub.body, PartType::Message(_)) {
                continue;
            }
            if let Some(at) = unended_at(raw, sub.offset_body as usize, &delimiter) {
                // (In the mail's own line breaks.)
                let crlf = at >= 2 && raw.get(at - 2) == Some(&b'\r');
                inserts.push((at, if crlf { b"\r\n" } else { b"\n" }));
            }
        }
    }
    super::splice::with_inserts(raw, inserts)
}

/// Where the line starting with `delimiter` is in the header block of the
/// embedded message that starts at `start` of `raw`, when that comes
/// before the blank line that should end the block; `None` otherwise.
fn unended_at(raw: &[u8], start: usize, delimiter: &[u8]) -> Option<usize> {
    let mut at = start;
    while at - start <= LONGEST_HEADERS {
        let line = raw.get(at..)?;
        if line.starts_with(b"\r\n") || line.starts_with(b"\n") {
            return None;
        }
        if line.starts_with(delimiter) {
            return Some(at);
        }
        at += memchr::memchr(b'\n', line)? + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::mail::parse::tests::p as parsed;

    /// The file after an embedded message of headers only, or an empty
    /// one, is kept; an embedded message with its blank line reads as
    /// before.
    #[test]
    fn the_part_after_an_unended_embedded_message_is_kept() {
        for (embedded, name) in [
            ("From: x@example.com\r\nSubject: inner\r\n", "inner.eml"),
            ("", "attachment-1.eml"),
            (
                "From: x@example.com\r\nSubject: whole\r\n\r\nHi\r\n",
                "whole.eml",
            ),
        ] {
            let mail = parsed(&format!(
                "From: a@example.com\r\nSubject: outer\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n\
                 --BB\r\nContent-Type: text/plain\r\n\r\nHello body\r\n\
                 --BB\r\nContent-Type: message/rfc822\r\n\r\n{embedded}\
                 --BB\r\nContent-Type: application/pdf; name=\"doc.pdf\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--BB--\r\n"
            ));
            let files: Vec<(&str, &str)> = mail
                .attachments
                .iter()
                .map(|a| (a.name.as_str(), a.content_type.as_str()))
                .collect();
            assert_eq!(
                files,
                [(name, "message/rfc822"), ("doc.pdf", "application/pdf")],
                "{embedded:?}"
            );
            assert_eq!(
                mail.attachments.get(1).and_then(|a| a.content.as_deref()),
                Some(&b"%PDF-1.4\n"[..])
            );
            assert_eq!(mail.text.trim(), "Hello body");
        }
    }
}
