//! Words for full-text search ([`Filter::Text`](crate::query::Filter::Text)):
//! one tokeniser, used by every store, so that they all find the same
//! tickets.
//!
//! A text is split into the maximal runs of [`char::is_alphanumeric`]
//! characters; each run is lowercased with [`str::to_lowercase`] and cut to
//! [`MAX_WORD_CHARS`] characters; duplicates are dropped. The tokenisation
//! is language-neutral: no stemming, no stop words, no accent folding
//! (`żółw` and `zolw` are different words).
//!
//! A search string is split the same way ([`query_words`]); a ticket
//! matches when **every** query word is a prefix of some word of the
//! subject or of the text of some message of the ticket (the words may come
//! from different messages). A search string without words (empty, spaces,
//! punctuation only) matches every ticket.
//!
//! ```
//! use helpdesk_core::query::words::{WordSearch, query_words, words};
//!
//! assert_eq!(words("Invoice #42: INVOICE, again!"), ["invoice", "42", "again"]);
//! assert_eq!(query_words("ŻÓŁW"), ["żółw"]);
//!
//! let mut search = WordSearch::new("invo 42");
//! search.feed("Your invoice");
//! assert!(!search.is_complete(), "42 is not found yet");
//! search.feed("Order 4217");
//! assert!(search.is_complete());
//!
//! let mut search = WordSearch::new("voice");
//! search.feed("Your invoice");
//! assert!(!search.is_complete(), "a prefix of a word, not a substring");
//! ```

use std::collections::HashSet;

/// The longest word kept, in characters (after lowercasing); longer words
/// are cut to this length, so a search for a longer word matches every
/// word that starts with its first [`MAX_WORD_CHARS`] characters.
pub const MAX_WORD_CHARS: usize = 64;

/// The most distinct words kept of one text (one subject, one message).
pub const MAX_WORDS: usize = 32_768;

/// The most bytes (UTF-8) of distinct words kept of one text.
///
/// With [`MAX_WORDS`] and [`MAX_WORD_CHARS`] this keeps a stored word list
/// well inside PostgreSQL's `tsvector` limits (1 MB in all, 2 KB a
/// lexeme), whatever the size of the text.
pub const MAX_WORDS_BYTES: usize = 256 * 1024;

/// The most distinct words of a search string that are looked for; later
/// words of the search string are ignored.
pub const MAX_QUERY_WORDS: usize = 32;

/// The maximal runs of alphanumeric characters of `text`.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|run| !run.is_empty())
}

/// One run as a word: lowercased, cut to [`MAX_WORD_CHARS`] characters.
fn normalise(run: &str) -> String {
    let mut word = run.to_lowercase();
    if let Some((cut, _)) = word.char_indices().nth(MAX_WORD_CHARS) {
        word.truncate(cut);
    }
    word
}

/// The distinct words of `text`, in the order of their first occurrence:
/// the maximal runs of [`char::is_alphanumeric`] characters, each
/// lowercased with [`str::to_lowercase`] and cut to [`MAX_WORD_CHARS`]
/// characters. Never contains an empty word (nor any character that is not
/// alphanumeric in the original, except what lowercasing makes of one, as
/// the combining dot of `İ` -> `i̇`).
///
/// The list is capped so that a huge text cannot make a huge index entry:
/// words are kept until [`MAX_WORDS`] distinct words or [`MAX_WORDS_BYTES`]
/// bytes of them are reached; **the words after that point are not
/// searchable** (the first new word that does not fit ends the list).
///
/// ```
/// use helpdesk_core::query::words::words;
/// assert_eq!(words("Straße, STRASSE; straße"), ["straße", "strasse"]);
/// assert!(words(" ... --- !!! ").is_empty());
/// ```
pub fn words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut bytes = 0;
    for run in runs(text) {
        let word = normalise(run);
        if seen.contains(&word) {
            continue;
        }
        if out.len() == MAX_WORDS || bytes + word.len() > MAX_WORDS_BYTES {
            break;
        }
        bytes += word.len();
        seen.insert(word.clone());
        out.push(word);
    }
    out
}

/// The words a search string looks for: [`words`] of `search` (the same
/// tokeniser, the same cut of long words), at most [`MAX_QUERY_WORDS`] of
/// them (later ones are ignored). Empty when the string has no words: then
/// it matches every ticket.
///
/// ```
/// use helpdesk_core::query::words::query_words;
/// assert_eq!(query_words("  Refund?! refund PLEASE "), ["refund", "please"]);
/// assert!(query_words("?!").is_empty());
/// ```
pub fn query_words(search: &str) -> Vec<String> {
    let mut out = words(search);
    out.truncate(MAX_QUERY_WORDS);
    out
}

/// Whether `prefix` is a prefix of one of `words`.
pub fn has_prefix(words: &[String], prefix: &str) -> bool {
    words.iter().any(|w| w.starts_with(prefix))
}

/// A search in progress: the words of a search string, and which of them
/// were found so far among the texts fed to it (the subject and the
/// message texts of one ticket). The ticket matches when the search
/// [`is_complete`](Self::is_complete) after feeding its texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordSearch {
    words: Vec<String>,
    found: Vec<bool>,
    missing: usize,
}

impl WordSearch {
    /// A search for the [`query_words`] of `search`.
    pub fn new(search: &str) -> Self {
        let words = query_words(search);
        let missing = words.len();
        Self {
            found: vec![false; missing],
            words,
            missing,
        }
    }

    /// The words looked for.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether every word was found (always true without words).
    pub fn is_complete(&self) -> bool {
        self.missing == 0
    }

