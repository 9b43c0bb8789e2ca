//! A multipart left open inside another: its closing delimiter is missing,
//! and the enclosing multipart goes on with its next part (seen in
//! delivery reports whose `multipart/alternative` explanation is never
//! closed before the `message/delivery-status` part). mail-parser reads
//! the open multipart's last part to the end of the mail, so the parts
//! after it (the delivery status, the returned message) are lost and the
//! text runs on with their raw MIME. Here the missing delimiters are put
//! where the enclosing multipart goes on, and the mail is read again.

use mail_parser::{HeaderName, HeaderValue};

/// `raw` with the closing delimiter of each multipart that is still open
/// when a delimiter of a multipart around it comes; `None` when there is
/// none to add (the usual case), or `raw` is no multipart mail.
pub(crate) fn closed(raw: &[u8]) -> Option<Vec<u8>> {
    // The open multiparts, outermost first.
    let mut open: Vec<Vec<u8>> = Vec::new();
    let mut at = boundary_after_headers(raw, 0, &mut open)?;
    let mut out: Option<Vec<u8>> = None;
    // (Bytes of `raw` up to `copied` are in `out`.)
    let mut copied = 0;
    while at < raw.len() {
        let end = memchr::memchr(b'\n', raw.get(at..)?).map_or(raw.len(), |n| at + n + 1);
        let line = raw.get(at..end)?;
        if let Some((depth, last)) = delimiter_of(line, &open) {
            if depth + 1 < open.len() {
                // Inner multiparts left open: closed before this line.
                let fixed = out.get_or_insert_with(|| Vec::with_capacity(raw.len() + 64));
                fixed.extend_from_slice(raw.get(copied..at)?);
                copied = at;
                let crlf = line.ends_with(b"\r\n");
                for boundary in open.drain(depth + 1..).rev() {
                    fixed.extend_from_slice(b"--");
                    fixed.extend_from_slice(&boundary);
                    fixed.extend_from_slice(if crlf { b"--\r\n" } else { b"--\n" });
                }
            }
            if last {
                open.truncate(depth);
                at = end;
            } else {
                // A part starts: a multipart one opens its own boundary.
                at = boundary_after_headers(raw, end, &mut open).unwrap_or(end);
            }
            continue;
        }
        at = end;
    }
    let mut fixed = out?;
    fixed.extend_from_slice(raw.get(copied..)?);
    Some(fixed)
}

/// Reads the header block starting at `from`; when it makes a multipart,
/// pushes its boundary onto `open`. Returns where the block ends (`None`
/// when `from` is the start of the mail and it is no multipart).
fn boundary_after_headers(raw: &[u8], from: usize, open: &mut Vec<Vec<u8>>) -> Option<usize> {
    let block = raw.get(from..)?;
    let end = from + header_block_len(block);
    let boundary = super::header_scan::parse_headers(block.get(..end - from)?).and_then(|m| {
        m.parts
            .into_iter()
            .next()?
            .headers
            .into_iter()
            .rev()
            .find_map(|h| match (h.name, h.value) {
                (HeaderName::ContentType, HeaderValue::ContentType(ct))
                    if ct.ctype().eq_ignore_ascii_case("multipart") =>
                {
                    ct.attribute("boundary")
                        .filter(|b| !b.is_empty())
                        .map(|b| b.as_bytes().to_vec())
                }
                _ => None,
            })
    });
    match boundary {
        Some(b) => open.push(b),
        None if from == 0 => return None,
        None => {}
    }
    Some(end)
}

/// The length of the header block at the start of `bytes`, its blank line
/// included (all of `bytes` when there is no blank line).
fn header_block_len(bytes: &[u8]) -> usize {
    let mut at = 0;
    loop {
        match bytes.get(at) {
            None => return bytes.len(),
            Some(b'\n') => return at + 1,
            Some(b'\r') if bytes.get(at + 1) == Some(&b'\n') => return at + 2,
            _ => {}
        }
        match memchr::memchr(b'\n', bytes.get(at..).unwrap_or_default()) {
            Some(n) => at += n + 1,
            None => return bytes.len(),
        }
    }
}

/// Whether `line` is a delimiter (`--boundary`, or the closing
/// `--boundary--`, perhaps with trailing white space) of one of the `open`
/// multiparts: its depth, and whether it closes it. The innermost match
/// wins.
fn delimiter_of(line: &[u8], open: &[Vec<u8>]) -> Option<(usize, bool)> {
    open.iter()
        .enumerate()
        .rev()
        .find_map(|(depth, boundary)| Some((depth, delimiter(line, boundary)?)))
}

