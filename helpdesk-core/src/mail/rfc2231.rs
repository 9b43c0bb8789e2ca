//! File names split into RFC 2231 continuations (`filename*0*=`,
//! `filename*1*=`, ...), read whole; and the other names read again from
//! the part's raw header (raw 8-bit names, Windows paths in quotes).
//!
//! RFC 2231 (section 4.1) puts the charset on the first segment only and
//! applies it to the whole value: the segments' bytes are joined, then
//! decoded. mail-parser 0.11 decodes each segment on its own, so a
//! character whose bytes are split across two segments (long UTF-8 names
//! from Thunderbird and webmail) comes out as two replacement characters,
//! and a stateful charset (ISO-2022-JP, the usual one for Japanese file
//! names) loses its state at every segment: the name is garbled. Here the
//! part's raw header is read again when, and only when, it carries
//! numbered segments.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{HeaderName, MessagePart};

/// The file name of `part` (`raw` is the message its header offsets point
/// into) when it is given as RFC 2231 continuations: `filename` of its
/// `Content-Disposition`, else `name` of its `Content-Type` (mail-parser's
/// order). `None` when the name is not split that way (mail-parser's
/// reading stands), or reads empty.
pub(crate) fn continued_name(part: &MessagePart<'_>, raw: &[u8]) -> Option<String> {
    let value_of = |name: HeaderName<'_>| raw_value(part, raw, name).map(String::from_utf8_lossy);
    let (disposition, content_type) = (
        value_of(HeaderName::ContentDisposition),
        value_of(HeaderName::ContentType),
    );
    // (Nearly every name is written whole: no segment marker, no work.)
    if ![&disposition, &content_type]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| v.contains('*')))
    {
        return None;
    }
    // A disposition that names the file at all (split or not) decides.
    if let Some(value) = &disposition {
        let parameters: Vec<(String, String)> = parameters(value).collect();
        if has_parameter(&parameters, "filename") {
            return joined(&parameters, "filename");
        }
    }
    let parameters: Vec<(String, String)> = parameters(content_type.as_deref()?).collect();
    joined(&parameters, "name")
}

/// The file name of `part` read again from its raw header (`raw` is the
/// message its header offsets point into) when it is written in raw 8-bit
/// bytes that are not UTF-8 (old mailers and scripts write a Polish
/// `Zdjęcie.jpg` so, in windows-1250 or ISO-8859-2, where mail-parser reads
/// replacement characters): `filename` of its `Content-Disposition`, else
/// `name` of its `Content-Type`, read in `charset` (the charset the mail
/// declares for its text) when it names one we can read, else as
/// undeclared legacy text (see `legacy_text`). `None` when the name is
/// not written so, or does not read without replacement characters.
pub(crate) fn raw_8bit_name(
    part: &MessagePart<'_>,
    raw: &[u8],
    charset: Option<&str>,
) -> Option<String> {
    // (Each byte as the character of its value, so that the parameters
    // are split as text and their bytes taken back unchanged.)
    let value_of = |name: HeaderName<'_>| {
        raw_value(part, raw, name).map(|b| b.iter().map(|&b| char::from(b)).collect::<String>())
    };
    let pick = |value: Option<String>, key: &str| {
        parameters(&value?).find_map(|(k, v)| (k == key).then_some(v))
    };
    let latin = pick(value_of(HeaderName::ContentDisposition), "filename")
        .or_else(|| pick(value_of(HeaderName::ContentType), "name"))?;
    let bytes: Vec<u8> = latin
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    if std::str::from_utf8(&bytes).is_ok() {
        return None;
    }
    let declared = charset
        .filter(|c| {
            !super::legacy_text::is_unknown_label(c) && !super::legacy_text::is_utf8_label(c)
        })
        .and_then(|c| super::legacy_text::text_decoder(c.trim().trim_matches('"')));
    let text = match declared {
        Some(decode) => decode(&bytes),
        None => super::legacy_text::read_legacy(&bytes),
    };
    Some(text).filter(|t| !t.contains(char::REPLACEMENT_CHARACTER) && !t.trim().is_empty())
}

/// The file name of `part` when its raw header writes it as a Windows
/// path in quotes (`filename="C:\TEMP\photo.png"`, as Netscape and some
/// scripts send it): the last segment of the path (`photo.png`). A quoted
/// string's `\` escapes the character after it, so mail-parser reads
/// `C:TEMPphoto.png`, which leaves no separator to cut the path at; here a
/// `\` before anything but `"` or `\` is taken for a path separator.
/// `None` when the name is not written so (mail-parser's reading stands).
pub(crate) fn path_name(part: &MessagePart<'_>, raw: &[u8]) -> Option<String> {
    let value = written_name(part, raw, b"\\")?;
    let value = value.strip_prefix('"')?.trim_end_matches('"');
    let mut chars = value.char_indices().peekable();
    let mut last_separator = None;
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some((_, '"' | '\\')) => {
                    chars.next();
                }
                _ => last_separator = Some(i),
            }
        }
    }
    // (The path's last segment may hold encoded words: see
    // [`encoded_words_name`].)
    let name = unquote(value.get(last_separator? + 1..)?);
    let name = super::encoded_words::decode_anywhere(&name).unwrap_or(name);
    Some(name).filter(|n| !n.trim().is_empty())
}

