//! Plain text in an undeclared 8-bit charset: a text part that names no
//! charset but whose bytes are not UTF-8 (PHP `mail()` scripts and old
//! mailers write Latin-1 or Central European bodies so). UTF-8 without a
//! label stays UTF-8. Before, every 8-bit byte of such text came out as a
//! replacement character.
//!
//! The same goes for text labelled UTF-8 that holds no UTF-8 character at
//! all, only bytes above 127 that UTF-8 cannot read (a shop script that
//! declares `charset=utf-8` and writes from a Latin-1 or windows-1250
//! database). Text with some UTF-8 characters and a few broken bytes keeps
//! its label (and replacement characters for the broken bytes).
//!
//! And for text under a label that names no charset for its 8-bit bytes
//! ([`is_unknown_label`]): `unknown-8bit` (RFC 1428), `x-unknown`,
//! `default`, misspelt names, ASCII's names, Outlook Express's
//! `x-user-defined`. Before, their 8-bit bytes came out as replacement
//! characters, or (ASCII) in windows-1252 whatever the language, or
//! (`x-user-defined`) as private-use characters.
//!
//! Which 8-bit charset ([`legacy_charset`]): windows-1252 (the default the
//! WHATWG Encoding Standard gives undeclared legacy text, and what
//! mail-parser reads 8-bit bytes under a declared `us-ascii` as), unless
//! windows-1250 or ISO-8859-2 (the Polish, Czech and other Central
//! European mail of the products this engine is embedded in) reads more of
//! the text's 8-bit bytes inside words as letters: `opłacone` is
//! `op\xb3acone` in both, and windows-1252 reads `op³acone`. Western text keeps windows-1252, its
//! letters being letters in the other two as well. Czech windows-1250,
//! whose letters windows-1252 mostly reads as other letters, is told by
//! `ě` and `ů` inside its words, which windows-1252 reads as `ì` and `ù`,
//! letters Western languages write only at the ends of words.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Encoding, MessagePart, MimeHeaders};

/// Whether `part` is plain text (no `Content-Type`, or `text/plain`) that
/// declares no charset, or one that names none we can read it in
/// ([`is_unknown_label`]).
pub(crate) fn undeclared_plain(part: &MessagePart<'_>) -> bool {
    match part.content_type() {
        None => true,
        Some(ct) => {
            ct.ctype().eq_ignore_ascii_case("text")
                && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain"))
                && ct.attribute("charset").is_none_or(is_unknown_label)
        }
    }
}

/// Whether the charset label `charset` names no charset the 8-bit bytes
/// of text can be read in: a label mail-parser has no decoder for and
/// that is not UTF-8's (`unknown-8bit`, RFC 1428's label for 8-bit text of
/// an unknown charset, which Postfix and Mutt write; `x-unknown`,
/// `default`, misspelt names), or one of [`NO_8BIT_CHARSET`]. Text under
/// such a label that is not UTF-8 is read as undeclared legacy text.
pub(crate) fn is_unknown_label(charset: &str) -> bool {
    let c = charset.trim().trim_matches('"');
    names_no_8bit_charset(c)
        || (!is_utf8_label(c)
            && charset_decoder(c.as_bytes()).is_none()
            && misspelt_code_page(c).is_none())
}

/// The Windows code page a misspelt label names (`win-1257`, `win1250`,
/// `windows1252`, `cp-1250`, `ms-1251`, as scripts and old mailers write
/// them): its name as mail-parser knows it, `windows-125x`; `None` for any
/// other label. (Read as undeclared, the text of such a label was guessed
/// at, and a short Baltic text came out as Chinese.)
pub(crate) fn misspelt_code_page(charset: &str) -> Option<&'static str> {
    const PAGES: [&str; 9] = [
        "windows-1250",
        "windows-1251",
        "windows-1252",
        "windows-1253",
        "windows-1254",
        "windows-1255",
        "windows-1256",
        "windows-1257",
        "windows-1258",
    ];
    let c = charset.trim().trim_matches('"');
    // (`win1250` to `windows-1250`: nothing else to look at, `utf-8`.)
    if !(7..=12).contains(&c.len()) {
        return None;
    }
    let number = ["windows-", "windows", "win-", "win", "cp-", "ms-", "x-cp-"]
        .iter()
        .find_map(|prefix| {
            c.get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .and_then(|_| c.get(prefix.len()..))
        })?;
    PAGES
        .iter()
        .copied()
        .find(|page| page.get(8..) == Some(number))
}

