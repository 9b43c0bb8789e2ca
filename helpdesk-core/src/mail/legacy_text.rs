//! Plain text in an undeclared 8-bit charset: a text part that names no
//! charset but whose bytes are not UTF-8 (PHP `mail()` scripts and old
//! mailers write Latin-1 bodies so). Such text is read as windows-1252,
//! the default the WHATWG Encoding Standard gives undeclared legacy text,
//! and what mail-parser already reads a declared `us-ascii` as; UTF-8
//! without a label stays UTF-8. Before, every 8-bit byte of it came out as
//! a replacement character.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Message, MessagePart, MimeHeaders};

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

/// `bytes`, which are not UTF-8, read as windows-1252.
pub(crate) fn windows_1252(bytes: &[u8]) -> String {
    match charset_decoder(b"windows-1252") {
        Some(decode) => decode(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The text of the part `part` of `message` read again from its raw bytes
/// (transfer encoding decoded) as windows-1252, when it is undeclared
/// plain text whose bytes are not UTF-8; `None` otherwise (mail-parser's
/// reading then stands).
pub(crate) fn reread_undeclared(message: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    if !undeclared_plain(part) {
        return None;
    }
    let raw = super::fast_path::part_bytes(part, &message.raw_message)?;
    let bytes = super::fast_path::decode_to_end(raw, part.encoding)?;
    match std::str::from_utf8(&bytes) {
        Ok(_) => None,
        Err(_) => Some(windows_1252(&bytes)),
    }
}
