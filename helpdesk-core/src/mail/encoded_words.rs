//! RFC 2047 encoded words that mail-parser, which decodes each word on
//! its own, turns into replacement characters, or reads a character
//! short. Three habits of real mailers
//! are read here as their authors meant:
//! - a character split over two adjacent words of one charset (mailers
//!   that cut a long subject into words every so many bytes, in UTF-8,
//!   GB2312, Big5 or Shift_JIS alike): the bytes of adjacent words of one
//!   charset are joined before they are decoded, as Thunderbird does;
//! - Shift_JIS bytes in words labelled `ISO-2022-JP` (a 7-bit charset), as
//!   older Japanese mailers write them: such words are read as Shift_JIS;
//! - base64 words without their closing `=` padding (some web mailers and
//!   scripts leave it out), whose last character mail-parser drops
//!   (`=?utf-8?B?eHB0bw?=` is `xpto`, not `xpt`): such words are read
//!   again whole.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode_char;

/// The raw header value `raw` (RFC 2047 encoded words and text) decoded
/// with adjacent words of one charset joined and words labelled
/// `ISO-2022-JP` that hold 8-bit bytes read as Shift_JIS and base64 words
/// without their padding read whole; `None` when none of these applies (no two
/// adjacent words of one charset, no such label, no unpadded word), or when
/// the result still has replacement characters.
///
/// White space between two encoded words is dropped (RFC 2047, 6.2); the
/// rest of the value is kept as written.
pub(crate) fn redecode(raw: &str) -> Option<String> {
    decode_words(raw, false)
}

/// `raw` with every encoded word in it decoded, wherever it stands (as
/// mail clients read a file name `report-=?UTF-8?Q?caf=C3=A9?=.pdf`,
/// which RFC 2047 does not allow inside a quoted parameter, and which
/// mail-parser leaves as written unless the name starts with the word),
/// adjacent words joined as [`redecode`] joins them; `None` without any
/// word, or when the result has replacement characters.
pub(crate) fn decode_anywhere(raw: &str) -> Option<String> {
    decode_words(raw, true)
}

/// [`redecode`] (`any_word` false) or [`decode_anywhere`] (true).
fn decode_words(raw: &str, any_word: bool) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut changed = false;
    // The bytes of the run of adjacent words being read, and their
    // charset (as read: Shift_JIS for a relabelled word).
    let mut run: Option<(&str, Vec<u8>)> = None;
    // Whether the last thing read was a word (white space after it and
    // before the next word is dropped).
    let mut after_word = false;
    let mut rest = raw;
    while let Some(start) = rest.find("=?") {
        let before = rest.get(..start).unwrap_or_default();
        match encoded_word(rest.get(start..).unwrap_or_default()) {
            None => {
                // Not a word: `=?` is text.
                flush(&mut run, &mut out)?;
                out.push_str(before);
                out.push_str("=?");
                after_word = false;
                rest = rest.get(start + 2..).unwrap_or_default();
            }
            Some((word, tail)) => {
                let (charset, bytes, relabelled) = word.bytes()?;
                changed |= any_word || relabelled || word.unpadded();
                match &mut run {
                    Some((run_charset, run_bytes))
                        if before.trim().is_empty()
                            && run_charset.eq_ignore_ascii_case(charset) =>
                    {
                        run_bytes.extend_from_slice(&bytes);
                        changed = true;
                    }
                    _ => {
                        flush(&mut run, &mut out)?;
                        if !(after_word && before.trim().is_empty()) {
                            out.push_str(before);
                        }
                        run = Some((charset, bytes));
                    }
                }
                after_word = true;
                rest = tail;
            }
        }
    }
    flush(&mut run, &mut out)?;
    out.push_str(rest);
    (changed && !out.contains('\u{FFFD}')).then_some(out)
}

/// Decodes the run of words `run` (if any) into `out`; `None` when its
/// charset is unknown.
fn flush(run: &mut Option<(&str, Vec<u8>)>, out: &mut String) -> Option<()> {
    if let Some((charset, bytes)) = run.take() {
        // (mail-parser's table of decoders leaves UTF-8 to the caller.)
        if charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8") {
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            out.push_str(&charset_decoder(charset.as_bytes())?(&bytes));
        }
    }
    Some(())
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
    // (RFC 2231, section 5: a language after the charset, `US-ASCII*EN`.)
    let charset = charset.split('*').next().unwrap_or(charset);
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

impl<'a> Word<'a> {
    /// Whether this is a base64 word without its padding (two or three
    /// characters of a last group; one alone encodes nothing).
    fn unpadded(&self) -> bool {
        self.base64 && matches!(self.data.len() % 4, 2 | 3)
    }

    /// The decoded bytes, the charset to read them in (Shift_JIS for 8-bit
    /// bytes labelled `ISO-2022-JP`) and whether it was so relabelled;
    /// `None` when the data cannot be decoded.
    fn bytes(&self) -> Option<(&'a str, Vec<u8>, bool)> {
        // (`base64_decode` reads a last group without its padding whole,
        // unlike mail-parser's header decoder.)
        let bytes = if self.base64 {
            base64_decode(self.data.as_bytes())?
        } else {
            q_decode(self.data.as_bytes())?
        };
        let relabel =
            self.charset.eq_ignore_ascii_case("iso-2022-jp") && bytes.iter().any(|b| *b >= 0x80);
        let charset = if relabel { "shift_jis" } else { self.charset };
        Some((charset, bytes, relabel))
    }
}

