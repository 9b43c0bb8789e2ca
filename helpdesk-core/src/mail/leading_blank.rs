//! Blank lines before a mail's header block (a stray line that scripts,
//! archive exports and some gateways write before the headers, empty or
//! of spaces).
//!
//! mail-parser reads a blank first line as the end of an empty header
//! block, so such a mail has no sender, no subject and no structure: its
//! headers become its text, and the engine refuses it for want of a
//! sender. Here the blank lines are passed over when a header field
//! follows them, and the mail is read from there; a mail whose blank lines
//! lead to anything else (text without headers) is read as it is.

/// Where the header block of `raw` starts: past the blank (empty or
/// white-space-only) lines it opens with, when a header field (`Name:`)
/// follows them; `0` for every mail that opens with its headers, or with
/// blank lines and no header after them.
pub(crate) fn header_start(raw: &[u8]) -> usize {
    let mut at = 0;
    loop {
        let rest = raw.get(at..).unwrap_or_default();
        let Some(newline) = memchr::memchr(b'\n', rest) else {
            return 0;
        };
        let line = rest.get(..newline).unwrap_or_default();
        if !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
            return if at > 0 && is_field(line) { at } else { 0 };
        }
        at += newline + 1;
    }
}

/// Whether `line` opens with a header field's name and its colon: one or
/// more printable ASCII characters but the colon (RFC 5322 `ftext`), then
/// `:`.
fn is_field(line: &[u8]) -> bool {
    let name = line
        .iter()
        .take_while(|b| matches!(b, 33..=57 | 59..=126))
        .count();
    name > 0 && line.get(name) == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::header_start;

    #[test]
    fn blank_lines_before_headers_are_passed_over() {
        for (raw, start) in [
            (&b"\r\nFrom: a@b.example\r\n\r\nHi\r\n"[..], 2),
            (b"\nFrom: a@b.example\n\nHi\n", 1),
            (b"   \r\n\t\r\n\r\nSubject: x\r\n\r\nHi\r\n", 10),
            (b"From: a@b.example\r\n\r\nHi\r\n", 0),
            // (Blank lines and then text: a mail without headers.)
            (b"\r\nHello there\r\n", 0),
            (b"\r\nX-Note: y\r\n\r\nz", 2),
            (b"\r\nHello there: a colon after a space\r\n", 0),
            (b"\r\n\r\n", 0),
            (b"", 0),
            (b"\r\nFrom", 0),
        ] {
            assert_eq!(
                header_start(raw),
                start,
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }
}