/// The file name of `part` read from its raw header when it has RFC 2047
/// encoded words where mail-parser leaves them undecoded or spaced: after
/// other text (`filename="report-=?UTF-8?Q?caf=C3=A9?=.pdf"`, which RFC
/// 2047 does not allow inside a quoted parameter, but mail clients
/// decode), or with white space between two of them (`"=?UTF-8?Q?nr_1?=
/// =?UTF-8?Q?=2epdf?="`, which RFC 2047 drops, and mail-parser keeps in a
/// parameter: `nr 1 .pdf`). Every word is decoded, adjacent ones joined
/// (`encoded_words::decode_anywhere`). `None` without an encoded word.
pub(crate) fn encoded_words_name(part: &MessagePart<'_>, raw: &[u8]) -> Option<String> {
    let value = written_name(part, raw, b"=?")?;
    let value = match value.strip_prefix('"') {
        Some(quoted) => unquote(quoted.strip_suffix('"').unwrap_or(quoted)),
        None => value,
    };
    super::encoded_words::decode_anywhere(&value).filter(|n| !n.trim().is_empty())
}

/// The file name parameter of `part` as its raw header writes it (quotes
/// and escapes kept): `filename` of its `Content-Disposition`, else `name`
/// of its `Content-Type`, looked for only in a header whose bytes hold
/// `marker` (most names need no second reading, and most headers are
/// passed over by that byte search).
fn written_name(part: &MessagePart<'_>, raw: &[u8], marker: &[u8]) -> Option<String> {
    let find = |name: HeaderName<'_>, key: &str| {
        let value = raw_value(part, raw, name)?;
        memchr::memmem::find(value, marker)?;
        let value = String::from_utf8_lossy(value);
        split_unquoted(&value)
            .into_iter()
            .skip(1)
            .find_map(|parameter| {
                let (k, v) = parameter.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case(key)
                    .then(|| v.trim().to_string())
            })
    };
    find(HeaderName::ContentDisposition, "filename")
        .or_else(|| find(HeaderName::ContentType, "name"))
}

/// The raw bytes of the value of `part`'s first `name` header (`raw` is
/// the message its offsets point into).
fn raw_value<'a>(part: &MessagePart<'_>, raw: &'a [u8], name: HeaderName<'_>) -> Option<&'a [u8]> {
    let h = part.headers.iter().find(|h| h.name == name)?;
    raw.get(h.offset_start as usize..h.offset_end as usize)
}

/// Whether `parameters` have one named `name`, plain or RFC 2231.
fn has_parameter(parameters: &[(String, String)], name: &str) -> bool {
    parameters.iter().any(|(key, _)| {
        key.strip_prefix(name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('*'))
    })
}

/// The value of the parameter `name` among `parameters` joined from its
/// numbered segments (or its one extended value, `name*=`); `None`
/// without either.
fn joined(parameters: &[(String, String)], name: &str) -> Option<String> {
    // (segment number, extended (percent-encoded), value)
    let mut segments: Vec<(u32, bool, &str)> = parameters
        .iter()
        .filter_map(|(key, v)| {
            let rest = key.strip_prefix(name)?.strip_prefix('*')?;
            // (`name*` alone is one extended segment, which a mailer may
            // write beside a plain ASCII `name`: it is the name.)
            if rest.is_empty() {
                return Some((0, true, v.as_str()));
            }
            let (number, extended) = match rest.strip_suffix('*') {
                Some(n) => (n, true),
                None => (rest, false),
            };
            Some((number.parse::<u32>().ok()?, extended, v.as_str()))
        })
        .collect();
    if segments.is_empty() {
        return None;
    }
    segments.sort_by_key(|(n, _, _)| *n);
    segments.dedup_by_key(|(n, _, _)| *n);
    let mut charset = None;
    let mut bytes = Vec::new();
    for (n, extended, segment) in &segments {
        if *extended {
            let mut encoded = *segment;
            // (Only the first segment carries `charset'language'`.)
            if *n == 0
                && let Some((cs, rest)) = encoded.split_once('\'')
                && let Some((_language, rest)) = rest.split_once('\'')
            {
                charset = Some(cs.trim().to_string()).filter(|c| !c.is_empty());
                encoded = rest;
            }
            percent_decode_into(encoded, &mut bytes);
        } else {
            bytes.extend_from_slice(segment.as_bytes());
        }
    }
    let text = charset
        .as_deref()
        .and_then(|cs| charset_decoder(cs.as_bytes()))
        .map_or_else(
            || String::from_utf8_lossy(&bytes).into_owned(),
            |decode| decode(&bytes),
        );
    Some(text).filter(|t| !t.trim().is_empty())
}

