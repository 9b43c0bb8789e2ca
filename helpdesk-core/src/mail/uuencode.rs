//! Attachments sent with `Content-Transfer-Encoding: x-uuencode` (older
//! Eudora, Mac and list software): mail-parser knows only base64 and
//! quoted-printable, and kept such an attachment's bytes as they came, in
//! their encoding. They are decoded here, with the file name of their
//! `begin` line when the part names none.

use mail_parser::{GetHeader, HeaderName, HeaderValue, MessagePart};

/// Whether `part` declares a uuencode transfer encoding (`x-uuencode`,
/// `uuencode`, `x-uue`).
pub(crate) fn is_uuencoded(part: &MessagePart<'_>) -> bool {
    match part
        .headers
        .header_value(&HeaderName::ContentTransferEncoding)
    {
        Some(HeaderValue::Text(e)) => ["x-uuencode", "uuencode", "x-uue", "uue"]
            .iter()
            .any(|name| e.trim().eq_ignore_ascii_case(name)),
        _ => false,
    }
}

/// The bytes uuencoded in `text`, and the file name of its `begin <mode>
/// <name>` line if it has one (the line is optional). Each line holds its
/// length in its first character, then four characters for every three
/// bytes; a line of length 0 (`` ` `` or a space) or `end` ends the data
/// (white space a transport dropped from a line's end reads as zero bits).
/// `None` when there is no data, or a line is not uuencode: the caller
/// keeps the bytes as they came.
pub(crate) fn decode(text: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let mut lines = text
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .skip_while(|line| line.iter().all(u8::is_ascii_whitespace))
        .peekable();
    let mut name = None;
    if let Some(begin) = lines.peek().and_then(|line| line.strip_prefix(b"begin ")) {
        // `begin 644 report.pdf`: the mode, then the name.
        let begin = String::from_utf8_lossy(begin);
        name = begin
            .trim()
            .split_once(' ')
            .map(|(_, name)| name.trim().to_string())
            .filter(|name| !name.is_empty());
        lines.next();
    }
    let mut out = Vec::new();
    for line in lines {
        // (A blank line or `end` where the line of length 0 should be.)
        let Some((&first, rest)) = line.split_first() else {
            break;
        };
        if line == b"end" {
            break;
        }
        let len = usize::from(sixbits(first)?);
        if len == 0 {
            break;
        }
        // Four characters for every three bytes (missing ones are zero).
        let mut values = rest
            .iter()
            .map(|&c| sixbits(c))
            .chain(std::iter::repeat(Some(0)));
        let mut left = len;
        while left > 0 {
            let mut group = [0u8; 4];
            for slot in &mut group {
                *slot = values.next().flatten()?;
            }
            let bytes = [
                group[0] << 2 | group[1] >> 4,
                group[1] << 4 | group[2] >> 2,
                group[2] << 6 | group[3],
            ];
            let take = left.min(3);
            out.extend_from_slice(bytes.get(..take)?);
            left -= take;
        }
    }
    (!out.is_empty()).then_some((out, name))
}

/// The six bits a uuencode character stands for; `None` for a character
/// uuencode does not write (`` ` `` is zero, as a space).
fn sixbits(c: u8) -> Option<u8> {
    (0x20..=0x60).contains(&c).then(|| (c - 0x20) & 0x3f)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn lines_with_and_without_begin_are_decoded() {
        // "Cat" and "Hello there" as `uuencode` writes them.
        assert_eq!(
            decode(b"begin 644 cat.txt\n#0V%T\n`\nend\n"),
            Some((b"Cat".to_vec(), Some("cat.txt".to_string())))
        );
        assert_eq!(
            decode(b"+2&5L;&\\@=&AE<F4`\r\n`\r\n"),
            Some((b"Hello there".to_vec(), None))
        );
        // A trailing space a transport dropped reads as zero bits.
        assert_eq!(
            decode(b"+2&5L;&\\@=&AE<F4\n \n"),
            Some((b"Hello there".to_vec(), None))
        );
        assert_eq!(decode(b"\"0V$\n"), Some((b"Ca".to_vec(), None)));
    }

    #[test]
    fn what_is_not_uuencode_is_none() {
        assert_eq!(decode(b""), None);
        assert_eq!(decode(b"begin 644 x\n`\nend\n"), None);
        // Lower-case letters are no uuencode characters.
        assert_eq!(decode(b"#abc\n"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Bytes encoded as `uuencode` writes them decode to themselves;
        /// any input decodes without a panic.
        #[test]
        fn encoded_bytes_decode_to_themselves(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..200),
            junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let mut text = b"begin 600 data.bin\n".to_vec();
            for chunk in data.chunks(45) {
                let char_of = |v: u8| if v == 0 { b'`' } else { v + 0x20 };
                text.push(char_of(chunk.len() as u8));
                for group in chunk.chunks(3) {
                    let b = [group[0], *group.get(1).unwrap_or(&0), *group.get(2).unwrap_or(&0)];
                    for v in [b[0] >> 2, (b[0] & 3) << 4 | b[1] >> 4, (b[1] & 15) << 2 | b[2] >> 6, b[2] & 63] {
                        text.push(char_of(v));
                    }
                }
                text.push(b'\n');
            }
            text.extend_from_slice(b"`\nend\n");
            proptest::prop_assert_eq!(decode(&text), Some((data, Some("data.bin".to_string()))));
            let _ = decode(&junk);
        }
    }
}
