//! Plain text in an undeclared 8-bit charset: a text part that names no
//! charset but whose bytes are not UTF-8 (PHP `mail()` scripts and old
//! mailers write Latin-1 bodies so). Such text is read as windows-1252,
//! the default the WHATWG Encoding Standard gives undeclared legacy text,
//! and what mail-parser already reads a declared `us-ascii` as; UTF-8
//! without a label stays UTF-8. Before, every 8-bit byte of it came out as
//! a replacement character.
//!
//! The same goes for text labelled UTF-8 that holds no UTF-8 character at
//! all, only bytes above 127 that UTF-8 cannot read (a shop script that
//! declares `charset=utf-8` and writes Latin-1 from its database). Text
//! with some UTF-8 characters and a few broken bytes keeps its label (and
//! replacement characters for the broken bytes).

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{MessagePart, MimeHeaders};

/// Whether `part` is plain text (no `Content-Type`, or `text/plain`) that
/// declares no charset.
pub(crate) fn undeclared_plain(part: &MessagePart<'_>) -> bool {
    match part.content_type() {
        None => true,
        Some(ct) => {
            ct.ctype().eq_ignore_ascii_case("text")
                && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain"))
                && ct.attribute("charset").is_none()
        }
    }
}

/// The text of `part`'s `bytes`, which are not UTF-8, when its label
/// (none, or UTF-8) gives no decoder: windows-1252 when [`legacy`] says
/// so, else UTF-8 with replacement characters.
pub(crate) fn not_utf8(part: &MessagePart<'_>, bytes: &[u8]) -> String {
    if legacy(part, bytes) {
        windows_1252(bytes)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Whether `bytes` of `part`, which are not UTF-8, are legacy 8-bit text:
/// undeclared plain text, or UTF-8-labelled text without a UTF-8 character
/// in it (see the module docs).
fn legacy(part: &MessagePart<'_>, bytes: &[u8]) -> bool {
    undeclared_plain(part) || (labelled_utf8(part) && no_utf8_character(bytes))
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
/// (transfer encoding decoded) as windows-1252 when they are not UTF-8 and
/// [`legacy`] says so; `None` otherwise (mail-parser's reading stands).
/// For the full parse, whose text of such a part has replacement
/// characters: the caller asks only then.
pub(crate) fn reread(raw: &[u8], part: &MessagePart<'_>) -> Option<String> {
    // (Only undeclared or UTF-8-labelled text can be: checked before any
    // bytes are decoded again.)
    if !undeclared_plain(part) && !labelled_utf8(part) {
        return None;
    }
    let body = super::fast_path::part_bytes(part, raw)?;
    let bytes = super::fast_path::decode_to_end(body, part.encoding)?;
    (std::str::from_utf8(&bytes).is_err() && legacy(part, &bytes)).then(|| windows_1252(&bytes))
}

/// `bytes`, which are not UTF-8, read as windows-1252.
pub(crate) fn windows_1252(bytes: &[u8]) -> String {
    match charset_decoder(b"windows-1252") {
        Some(decode) => decode(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}