/// Labels mail-parser has a decoder for that say nothing of 8-bit bytes:
/// ASCII's names (a script's default label; mail-parser reads its 8-bit
/// bytes as windows-1252, which is wrong for the Central European text
/// that legacy text is read in here), and `x-user-defined`, Outlook
/// Express's label for "the reader's own code page", which mail-parser
/// reads as private-use characters (the WHATWG table for it).
const NO_8BIT_CHARSET: [&str; 5] = [
    "us-ascii",
    "ascii",
    "ansi_x3.4-1968",
    "iso646-us",
    "x-user-defined",
];

/// Whether `charset` (without quotes) is one of [`NO_8BIT_CHARSET`].
pub(crate) fn names_no_8bit_charset(charset: &str) -> bool {
    let c = charset.trim().trim_matches('"');
    NO_8BIT_CHARSET.iter().any(|n| c.eq_ignore_ascii_case(n))
}

/// mail-parser's decoder for text under the charset label `charset`, but
/// none for one of [`NO_8BIT_CHARSET`] (its text is read as UTF-8, or as
/// undeclared legacy text when it is not).
pub(crate) fn text_decoder(charset: &str) -> Option<mail_parser::decoders::charsets::DecoderFnc> {
    if names_no_8bit_charset(charset) {
        return None;
    }
    charset_decoder(charset.as_bytes())
        .or_else(|| charset_decoder(misspelt_code_page(charset)?.as_bytes()))
}