/// The `key=value` parameters after the first `;` of a header value, keys
/// lower-cased and values unquoted; a `;` inside quotes does not split.
fn parameters(value: &str) -> impl Iterator<Item = (String, String)> + '_ {
    split_unquoted(value)
        .into_iter()
        .skip(1)
        .filter_map(|parameter| {
            let (key, v) = parameter.split_once('=')?;
            let key = key.trim().to_ascii_lowercase();
            let v = v.trim();
            let v = match v.strip_prefix('"') {
                Some(quoted) => unquote(quoted.strip_suffix('"').unwrap_or(quoted)),
                None => v.to_string(),
            };
            Some((key, v))
        })
}

/// `value` split at each `;` outside a quoted string.
fn split_unquoted(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(value.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(value.get(start..).unwrap_or_default());
    out
}

/// A quoted string's content, its `\` escapes and folding undone.
fn unquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '\r' | '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends the bytes of `%XX`-encoded `s` to `out` (a `%` not followed by
/// two hex digits is kept as it is).
fn percent_decode_into(s: &str, out: &mut Vec<u8>) {
    let bytes = s.trim().as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|d| (*d as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    /// The continued name of the second part of a multipart/mixed whose
    /// second part has the header lines `headers`.
    fn name_of(headers: &str) -> Option<String> {
        let raw = format!(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n{headers}\r\n\r\ndata\r\n--b--\r\n"
        );
        let message = MessageParser::default().parse(raw.as_bytes())?;
        let part = message.parts.get(2)?;
        continued_name(part, raw.as_bytes())
    }

    #[test]
    fn a_utf8_character_split_across_segments_is_whole() {
        let name = name_of(
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n \
             filename*0*=UTF-8''%E6%96%B0%E3%81;\r\n filename*1*=%97%E3%81%84.txt",
        );
        assert_eq!(name.as_deref(), Some("新しい.txt"));
    }

    #[test]
    fn iso_2022_jp_segments_are_decoded_as_one_text() {
        // (@nifty webmail; the RT test mail of the same name.)
        let name = name_of(
            "Content-Type: text/plain\r\nContent-Disposition: inline;\r\n \
             filename*0*=ISO-2022-JP'ja'%1b$B%3f7$7$$%25F%25%2d%259%25H%1b%28B;\r\n \
             filename*1*=%20;\r\n filename*2*=%1b$B%25I%25%2d%25e%25a%25s%25H%1b%28B;\r\n \
             filename*3=.txt",
        );
        assert_eq!(name.as_deref(), Some("新しいテキスト ドキュメント.txt"));
    }

    #[test]
    fn segments_join_in_their_numbers_order_with_plain_and_quoted_ones() {
        let name = name_of(
            "Content-Type: application/pdf;\r\n name*1=\"rt; 2026\";\r\n name*0*=utf-8'en'Rechnung%20f%C3%BC;\r\n name*2=.pdf",
        );
        assert_eq!(name.as_deref(), Some("Rechnung fürt; 2026.pdf"));
    }

    #[test]
    fn a_name_that_is_neither_split_nor_extended_is_left_to_mail_parser() {
        // (One extended value is read here too, as mail-parser reads it
        // alone, and over a plain ASCII name beside it.)
        assert_eq!(
            name_of(
                "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''f%C3%BCr.pdf"
            )
            .as_deref(),
            Some("für.pdf")
        );
        assert_eq!(
            name_of(
                "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"fur.pdf\"; filename*=UTF-8''f%C3%BCr.pdf"
            )
            .as_deref(),
            Some("für.pdf")
        );
        assert_eq!(
            name_of("Content-Type: application/pdf; name=\"a.pdf\""),
            None
        );
        // A disposition's own name decides, split or not: Content-Type's
        // segments are not read over it.
        assert_eq!(
            name_of(
                "Content-Type: application/pdf; name*0=x; name*1=y.pdf\r\nContent-Disposition: attachment; filename=\"z.pdf\""
            ),
            None
        );
    }

    #[test]
    fn an_unknown_charset_or_broken_escape_still_gives_a_name() {
        assert_eq!(
            name_of(
                "Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename*0*=x-unknown''a%2;\r\n filename*1*=%zzb.pdf"
            )
            .as_deref(),
            Some("a%2%zzb.pdf")
        );
        assert_eq!(
            name_of(
                "Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename*0*=utf-8''%20;\r\n filename*1=\" \""
            ),
            None
        );
    }
}
