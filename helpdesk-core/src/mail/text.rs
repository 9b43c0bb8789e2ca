//! Private text helpers shared by the classifier, the trimmer and the
//! attachment hint: case and diacritic folding so that matching works the
//! same for NFC and NFD input and for words typed without diacritics.

/// Lower-cases, removes diacritics used in en/pl/cs/it/de (composed or as
/// combining marks), maps `ß` to `ss`, maps `-`/`_` and all whitespace to a
/// single space, and trims.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        fold_ascii_into(s, &mut out);
    } else {
        fold_into(s.chars(), &mut out);
    }
    out
}

/// [`fold`] of the first `chars` characters of `s`, written into `out`
/// (cleared first).
pub(crate) fn fold_head_into(s: &str, chars: usize, out: &mut String) {
    match s.as_bytes().get(..chars.min(s.len())) {
        // (All ASCII: the first `chars` characters are the first bytes.)
        Some(head) if head.is_ascii() => {
            out.clear();
            fold_ascii_into(s.get(..head.len()).unwrap_or_default(), out);
        }
        _ => fold_into(s.chars().take(chars), out),
    }
}

/// [`fold_into`] of an ASCII `s`, byte by byte (appended to `out`): what
/// folding does to ASCII is lower-casing and turning runs of white space,
/// `-` and `_` into one space, trimmed.
fn fold_ascii_into(s: &str, out: &mut String) {
    let start = out.len();
    let mut last_space = true;
    for &b in s.as_bytes() {
        // (`char::is_whitespace` of ASCII: tab to carriage return, space.)
        if matches!(b, b'\t'..=b'\r' | b' ' | b'-' | b'_') {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        out.push(char::from(b.to_ascii_lowercase()));
    }
    if out.len() > start && out.ends_with(' ') {
        out.pop();
    }
}

/// [`fold`] of `chars`, written into `out` (cleared first), so that a
/// caller folding many short strings reuses one buffer.
fn fold_into(chars: impl Iterator<Item = char>, out: &mut String) {
    out.clear();
    let mut last_space = true;
    for c in chars {
        // Combining diacritical marks (NFD input).
        if ('\u{0300}'..='\u{036f}').contains(&c) {
            continue;
        }
        if c.is_whitespace() || c == '-' || c == '_' || c == '\u{a0}' {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for l in c.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                l => out.push(base_letter(l)),
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
}

fn base_letter(c: char) -> char {
    match c {
        'ą' | 'á' | 'à' | 'ä' | 'â' | 'ã' | 'å' => 'a',
        'ć' | 'č' | 'ç' => 'c',
        'ď' => 'd',
        'ę' | 'é' | 'è' | 'ě' | 'ë' | 'ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ł' | 'ľ' | 'ĺ' => 'l',
        'ń' | 'ň' | 'ñ' => 'n',
        'ó' | 'ò' | 'ö' | 'ô' | 'õ' | 'ő' => 'o',
        'ř' | 'ŕ' => 'r',
        'ś' | 'š' => 's',
        'ť' => 't',
        'ú' | 'ù' | 'ü' | 'ů' | 'û' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        c => c,
    }
}

/// True when `hay` (already folded) contains `word` (already folded) with a
/// non-alphanumeric character (or the text edge) on both sides.
pub(crate) fn contains_word(hay: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(pos) = hay.get(from..).and_then(|h| h.find(word)) {
        let start = from + pos;
        let end = start + word.len();
        let before_ok = hay
            .get(..start)
            .and_then(|b| b.chars().next_back())
            .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = hay
            .get(end..)
            .and_then(|a| a.chars().next())
            .is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return true;
        }
        // Advance by one character.
        from = start
            + hay
                .get(start..)
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
    }
    false
}

/// True when folded `hay` starts with folded `word` followed by a word edge.
pub(crate) fn starts_with_word(hay: &str, word: &str) -> bool {
    hay.strip_prefix(word)
        .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(
            fold("  Odpowiedź   AUTOMATYCZNA "),
            "odpowiedz automatyczna"
        );
        // NFD: "z" + combining acute.
        assert_eq!(fold("Odpowiedz\u{301}"), "odpowiedz");
        assert_eq!(fold("Außer-Haus"), "ausser haus");
        assert_eq!(fold("Automatická odpověď"), "automaticka odpoved");
        assert_eq!(fold("Příloha"), "priloha");
    }

    /// [`fold`] as it was written first: every string char by char.
    fn fold_by_chars(s: &str) -> String {
        let mut out = String::new();
        fold_into(s.chars(), &mut out);
        out
    }

    proptest::proptest! {
        #[test]
        fn ascii_folding_is_char_folding(
            s in "[a-zA-Z0-9 \t\r\n\x0b\x0c:_.<>@-]{0,40}|\\PC{0,20}|[ -~\t\n]{0,30}ł?",
            head in 0usize..50,
        ) {
            proptest::prop_assert_eq!(fold(&s), fold_by_chars(&s));
            let mut out = String::from("left over");
            fold_head_into(&s, head, &mut out);
            let taken: String = s.chars().take(head).collect();
            proptest::prop_assert_eq!(out, fold_by_chars(&taken));
        }
    }

    #[test]
    fn words() {
        assert!(contains_word("see the attachment please", "attachment"));
        assert!(!contains_word("attachments", "attachment"));
        assert!(contains_word("attachment", "attachment"));
        assert!(!contains_word("reattachment x", "attachment"));
        assert!(contains_word("zażółć attachment", "attachment"));
        assert!(starts_with_word("out of office: x", "out of office"));
        assert!(!starts_with_word("out of officer", "out of office"));
    }
}