/// The text of `part`'s `bytes`, which are not UTF-8, when its label
/// (none, UTF-8, or one that names no charset) gives no [`text_decoder`]:
/// read in [`legacy_charset`] when [`legacy`] says so, else as mail-parser
/// reads them (its decoder for the label, as for an HTML part labelled
/// `us-ascii`; UTF-8 with replacement characters when it has none).
pub(crate) fn not_utf8(part: &MessagePart<'_>, bytes: &[u8]) -> String {
    if legacy(part, bytes) {
        return read_undeclared(part, bytes);
    }
    let label = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or_default();
    match charset_decoder(label.as_bytes()) {
        Some(decode) => decode(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Whether `bytes` of `part`, which are not UTF-8, are legacy 8-bit text:
/// undeclared plain text, or UTF-8-labelled text without a UTF-8 character
/// in it (see the module docs).
pub(crate) fn legacy(part: &MessagePart<'_>, bytes: &[u8]) -> bool {
    undeclared_plain(part)
        || undeclared_html(part)
        || (labelled_utf8(part) && no_utf8_character(bytes))
}

/// Whether `part` is HTML that declares no charset in its `Content-Type`,
/// or one that names none we can read it in ([`is_unknown_label`]): its
/// `<meta>` may name it ([`meta_charset`]).
pub(crate) fn undeclared_html(part: &MessagePart<'_>) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("text")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("html"))
            && ct.attribute("charset").is_none_or(is_unknown_label)
    })
}

/// `bytes` of `part` (legacy text: see [`legacy`]) read in the charset
/// an HTML part's `<meta>` names (a shop's HTML mail often declares its
/// windows-1250 there only), else in [`legacy_charset`] ([`read_legacy`]).
fn read_undeclared(part: &MessagePart<'_>, bytes: &[u8]) -> String {
    let html = part
        .content_type()
        .and_then(|ct| ct.subtype())
        .is_some_and(|s| s.eq_ignore_ascii_case("html"));
    match meta_charset(bytes)
        .filter(|_| html)
        .filter(|c| !is_utf8_label(c) && !is_unknown_label(c))
        .and_then(|c| charset_decoder(c.as_bytes()))
    {
        Some(decode) => decode(bytes),
        None => read_legacy(bytes),
    }
}

/// The charset an HTML document names in its first kilobyte, as browsers
/// read it: `<meta charset="...">` or `<meta http-equiv="Content-Type"
/// content="text/html; charset=...">` (the first `charset=` inside a
/// `<meta` tag).
pub(crate) fn meta_charset(html: &[u8]) -> Option<&str> {
    let head = html.get(..html.len().min(1024))?;
    let mut rest = head;
    while let Some(at) = memchr::memchr(b'<', rest) {
        let tag = rest.get(at..)?;
        let end = memchr::memchr(b'>', tag).unwrap_or(tag.len());
        let inside = tag.get(..end)?;
        rest = tag.get(end..)?;
        if !inside
            .get(1..5)
            .is_some_and(|name| name.eq_ignore_ascii_case(b"meta"))
        {
            continue;
        }
        let lower = inside.to_ascii_lowercase();
        let Some(found) = memchr::memmem::find(&lower, b"charset=") else {
            continue;
        };
        let value = inside.get(found + 8..)?;
        let value = value
            .strip_prefix(b"\"")
            .or_else(|| value.strip_prefix(b"'"))
            .unwrap_or(value);
        let len = value
            .iter()
            .position(|&b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
            .unwrap_or(value.len());
        return std::str::from_utf8(value.get(..len)?)
            .ok()
            .filter(|c| !c.is_empty());
    }
    None
}

/// Whether `part` declares the charset UTF-8.
fn labelled_utf8(part: &MessagePart<'_>) -> bool {
    part.content_type()
        .and_then(|ct| ct.attribute("charset"))
        .is_some_and(is_utf8_label)
}

/// Whether the charset label `charset` names UTF-8.
pub(crate) fn is_utf8_label(charset: &str) -> bool {
    let c = charset.trim().trim_matches('"');
    c.eq_ignore_ascii_case("utf-8") || c.eq_ignore_ascii_case("utf8")
}

/// Whether no byte above 127 of `bytes` is part of a valid UTF-8
/// character.
pub(crate) fn no_utf8_character(bytes: &[u8]) -> bool {
    bytes.utf8_chunks().all(|chunk| chunk.valid().is_ascii())
}

/// The text of `part` of the mail `raw` read again from its bytes
/// (transfer encoding decoded) in [`legacy_charset`] when they are not
/// UTF-8 and [`legacy`] says so; `None` otherwise (mail-parser's reading stands).
/// For the full parse, whose text of such a part has replacement
/// characters: the caller asks only then.
pub(crate) fn reread(raw: &[u8], part: &MessagePart<'_>) -> Option<String> {
    // (Only undeclared or UTF-8-labelled text can be: checked before any
    // bytes are decoded again.)
    if !undeclared_plain(part) && !undeclared_html(part) && !labelled_utf8(part) {
        return None;
    }
    let body = super::fast_path::part_bytes(part, raw)?;
    let before_line_break = super::fast_path::ends_before_line_break(part, raw);
    let bytes = decoded_again(body, part.encoding, before_line_break)?;
    (std::str::from_utf8(&bytes).is_err() && legacy(part, &bytes))
        .then(|| read_undeclared(part, &bytes))
}

/// The text of `part` (of the mail `raw`) read again from its bytes in
/// the Windows code page its misspelt label names
/// ([`misspelt_code_page`]), which mail-parser has no decoder for; `None`
/// under any other label.
pub(crate) fn reread_misspelt(raw: &[u8], part: &MessagePart<'_>) -> Option<String> {
    let label = part.content_type()?.attribute("charset")?;
    if charset_decoder(label.as_bytes()).is_some() {
        return None;
    }
    let decode = charset_decoder(misspelt_code_page(label)?.as_bytes())?;
    let body = super::fast_path::part_bytes(part, raw)?;
    let before_line_break = super::fast_path::ends_before_line_break(part, raw);
    Some(decode(&decoded_again(
        body,
        part.encoding,
        before_line_break,
    )?))
}

/// A part's `content` (its body up to the line break of the next
/// boundary, or to the end of the mail) decoded again to its end, to be
/// read as legacy text on either parse path: the last line of a
/// quoted-printable part that the boundary's line break ends
/// (`before_line_break`) without its trailing white space, as the decoder
/// that stops at the boundary reads it.
pub(crate) fn decoded_again(
    content: &[u8],
    encoding: Encoding,
    before_line_break: bool,
) -> Option<std::borrow::Cow<'_, [u8]>> {
    let content = if encoding == Encoding::QuotedPrintable && before_line_break {
        let trailing = content
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        content.get(..content.len() - trailing).unwrap_or(content)
    } else {
        content
    };
    super::fast_path::decode_to_end(content, encoding)
}

/// `bytes`, which are not UTF-8, read in [`legacy_charset`]. Undeclared
/// text that has UTF-8 characters among its legacy bytes (a UTF-8 template
/// filled in with names from a windows-1250 database) keeps them: only
/// the bytes UTF-8 cannot read are read in the legacy charset they fit.
pub(crate) fn read_legacy(bytes: &[u8]) -> String {
    // (Text in a non-Latin legacy charset has byte pairs that happen to be
    // UTF-8 (`\xc7\xb7` in GBK): few against the bytes UTF-8 cannot
    // read, it is read whole in its charset.)
    if no_utf8_character(bytes) || (mostly_not_utf8(bytes) && non_latin(bytes).is_some()) {
        return match charset_decoder(legacy_charset(bytes).as_bytes()) {
            Some(decode) => decode(bytes),
            None => String::from_utf8_lossy(bytes).into_owned(),
        };
    }
    let stretches = not_utf8_stretches(bytes);
    let Some(decode) = charset_decoder(best_charset(bytes, &stretches).as_bytes()) else {
        return String::from_utf8_lossy(bytes).into_owned();
    };
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push_str(&decode(chunk.invalid()));
        }
    }
    out
}

