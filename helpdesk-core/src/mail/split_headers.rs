//! A header block split by blank lines: some mailers (Apple Mail of the
//! 2000s among them, Ruby's Mail keeps such a test mail) wrote a blank or
//! whitespace-only line in the middle of the headers, so that `From`,
//! `Subject` and `Content-Type` come after the line that ends the header
//! block. Read as written, the mail has no sender (ingest rejects it) and
//! its headers are its text.
//!
//! When the header block has no `From` and what follows the blank lines is
//! a run of header lines, up to the next blank line, that holds a `From`,
//! that run is read as the rest of the header block. A mail with a `From`
//! of its own is never changed: a body that starts with a quoted header
//! block (a forward) stays the body.

use mail_parser::{Header, HeaderName};

/// `raw` without the blank lines that split its header block (`headers`,
/// parsed from `raw`) from a run of header lines holding a `From`; `None`
/// when the block has a `From`, or what follows is no such run.
pub(crate) fn joined(raw: &[u8], headers: &[Header<'_>]) -> Option<Vec<u8>> {
    if headers.iter().any(|h| matches!(h.name, HeaderName::From)) {
        return None;
    }
    let end = headers.last()?.offset_end as usize;
    let rest = raw.get(end..)?;
    let blank = |line: &&[u8]| line.iter().all(u8::is_ascii_whitespace);
    let mut lines = rest.split_inclusive(|b| *b == b'\n').peekable();
    // (The blank or whitespace-only lines, at least one.)
    let mut skipped = 0;
    while let Some(line) = lines.next_if(blank) {
        skipped += line.len();
    }
    if skipped == 0 {
        return None;
    }
    // (The run of header lines, up to a blank line or the end.)
    let mut has_from = false;
    for (i, line) in lines.take_while(|line| !blank(line)).enumerate() {
        match header_name(line) {
            Some(name) => has_from |= name.eq_ignore_ascii_case(b"from"),
            // (A folded line continues the header before it.)
            None if i > 0 && matches!(line.first(), Some(b' ' | b'\t')) => {}
            None => return None,
        }
    }
    if !has_from {
        return None;
    }
    let (head, tail) = (raw.get(..end)?, rest.get(skipped..)?);
    Some([head, tail].concat())
}

/// The field name of a header line (printable characters but `:`, then
/// optional white space and a `:`); `None` when `line` is no header line.
fn header_name(line: &[u8]) -> Option<&[u8]> {
    let name_len = line
        .iter()
        .take_while(|b| b.is_ascii_graphic() && **b != b':')
        .count();
    let after = line.get(name_len..)?;
    let colon = after.iter().position(|b| !matches!(b, b' ' | b'\t'))?;
    if name_len == 0 || after.get(colon) != Some(&b':') {
        return None;
    }
    line.get(..name_len)
}

#[cfg(test)]
mod tests {
    use crate::mail::{ParseLimits, parse};

    fn parsed(raw: &str) -> crate::mail::InboundMail {
        parse(raw.as_bytes(), &ParseLimits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn headers_after_blank_lines_are_read_as_headers() {
        // (Ruby's Mail: raw_email_with_nested_attachment_and_whitespace_in_headers.)
        let m = parsed(
            "From jamis@example.com Thu Feb 22 11:20:31 2007\n\
             Mime-Version: 1.0 (Apple Message framework v752.3)\n\
             Message-Id: <2CCE0408@example.com>\n\n   \n\n\
             Content-Type: multipart/mixed;\n\tboundary=Apple-Mail-41\n\
             To: Jamis <jamis@example.org>\nSubject: Testing attachments\n\
             From: Jamis Buck <jamis@example.com>\nDate: Thu, 22 Feb 2007 11:20:31 -0700\n\n\n\
             --Apple-Mail-41\nContent-Type: text/plain; charset=US-ASCII\n\n\
             Here is a test of an attachment via email.\n\
             --Apple-Mail-41\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nAAEC\n\
             --Apple-Mail-41--\n",
        );
        assert_eq!(
            m.from.map(|a| a.email).as_deref(),
            Some("jamis@example.com")
        );
        assert_eq!(m.subject, "Testing attachments");
        assert_eq!(m.message_id.as_deref(), Some("2CCE0408@example.com"));
        assert_eq!(m.text, "Here is a test of an attachment via email.");
        assert_eq!(m.attachments.len(), 1);
    }

    #[test]
    fn a_mail_with_its_own_from_keeps_its_body() {
        // A forward whose body starts with the forwarded headers.
        let m = parsed(
            "From: ann@example.com\r\nSubject: Fwd: order\r\n\r\n\
             From: shop@example.org\r\nSubject: order\r\n\r\nYour order.\r\n",
        );
        assert_eq!(m.from.map(|a| a.email).as_deref(), Some("ann@example.com"));
        assert!(m.text.starts_with("From: shop@example.org"), "{}", m.text);
    }

    #[test]
    fn a_body_that_is_not_all_headers_stays_the_body() {
        for body in [
            "Hello\r\nFrom: x@example.org\r\n",
            "To: a@example.org\r\nSubject: no sender here\r\n",
            "From: x@example.org\r\nthen prose\r\n",
        ] {
            let m = parsed(&format!(
                "Return-Path: <r@example.com>\r\nSubject: x\r\n\r\n{body}"
            ));
            assert_eq!(m.from, None, "{body}");
            assert_eq!(m.subject, "x", "{body}");
        }
    }
}
