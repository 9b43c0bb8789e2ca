//! Encoded words whose charset label is wrong: older Japanese mailers write
//! Shift_JIS bytes into words labelled `ISO-2022-JP`, a 7-bit charset, so
//! the decoded subject or sender name is replacement characters. Such a
//! header value is decoded again here, those words as Shift_JIS.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode_char;

/// The raw header value `raw` (RFC 2047 encoded words and text) decoded,
/// with the 8-bit bytes of words labelled `ISO-2022-JP` read as Shift_JIS;
/// `None` when it has no such word, or when the result still has
/// replacement characters (then the label was not the trouble).
///
/// White space between two encoded words is dropped (RFC 2047, 6.2); the
/// rest of the value is kept as written.
pub(crate) fn redecode_mislabelled(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut relabelled = false;
    let mut after_word = false;
    let mut rest = raw;
    while let Some(start) = rest.find("=?") {
        let before = rest.get(..start).unwrap_or_default();
        match encoded_word(rest.get(start..).unwrap_or_default()) {
            None => {
                // Not a word: `=?` is text.
                out.push_str(before);
                out.push_str("=?");
                after_word = false;
                rest = rest.get(start + 2..).unwrap_or_default();
            }
            Some((word, tail)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                let (text, was_relabelled) = word.decode()?;
                relabelled |= was_relabelled;
                out.push_str(&text);
                after_word = true;
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    (relabelled && !out.contains('\u{FFFD}')).then_some(out)
}

/// One encoded word: `=?charset?B|Q?data?=`.
struct Word<'a> {
    charset: &'a str,
    base64: bool,
    data: &'a str,
}

/// The encoded word `s` starts with, and what follows it.
fn encoded_word(s: &str) -> Option<(Word<'_>, &str)> {
    // (RFC 2047 words are at most 75 characters; longer ones are let by,
    // up to a bound, so that a value full of `=?` is read in linear time.)
    const LONGEST: usize = 256;
    let window = s
        .char_indices()
        .nth(LONGEST)
        .and_then(|(end, _)| s.get(..end))
        .unwrap_or(s);
    let inner = window.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let data = inner.get(..end)?;
    let base64 = match encoding {
        "B" | "b" => true,
        "Q" | "q" => false,
        _ => return None,
    };
    if charset.is_empty()
        || charset.contains(char::is_whitespace)
        || data.contains(char::is_whitespace)
    {
        return None;
    }
    // (RFC 2231 adds a language: `charset*lang`.)
    let charset = charset.split('*').next().unwrap_or(charset);
    // (What follows the word, in all of `s`, not only in the window.)
    let used = window.len() - inner.len() + end + 2;
    Some((
        Word {
            charset,
            base64,
            data,
        },
        s.get(used..).unwrap_or_default(),
    ))
}

impl Word<'_> {
    /// The decoded text, and whether it was read as Shift_JIS against its
    /// `ISO-2022-JP` label; `None` when the data or the charset cannot be
    /// decoded at all.
    fn decode(&self) -> Option<(String, bool)> {
        let bytes = if self.base64 {
            base64_decode(self.data.as_bytes())?
        } else {
            q_decode(self.data.as_bytes())?
        };
        let relabel =
            self.charset.eq_ignore_ascii_case("iso-2022-jp") && bytes.iter().any(|b| *b >= 0x80);
        let charset = if relabel { "shift_jis" } else { self.charset };
        let decoder = charset_decoder(charset.as_bytes())?;
        Some((decoder(&bytes), relabel))
    }
}

/// The `Q` encoding of RFC 2047: `_` is a space, `=XX` a byte.
fn q_decode(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let (h1, h2) = (*data.get(i + 1)?, *data.get(i + 2)?);
                out.push(quoted_printable_decode_char(h1, h2)?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::redecode_mislabelled;

    /// `ツール` in Shift_JIS is `83 63 81 5B 83 8B`: base64 `g2OBW4OL`.
    #[test]
    fn shift_jis_in_an_iso_2022_jp_word_is_read_as_shift_jis() {
        assert_eq!(
            redecode_mislabelled("=?ISO-2022-JP?B?g2OBW4OLIEVYQU1QTEU=?= <bar@example.org>")
                .as_deref(),
            Some("ツール EXAMPLE <bar@example.org>")
        );
        assert_eq!(
            redecode_mislabelled("Re: =?iso-2022-jp?Q?=83c=81[?= =?iso-2022-jp?B?g4s=?=")
                .as_deref(),
            Some("Re: ツール")
        );
    }

    /// A value longer than the window of one word keeps all that follows
    /// its words.
    #[test]
    fn long_values_are_read_whole() {
        let tail = "x".repeat(600);
        assert_eq!(
            redecode_mislabelled(&format!("=?iso-2022-jp?B?g2OBW4OL?= {tail}")),
            Some(format!("ツール {tail}"))
        );
    }

    #[test]
    fn correctly_labelled_or_plain_values_are_left_alone() {
        // Real ISO-2022-JP (7-bit): nothing to relabel.
        assert_eq!(
            redecode_mislabelled("=?ISO-2022-JP?B?GyRCJWElayVeJSwycj18GyhC?="),
            None
        );
        assert_eq!(redecode_mislabelled("Hello =?utf-8?Q?W=C3=B6rld?="), None);
        assert_eq!(redecode_mislabelled("no words =? here"), None);
        assert_eq!(redecode_mislabelled(""), None);
        // Bytes that are not Shift_JIS either.
        assert_eq!(redecode_mislabelled("=?ISO-2022-JP?B?//8=?="), None);
    }

    proptest::proptest! {
        /// Any value: no panic, and an answer only without replacement
        /// characters.
        #[test]
        fn never_panics(s in "(=\\?(iso-2022-jp|utf-8|x)\\?[BbQqz]\\?[A-Za-z0-9+/=_\\[]{0,12}\\?=|[ <>@a-z]{0,4}|=\\?){0,6}") {
            if let Some(out) = redecode_mislabelled(&s) {
                proptest::prop_assert!(!out.contains(char::REPLACEMENT_CHARACTER), "{}", out);
            }
        }
    }
}