/// Whether the raw header value `raw` has encoded words that mail-parser
/// reads apart wrongly without a replacement character to show it: a
/// base64 word without its `=` padding ([`has_unpadded_base64`]), or
/// several words in an ISO-2022 charset, which is stateful (a word cut
/// after its switch to Japanese leaves the next one read as ASCII:
/// `EE;R%a!<%k`).
pub(crate) fn read_apart(raw: &str) -> bool {
    if !raw.contains("=?") {
        return false;
    }
    const ISO_2022: &[u8] = b"=?iso-2022-";
    let stateful = raw
        .as_bytes()
        .windows(ISO_2022.len())
        .filter(|w| w.eq_ignore_ascii_case(ISO_2022))
        .count();
    stateful >= 2 || has_unpadded_base64(raw)
}

/// Whether an encoded word of the raw header value `raw` touches other
/// text, without white space between (`(=?...?= =?...?=)`, `Re:=?...?=`,
/// `=?...?=.`): mail-parser puts a space on each side of such a word
/// (`( ab )`); [`decode_anywhere`] keeps the text as written (`(ab)`).
pub(crate) fn touches_text(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    let touching = |b: Option<&u8>| b.is_some_and(|b| !b.is_ascii_whitespace());
    memchr::memmem::find_iter(bytes, b"=?").any(|at| at > 0 && touching(bytes.get(at - 1)))
        || memchr::memmem::find_iter(bytes, b"?=").any(|at| touching(bytes.get(at + 2)))
}

/// Whether the raw header value `raw` holds a base64 encoded word without
/// its `=` padding (which mail-parser reads one character short).
pub(crate) fn has_unpadded_base64(raw: &str) -> bool {
    let mut rest = raw;
    while let Some(start) = rest.find("=?") {
        let from = rest.get(start..).unwrap_or_default();
        match encoded_word(from) {
            Some((word, tail)) => {
                if word.unpadded() {
                    return true;
                }
                rest = tail;
            }
            None => rest = from.get(2..).unwrap_or_default(),
        }
    }
    false
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
    use super::redecode;

    /// `ツール` in Shift_JIS is `83 63 81 5B 83 8B`: base64 `g2OBW4OL`.
    #[test]
    fn shift_jis_in_an_iso_2022_jp_word_is_read_as_shift_jis() {
        assert_eq!(
            redecode("=?ISO-2022-JP?B?g2OBW4OLIEVYQU1QTEU=?= <bar@example.org>").as_deref(),
            Some("ツール EXAMPLE <bar@example.org>")
        );
        assert_eq!(
            redecode("Re: =?iso-2022-jp?Q?=83c=81[?= =?iso-2022-jp?B?g4s=?=").as_deref(),
            Some("Re: ツール")
        );
    }

    /// A character cut in two by the word boundary (`Grüße` in UTF-8 cut
    /// inside `ü`; `你好世界` in GB2312 cut inside `好`) is read whole.
    #[test]
    fn characters_split_over_adjacent_words_are_joined() {
        assert_eq!(
            redecode("Re: =?UTF-8?B?R3LD?= =?utf-8?B?vMOfZQ==?= aus Wien").as_deref(),
            Some("Re: Grüße aus Wien")
        );
        assert_eq!(
            redecode("=?GB2312?B?xOO6?=\r\n =?GB2312?B?w8rAvec=?=").as_deref(),
            Some("你好世界")
        );
        // Q words too, and white space between words of two charsets is
        // dropped as between any two words.
        assert_eq!(
            redecode("=?utf-8?Q?Gr=C3?= =?utf-8?Q?=BC=C3=9Fe?= =?iso-8859-1?Q?_J=FCrgen?=")
                .as_deref(),
            Some("Grüße Jürgen")
        );
        // Words that do not join into whole characters: no answer.
        assert_eq!(redecode("=?utf-8?B?R3LD?= x =?utf-8?B?vMOfZQ==?="), None);
    }

    /// A value longer than the window of one word keeps all that follows
    /// its words.
    #[test]
    fn long_values_are_read_whole() {
        let tail = "x".repeat(600);
        assert_eq!(
            redecode(&format!("=?iso-2022-jp?B?g2OBW4OL?= {tail}")),
            Some(format!("ツール {tail}"))
        );
    }

    #[test]
    fn correctly_labelled_or_plain_values_are_left_alone() {
        // Real ISO-2022-JP (7-bit): nothing to relabel.
        assert_eq!(redecode("=?ISO-2022-JP?B?GyRCJWElayVeJSwycj18GyhC?="), None);
        assert_eq!(redecode("Hello =?utf-8?Q?W=C3=B6rld?="), None);
        assert_eq!(redecode("no words =? here"), None);
        assert_eq!(redecode(""), None);
        // Bytes that are not Shift_JIS either.
        assert_eq!(redecode("=?ISO-2022-JP?B?//8=?="), None);
    }

    proptest::proptest! {
        /// Any value: no panic, and an answer only without replacement
        /// characters.
        #[test]
        fn never_panics(s in "(=\\?(iso-2022-jp|utf-8|x)\\?[BbQqz]\\?[A-Za-z0-9+/=_\\[]{0,12}\\?=|[ <>@a-z]{0,4}|=\\?){0,6}") {
            if let Some(out) = redecode(&s) {
                proptest::prop_assert!(!out.contains(char::REPLACEMENT_CHARACTER), "{}", out);
            }
        }
    }
}