/// Whether `line` (with or without its line break) is a delimiter of
/// `boundary`: `--boundary`, or the closing `--boundary--` (`Some(true)`),
/// perhaps with trailing white space.
pub(crate) fn delimiter(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let after = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    let (after, closing) = match after.strip_prefix(b"--") {
        Some(a) => (a, true),
        None => (after, false),
    };
    after
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .then_some(closing)
}

#[cfg(test)]
mod tests {
    use super::closed;
    use crate::mail::parse::tests::p as parsed;

    const REPORT: &str = "From: mailer-daemon@mx.example\r\nSubject: Delay\r\n\
        Content-Type: multipart/report; boundary=outer; report-type=delivery-status\r\n\r\n\
        --outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n\
        --inner\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nDelivery to bob@example.de is delayed.\r\n\r\n\
        --outer\r\nContent-Type: message/delivery-status\r\n\r\n\
        Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; bob@example.de\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n\
        --outer\r\nContent-Type: text/rfc822-headers\r\n\r\n\
        Message-ID: <sent-1@shop.example>\r\nSubject: Your order\r\n\r\n\
        --outer--\r\n";

    #[test]
    fn the_inner_multipart_is_closed_where_the_outer_goes_on() {
        let fixed = closed(REPORT.as_bytes()).map(String::from_utf8);
        let Some(Ok(fixed)) = fixed else {
            panic!("not repaired: {fixed:?}");
        };
        assert!(
            fixed.contains(
                "is delayed.\r\n\r\n--inner--\r\n--outer\r\nContent-Type: message/delivery-status"
            ),
            "{fixed}"
        );
        // Repaired once: nothing more to close.
        assert_eq!(closed(fixed.as_bytes()), None);
    }

    #[test]
    fn a_delivery_report_with_an_open_explanation_is_read_whole() {
        let m = parsed(REPORT);
        assert_eq!(m.text, "Delivery to bob@example.de is delayed.");
        let report = m.signals.report.unwrap_or_default();
        assert_eq!(
            report.original_message_id.as_deref(),
            Some("sent-1@shop.example")
        );
        assert_eq!(
            report.recipients.first().and_then(|r| r.status.as_deref()),
            Some("4.4.1")
        );
    }

    #[test]
    fn a_repair_that_leaves_as_much_open_is_not_taken() {
        // Boundaries that are prefixes of one another, none ever closed
        // (Dovecot's test of long boundaries): mail-parser matches them
        // by prefix and reads three text parts and a fourth it files as
        // an attachment; the strict reading would close
        // the inner two at the first outer delimiter and leave the rest
        // open, no better, so mail-parser's reading stands.
        let (b82, b81, b80) = (
            "1234567890".repeat(8) + "12",
            "1234567890".repeat(8) + "1",
            "1234567890".repeat(8),
        );
        let raw = format!(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"{b82}\"\r\n\r\n\
             --{b82}\r\nContent-Type: multipart/mixed; boundary=\"{b81}\"\r\n\r\n\
             --{b81}\r\nContent-Type: multipart/mixed; boundary=\"{b80}\"\r\n\r\n\
             --{b80}\r\nContent-Type: text/plain\r\n\r\n1\r\n\
             --{b82}\r\nContent-Type: text/plain\r\n\r\n22\r\n\
             --{b81}\r\nContent-Type: text/plain\r\n\r\n333\r\n\
             --{b80}\r\nContent-Type: text/plain\r\n\r\n4444\r\n"
        );
        assert!(
            closed(raw.as_bytes()).is_some(),
            "the strict reading differs"
        );
        assert_eq!(parsed(&raw).text, "1\n\n22\n\n333");
    }

    #[test]
    fn well_formed_and_single_part_mail_is_left_alone() {
        assert_eq!(closed(b"From: a@example.com\r\n\r\nHello\r\n"), None);
        let fine = REPORT.replace(
            "is delayed.\r\n\r\n--outer",
            "is delayed.\r\n\r\n--inner--\r\n--outer",
        );
        assert_eq!(closed(fine.as_bytes()), None);
        // Cut short: nothing comes after the open part to close it before.
        let cut = REPORT
            .get(..REPORT.find("is delayed.").unwrap_or(0) + 11)
            .unwrap_or_default();
        assert_eq!(closed(cut.as_bytes()), None);
    }
}