    /// Marks the words that are a prefix of one of the [`words`] of `text`.
    pub fn feed(&mut self, text: &str) {
        if self.is_complete() {
            return;
        }
        // While no cap is in reach (counting repeated words too), every
        // word read so far is in the capped list of `text`, so the words are
        // read straight from the runs, with no list built; past that point
        // the capped list decides.
        let mut count = 0;
        let mut bytes = 0;
        for run in runs(text) {
            let word = normalise(run);
            count += 1;
            bytes += word.len();
            if count > MAX_WORDS || bytes > MAX_WORDS_BYTES {
                return self.feed_words(&words(text));
            }
            for i in 0..self.words.len() {
                if !self.found[i] && word.starts_with(self.words[i].as_str()) {
                    self.mark(i);
                }
            }
            if self.is_complete() {
                return;
            }
        }
    }

    /// Marks the words that are a prefix of one of `words` (a word list
    /// made by [`words`]).
    pub fn feed_words(&mut self, words: &[String]) {
        for i in 0..self.words.len() {
            if !self.found[i] && has_prefix(words, &self.words[i]) {
                self.mark(i);
            }
        }
    }

    fn mark(&mut self, i: usize) {
        if !self.found[i] {
            self.found[i] = true;
            self.missing -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_everything_but_letters_and_digits() {
        assert_eq!(
            words("e-mail: ann@example.com, tel.+48 123_456 (x2)"),
            [
                "e", "mail", "ann", "example", "com", "tel", "48", "123", "456", "x2"
            ]
        );
        assert_eq!(words("Zażółć gęślą jaźń"), ["zażółć", "gęślą", "jaźń"]);
        assert_eq!(words("a\0b\u{200b}c"), ["a", "b", "c"]);
        assert_eq!(words("x٣y ½"), ["x٣y", "½"], "digits of any script");
        assert_eq!(words("🙂 -- ''"), Vec::<String>::new());
        assert_eq!(words("İstanbul"), ["i\u{307}stanbul"]);
        assert_eq!(words("ǅemal"), ["ǆemal"]);
    }

    #[test]
    fn long_words_are_cut() {
        let long = "Ż".repeat(100);
        let w = words(&format!("{long} {}", "ż".repeat(70)));
        assert_eq!(w, ["ż".repeat(MAX_WORD_CHARS)], "the same word once cut");
        assert_eq!(query_words(&long), w);
        let mut search = WordSearch::new(&"ż".repeat(200));
        search.feed(&"Ż".repeat(65));
        assert!(search.is_complete(), "both sides are cut the same way");
    }

    #[test]
    fn a_huge_text_gives_a_bounded_list() {
        // 10 MB of distinct words.
        let mut text = String::with_capacity(10 << 20);
        let mut i = 0u64;
        while text.len() < 10 << 20 {
            text.push_str(&format!("w{i:x} "));
            i += 1;
        }
        let w = words(&text);
        assert_eq!(w.len(), MAX_WORDS);
        assert!(w.iter().map(String::len).sum::<usize>() <= MAX_WORDS_BYTES);
        assert_eq!(w[0], "w0");
        // Long words reach the byte cap first.
        let text = (0..200_000)
            .map(|i| format!("{i:0>64}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.len() > 10 << 20);
        let w = words(&text);
        assert_eq!(w.len(), MAX_WORDS_BYTES / 64);
        assert_eq!(w.iter().map(String::len).sum::<usize>(), MAX_WORDS_BYTES);
        // One word repeated: one word.
        assert_eq!(words(&"lamp ".repeat(2 << 20)), ["lamp"]);
        // A single 10 MB run: one cut word.
        assert_eq!(words(&"a".repeat(10 << 20)), ["a".repeat(MAX_WORD_CHARS)]);
    }

    #[test]
    fn words_after_the_cap_are_not_searchable() {
        let mut text: String = (0..MAX_WORDS).map(|i| format!("w{i} ")).collect();
        text.push_str("needle");
        assert!(!words(&text).contains(&"needle".to_string()));
        let mut search = WordSearch::new("needle");
        search.feed(&text);
        assert!(!search.is_complete(), "feed agrees with words");
        let mut search = WordSearch::new("w1 w32767");
        search.feed(&text);
        assert!(search.is_complete());
        // Repeats do not count against the cap.
        let text = format!("{} needle", "w0 ".repeat(MAX_WORDS * 2));
        let mut search = WordSearch::new("needle");
        search.feed(&text);
        assert!(search.is_complete());
    }

    #[test]
    fn every_query_word_must_be_a_word_prefix() {
        let check = |search: &str, texts: &[&str]| {
            let mut s = WordSearch::new(search);
            for t in texts {
                s.feed(t);
            }
            s.is_complete()
        };
        assert!(check("invo", &["Invoice 7"]));
        assert!(check("INVOICE", &["invoice"]));
        assert!(!check("voice", &["invoice"]));
        assert!(!check("invoices", &["invoice"]));
        assert!(check("lamp broken", &["Lamp", "it is BROKEN"]));
        assert!(!check("lamp broken", &["Lamp", "it works"]));
        assert!(check("ŻÓŁW", &["Mam dwa żółwie."]));
        assert!(!check("zolw", &["żółwie"]));
        assert!(check("", &[]));
        assert!(check(" ?! ", &[]));
        assert!(!check("a", &[]));
        assert!(check("a-b", &["b a"]), "punctuation splits the search too");
        assert!(!check("a-b", &["ab"]));
    }

    #[test]
    fn queries_keep_at_most_the_first_words() {
        let search: String = (0..100).map(|i| format!("q{i} ")).collect();
        let q = query_words(&search);
        assert_eq!(q.len(), MAX_QUERY_WORDS);
        assert_eq!(q[0], "q0");
        assert_eq!(WordSearch::new(&search).words(), q);
    }
}