/// Whether the bytes of `bytes` that UTF-8 cannot read are at least twice
/// as many as the non-ASCII characters it can (a UTF-8 text with a few
/// legacy bytes is the other way round; in Chinese GBK text, about one
/// byte pair in three happens to be UTF-8).
fn mostly_not_utf8(bytes: &[u8]) -> bool {
    let (mut readable, mut unreadable) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        readable += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        unreadable += chunk.invalid().len();
    }
    unreadable >= 2 * readable
}

/// Where in `bytes` the stretches are that UTF-8 cannot read.
fn not_utf8_stretches(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut at = 0;
    let mut out = Vec::new();
    for chunk in bytes.utf8_chunks() {
        at += chunk.valid().len();
        let end = at + chunk.invalid().len();
        if end > at {
            out.push(at..end);
        }
        at = end;
    }
    out
}

/// The 8-bit charsets legacy text is read in, the default first (see the
/// module docs).
const CANDIDATES: [&str; 3] = ["windows-1252", "windows-1250", "iso-8859-2"];

/// The charset of [`CANDIDATES`] that reads the most bytes above 127 of
/// `bytes` that stand inside a word (between letters or other such bytes)
/// as letters; the earliest among equals.
pub(crate) fn legacy_charset(bytes: &[u8]) -> &'static str {
    non_latin(bytes).unwrap_or_else(|| best_charset(bytes, std::slice::from_ref(&(0..bytes.len()))))
}

/// The charset of legacy text in a script other than Latin (Cyrillic,
/// Greek, Hebrew, Arabic, Thai, Chinese, Japanese, Korean), as Mozilla's
/// detector for unlabelled text (chardetng, Firefox's) reads `bytes`;
/// `None` for Latin text, which [`best_charset`] reads (tuned for the
/// Central European mail of the products this engine serves).
fn non_latin(bytes: &[u8]) -> Option<&'static str> {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny).name();
    NON_LATIN
        .iter()
        .any(|n| n.eq_ignore_ascii_case(guess))
        .then_some(guess)
}

/// The charsets of scripts other than Latin that [`non_latin`] takes from
/// the detector (its guesses among Latin charsets are left to ours).
const NON_LATIN: [&str; 21] = [
    "windows-1251",
    "KOI8-R",
    "KOI8-U",
    "IBM866",
    "ISO-8859-5",
    "x-mac-cyrillic",
    "windows-1253",
    "ISO-8859-7",
    "windows-1255",
    "ISO-8859-8",
    "ISO-8859-8-I",
    "windows-1256",
    "ISO-8859-6",
    "windows-874",
    "GBK",
    "gb18030",
    "Big5",
    "Shift_JIS",
    "EUC-JP",
    "EUC-KR",
    "ISO-2022-JP",
];

/// [`legacy_charset`] by the bytes of `stretches` of `bytes` alone (their
/// neighbours outside still tell whether they stand inside a word).
fn best_charset(bytes: &[u8], stretches: &[std::ops::Range<usize>]) -> &'static str {
    let tables = letter_tables();
    let mut votes = [0usize; CANDIDATES.len()];
    let wordy = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphabetic() || *b >= 0x80);
    for i in stretches.iter().flat_map(Clone::clone) {
        let Some(&b) = bytes.get(i) else {
            continue;
        };
        if b < 0x80
            || !wordy(i.checked_sub(1).and_then(|p| bytes.get(p)))
            || !wordy(bytes.get(i + 1))
        {
            continue;
        }
        for (vote, table) in votes.iter_mut().zip(tables) {
            *vote += usize::from(table.get(usize::from(b - 0x80)).copied().unwrap_or(false));
        }
    }
    let mut best = 0;
    for (i, &v) in votes.iter().enumerate() {
        if v > votes.get(best).copied().unwrap_or(0) {
            best = i;
        }
    }
    CANDIDATES.get(best).copied().unwrap_or("windows-1252")
}

/// Per candidate charset, whether each byte from 128 up reads as a letter
/// that may stand inside a word. (Not windows-1252's `ì` and `ù`: Western
/// languages write them at the ends of words, `così`, `où`, while they are
/// Czech `ě` and `ů` in windows-1250 and ISO-8859-2, inside words:
/// `děkuji`, `můžete`.)
fn letter_tables() -> &'static [[bool; 128]; CANDIDATES.len()] {
    static TABLES: std::sync::OnceLock<[[bool; 128]; CANDIDATES.len()]> =
        std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables = [[false; 128]; CANDIDATES.len()];
        for (table, name) in tables.iter_mut().zip(CANDIDATES) {
            if let Some(decode) = charset_decoder(name.as_bytes()) {
                for (slot, byte) in table.iter_mut().zip(0x80u8..=0xff) {
                    let read = decode(&[byte]);
                    *slot = read.chars().all(char::is_alphabetic)
                        && !(name == "windows-1252" && matches!(read.as_str(), "ì" | "ù"));
                }
            }
        }
        tables
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{legacy_charset, meta_charset, misspelt_code_page, read_legacy};

    /// Text under a misspelt Windows code page's label (`win-1257`) is
    /// read in that code page on both parse paths, text and HTML: it was
    /// read as undeclared and guessed at (`ÕÄÖÜ` came out as `漳周`).
    #[test]
    fn a_misspelt_code_page_label_is_read_as_its_code_page() {
        let part = |subtype: &str, charset: &str| {
            format!(
                "Content-Type: text/{subtype}; charset={charset}\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n\r\n=D5=C4=D6=DC =E0=E6\r\n"
            )
        };
        for charset in [
            "win-1257",
            "WIN1257",
            "windows1257",
            "cp-1257",
            "\"ms-1257\"",
        ] {
            let single = format!(
                "From: a@example.com\r\nSubject: q\r\n{}",
                part("plain", charset)
            );
            let mixed = format!(
                "From: a@example.com\r\nSubject: q\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
                 --b\r\n{}--b\r\n{}--b\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\nx\r\n--b--\r\n",
                part("plain", charset),
                part("html", charset)
            );
            // (The mixed mail's text is its text part and its HTML's.)
            for raw in [&single, &mixed] {
                let mail = crate::mail::parse::tests::p(raw);
                let lines: Vec<&str> = mail.text.lines().filter(|l| !l.is_empty()).collect();
                assert!(
                    !lines.is_empty() && lines.iter().all(|l| l.trim() == "ÕÄÖÜ ąę"),
                    "{raw}: {:?}",
                    mail.text
                );
            }
            let mail = crate::mail::parse::tests::p(&mixed);
            assert!(
                mail.html.as_deref().is_some_and(|h| h.contains("ÕÄÖÜ ąę")),
                "{:?}",
                mail.html
            );
        }
        // (A raw 8-bit subject is read in the code page the text names.)
        let raw = b"From: a@example.com\r\nSubject: \xd5\xc4 \xe0\xe6\r\n\
            Content-Type: text/plain; charset=win-1257\r\n\r\nHi\r\n";
        let mail = crate::mail::parse(raw, &crate::mail::ParseLimits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mail.subject, "ÕÄ ąę");
        assert_eq!(misspelt_code_page("win-1250"), Some("windows-1250"));
        assert_eq!(misspelt_code_page("win-1259"), None);
        assert_eq!(misspelt_code_page("windows-12501"), None);
        assert_eq!(misspelt_code_page("latin2"), None);
    }

    #[test]
    fn central_european_text_is_read_in_its_charset() {
        // "Dzień dobry, zamówienie zostało opłacone; wiadomość wysłana."
        let windows_1250 =
            b"Dzie\xf1 dobry, zam\xf3wienie zosta\xb3o op\xb3acone; wiadomo\x9c\xe6 wys\xb3ana.";
        let iso_8859_2 =
            b"Dzie\xf1 dobry, zam\xf3wienie zosta\xb3o op\xb3acone; wiadomo\xb6\xe6 wys\xb3ana.";
        for (bytes, charset) in [
            (&windows_1250[..], "windows-1250"),
            (&iso_8859_2[..], "iso-8859-2"),
        ] {
            assert_eq!(legacy_charset(bytes), charset);
            assert_eq!(
                read_legacy(bytes),
                "Dzień dobry, zamówienie zostało opłacone; wiadomość wysłana."
            );
        }
    }

    #[test]
    fn text_in_other_scripts_is_read_in_its_charset() {
        for (bytes, charset, text) in [
            // Russian and Ukrainian in windows-1251 and KOI8.
            (
                &b"\xc7\xe4\xf0\xe0\xe2\xf1\xf2\xe2\xf3\xe9\xf2\xe5, \xe3\xe4\xe5 \xec\xee\xe9 \xe7\xe0\xea\xe0\xe7?"[..],
                "windows-1251",
                "Здравствуйте, где мой заказ?",
            ),
            (
                b"\xfa\xc4\xd2\xc1\xd7\xd3\xd4\xd7\xd5\xca\xd4\xc5, \xc7\xc4\xc5 \xcd\xcf\xca \xda\xc1\xcb\xc1\xda?",
                "KOI8-U",
                "Здравствуйте, где мой заказ?",
            ),
            (
                b"\xc4\xee\xe1\xf0\xee\xe3\xee \xe4\xed\xff, \xe4\xe5 \xec\xb3\xe9 \xef\xe0\xf0\xf1\xe5\xeb\xfc?",
                "windows-1251",
                "Доброго дня, де мій парсель?",
            ),
            // Chinese in GBK, with a byte pair that is also UTF-8 (`\xc7\xb7`).
            (
                b"\xd5\xe2\xca\xc7\xb7\xfe\xce\xf1\xc6\xf7\xa3\xac\xd3\xca\xbc\xfe\xce\xde\xb7\xa8\xcd\xb6\xb5\xdd\xa1\xa3",
                "GBK",
                "这是服务器，邮件无法投递。",
            ),
        ] {
            assert_eq!(legacy_charset(bytes), charset);
            assert_eq!(read_legacy(bytes), text);
        }
        // Latin text is still ours to tell apart.
        assert_eq!(legacy_charset(b"Zam\xf3wienie op\xb3acone"), "windows-1250");
    }

    #[test]
    fn the_meta_charset_is_found_as_browsers_find_it() {
        for (html, want) in [
            (
                &b"<html><head><meta charset=\"windows-1250\"></head>"[..],
                Some("windows-1250"),
            ),
            (
                b"<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=ISO-8859-2\">",
                Some("ISO-8859-2"),
            ),
            (b"<meta charset=koi8-r>", Some("koi8-r")),
            (b"<meta charset='cp1250'/>", Some("cp1250")),
            (b"<p>charset=windows-1250</p>", None),
            (b"<meta name=x><meta content=\"charset=\">", None),
            (b"no markup at all", None),
        ] {
            assert_eq!(
                meta_charset(html),
                want,
                "{}",
                String::from_utf8_lossy(html)
            );
        }
        // Only the first kilobyte is read.
        let late = [vec![b' '; 1100], b"<meta charset=windows-1250>".to_vec()].concat();
        assert_eq!(meta_charset(&late), None);
    }

    #[test]
    fn czech_with_letters_windows_1252_has_only_at_word_ends() {
        // "Děkuji, zásilka přišla včas, vše je v pořádku." in windows-1250:
        // windows-1252 would read `Dìkuji`.
        let czech = b"D\xeckuji, z\xe1silka p\xf8i\x9ala v\xe8as, v\x9ae je v po\xf8\xe1dku.";
        assert_eq!(legacy_charset(czech), "windows-1250");
        assert_eq!(
            read_legacy(czech),
            "Děkuji, zásilka přišla včas, vše je v pořádku."
        );
    }

    /// A UTF-8 template filled in with a name from a windows-1250
    /// database, and how it reads.
    pub(crate) fn template_with_a_legacy_name() -> (Vec<u8>, &'static str) {
        let bytes = [
            "Zamówienie dla: Mi".as_bytes(),
            b"\xb3",
            b"osz Ko",
            b"\x9c",
            b"ci",
            b"\xf3\xb3",
            "ek zostało wysłane.".as_bytes(),
        ]
        .concat();
        (bytes, "Zamówienie dla: Miłosz Kościółek zostało wysłane.")
    }

    #[test]
    fn utf8_characters_among_legacy_bytes_are_kept() {
        let (bytes, text) = template_with_a_legacy_name();
        assert_eq!(read_legacy(&bytes), text);
    }

    #[test]
    fn western_text_stays_windows_1252() {
        for (bytes, text) in [
            (
                &b"f\xfcr m\xf6glich h\xe4ufig, Gr\xfc\xdfe"[..],
                "für möglich häufig, Grüße",
            ),
            (
                b"Caf\xe9 cr\xe8me br\xfbl\xe9e \xe0 la fran\xe7aise",
                "Café crème brûlée à la française",
            ),
            (b"\xbfD\xf3nde est\xe1? Ma\xf1ana", "¿Dónde está? Mañana"),
            (
                b"Price \xa35, \xbc off, 20\xb0C, \x80 10",
                "Price £5, ¼ off, 20°C, € 10",
            ),
            (b"perch\xe9 cos\xec pi\xf9", "perché così più"),
        ] {
            assert_eq!(legacy_charset(bytes), "windows-1252", "{text}");
            assert_eq!(read_legacy(bytes), text);
        }
    }
}
