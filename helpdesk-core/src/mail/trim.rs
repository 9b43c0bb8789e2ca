//! Cutting quoted history and signatures from reply text.

use super::text::{fold, fold_head_into};
use std::borrow::Cow;

/// Verbs (folded) that end an attribution line such as `On ... wrote:`.
const ATTRIBUTION_ENDINGS: &[&str] = &[
    "wrote:",
    "writes:",
    "pisze:",
    "napisal(a):",
    "napisal:",
    "napisala:",
    // Older Polish clients: `Dnia ... Jan <jan@x.pl> nadesłał:`.
    "nadeslal:",
    "napsal(a):",
    "napsal:",
    "napsala:",
    "ha scritto:",
    "scrisse:",
    "schrieb:",
    // Yahoo's German: `Am ... hat Jan <jan@x.de> Folgendes geschrieben:`.
    "geschrieben:",
    // Other languages customers write in: French, Spanish, Portuguese,
    // Dutch, Scandinavian, Russian (Android's `... пользователь ...
    // написал:`).
    "a ecrit:",
    "escribio:",
    "escreveu:",
    "schreef:",
    "geschreven:",
    "skrev:",
    // Finnish (Gmail's `ma 2. maalisk. 2026 klo 9.00 Ann (ann@x.fi)
    // kirjoitti:`).
    "kirjoitti:",
    "написал:",
    "написала:",
    "написал(а):",
    "пишет:",
];

/// Verbs (folded) that may stand in the middle of an attribution line
/// (`Am ... schrieb Jan <jan@x.de>:`, `Dne ... napsal(a) Jan:`).
const ATTRIBUTION_VERBS: &[&str] = &[
    "wrote",
    "pisze",
    "napisal(a)",
    "napisal",
    "napisala",
    "napsal(a)",
    "napsal",
    "napsala",
    "ha scritto",
    "schrieb",
    "schreef",
    // Danish / Norwegian Apple Mail's `Den 2. mar. 2026 kl. 09.00 skrev
    // Ann <ann@x.dk>:`.
    "skrev",
    // Apple Mail's Polish: `Wiadomość napisana przez Jan <jan@x.pl> w dniu
    // ..., o godz. 10:52:`.
    "napisana",
];

/// Openers (folded) of attribution lines.
const ATTRIBUTION_OPENERS: &[&str] = &[
    "on ",
    "w dniu ",
    "dnia ",
    "dne ",
    "il giorno ",
    "am ",
    "le ",
    "op ",
    "den ",
    "wiadomosc napisana przez ",
];

/// Weekday abbreviations (folded) that start Gmail attributions in
/// pl/cs/it/de/en, e.g. `pt., 4 lip 2025 o 10:52 ... napisał(a):`.
const WEEKDAYS: &[&str] = &[
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", // en
    "pon", "wt", "sr", "czw", "pt", "sob", "niedz", "nd", // pl
    "po", "ut", "st", "ct", "pa", "so", "ne", // cs
    "lun", "mar", "mer", "gio", "ven", "sab", "dom", // it
    "mo", "di", "mi", "do", "fr", "sa", // de
];

/// Folded separator titles (`-----Original Message-----` and translations).
pub(crate) const ORIGINAL_MESSAGE: &[&str] = &[
    "original message",
    "ursprungliche nachricht",
    "original nachricht",
    "wiadomosc oryginalna",
    "oryginalna wiadomosc",
    "puvodni zprava",
    // Seznam's (email.cz) `---------- Původní e-mail ----------`.
    "puvodni e mail",
    "messaggio originale",
    "reply message",
    "antwort nachricht",
    // Other languages: French, Spanish, Portuguese, Dutch, Danish,
    // Swedish, Norwegian.
    "message d'origine",
    "mensaje original",
    "mensagem original",
    "oorspronkelijk bericht",
    "origineel bericht",
    "oprindelig meddelelse",
    "ursprungligt meddelande",
    "opprinnelig melding",
    "исходное сообщение",
    "оригінальне повідомлення",
];

/// Folded titles of forward separators (`---------- Forwarded message
/// ---------`, Thunderbird's `-------- Forwarded Message --------`, and
/// translations): the forwarded mail below is what the sender wants seen.
const FORWARD_TITLES: &[&str] = &[
    "forwarded message",
    "weitergeleitete nachricht",
    "przekazana wiadomosc",
    "wiadomosc przekazana dalej",
    "preposlana zprava",
    "messaggio inoltrato",
    "message transfere",
    "mensaje reenviado",
    "doorgestuurd bericht",
    // Gmail's in more languages: Portuguese, Swedish, Danish, Norwegian,
    // Finnish, Hungarian, Romanian, Slovak, Turkish, Russian, Chinese,
    // Japanese, Korean.
    "mensagem encaminhada",
    "vidarebefordrat meddelande",
    "videresendt meddelelse",
    "videresendt melding",
    "valitetty viesti",
    "tovabbitott uzenet",
    // (Folded: `ț` and the dot of `İ` stay.)
    "mesaj redirecționat",
    "preposlana sprava",
    "i\u{307}letilen ileti",
    "пересылаемое сообщение",
    "转发的邮件",
    "転送されたメッセージ",
    "전달된 메시지",
];

/// Folded forward openers of Apple Mail and others (`Begin forwarded
/// message:` and translations).
const FORWARD_OPENERS: &[&str] = &[
    "begin forwarded message:",
    "anfang der weitergeleiteten nachricht:",
    "poczatek przekazanej wiadomosci:",
    "zacatek preposlane zpravy:",
    "inizio messaggio inoltrato:",
    "debut du message reexpedie:",
    "anfang der weitergeleiteten e mail:",
    "inicio del mensaje reenviado:",
    "begin doorgestuurd bericht:",
    "vidarebefordrat brev:",
];

/// Folded first fields of Outlook reply header blocks.
pub(crate) const HEADER_FROM: &[&str] = &[
    "from:",
    "od:",
    "von:",
    "da:",
    "de:",
    "fra:",
    "fran:",
    "van:",
    // Russian and Ukrainian Outlook's.
    "от:",
    "від:",
    // Chinese (simplified, traditional), Japanese and Korean Outlook's.
    "发件人:",
    "寄件者:",
    "差出人:",
    "보낸 사람:",
];
/// Folded first fields of the reply header blocks of GMX and web.de,
/// which put the date before the sender (`Gesendet: ...`, then `Von:`
/// within a few lines).
const HEADER_SENT_FIRST: &[&str] = &["sent:", "gesendet:"];
/// The folded first field of Hotmail's reply header block (`Date:`, then
/// `Subject:`, `From:` and `To:`), which is a cut only when both `From:`
/// and `Subject:` follow within a few lines (a customer's `Date: / From: /
/// To:` of a delivery is no header block).
const HEADER_DATE_FIRST: &str = "date:";
/// Folded date/sent fields that follow [`HEADER_FROM`] within a few lines.
const HEADER_SENT: &[&str] = &[
    "sent:",
    "date:",
    "wyslano:",
    "wyslane:",
    "data:",
    "gesendet:",
    "datum:",
    "inviato:",
    "odeslano:",
    "envoye:",
    "enviado:",
    "sendt:",
    "skickat:",
    "verzonden:",
    "отправлено:",
    "дата:",
    "надіслано:",
    "发送时间:",
    "寄件日期:",
    "送信日時:",
    "보낸 날짜:",
];

/// Folded openings of mobile "sent from" lines.
const SENT_FROM: &[&str] = &[
    "sent from my ",
    "sent from outlook",
    "sent from mail for ",
    "sent from yahoo mail",
    "sent from samsung",
    "sent with ",
    "get outlook for ",
    "wyslane z ",
    "wyslano z ",
    "wyslane przy pomocy ",
    "odeslano z ",
    "odeslano ze ",
    "inviato da ",
    "inviato dal ",
    "gesendet von ",
    "gesendet mit ",
    // French, Spanish, Swedish, Danish / Norwegian.
    "envoye de mon ",
    "envoye depuis ",
    "enviado desde ",
    "skickat fran min ",
    "sendt fra min ",
    // Dutch, Portuguese.
    "verstuurd vanaf mijn ",
    "verzonden vanaf mijn ",
    "enviado do meu ",
    "отправлено с ",
    "надіслано з ",
];

/// Returns the part of a reply that should be shown: quoted history and
/// signatures removed.
///
/// Cuts at the first of: an attribution line (`On ... wrote:` and its pl,
/// cs, it, de forms, and others; also wrapped over up to three lines, or
/// between dashes; in any language when it holds an address and a time
/// and a quote follows); an `-----Original Message-----` separator (also
/// localised); an Outlook header block (`From:` followed by
/// `Sent:`/`Date:` within three lines, in en/pl/cs/it/de and others); the
/// `-- ` signature delimiter; a "Sent from my iPhone" line (and its
/// pl/cs/it/de forms). Then trailing `>`-quoted lines and blank lines are
/// dropped.
///
/// Text after the history stays shown: the sender's own text below an
/// attribution's `>`-quoted block (a bottom-posted reply; an interleaved
/// reply, with answers between quoted lines, is not cut at all), and a
/// forwarded mail (from its separator, `---------- Forwarded message
/// ---------` or `Begin forwarded message:` and translations, also after a
/// signature).
/// The parts are joined by a blank line. If nothing would remain, the
/// original text is returned trimmed, so a mail that is entirely a quote
/// is never emptied.
///
/// ```
/// use helpdesk_core::mail::display_text;
/// let reply = "Thanks, that fixed it!\n\nOn Tue, 1 Jul 2025 at 10:52, Support <support@example.com> wrote:\n> Please restart the printer.\n";
/// assert_eq!(display_text(reply), "Thanks, that fixed it!");
/// let below = "On Tue, 1 Jul 2025 at 10:52, Support <support@example.com> wrote:\n> Which colour?\n\nThe red one.\n";
/// assert_eq!(display_text(below), "The red one.");
/// ```
pub fn display_text(text: &str) -> String {
    shown(text).into_owned()
}

/// Whether `subject` marks a forwarded mail: it starts with `Fwd:` or
/// `FW:`, or the prefix of Outlook in German (`WG:`), Polish (`PD:`),
/// Italian (`I:`), French (`TR:`), Spanish (`RV:`), Portuguese (`ENC:`)
/// or Dutch (`Doorst:`), in any case. A reply to a forward (`Re: Fwd:`)
/// is a reply.
///
/// The engine shows such a mail whole (its `display_text` is `None`): the
/// forwarded mail is what the sender wants read, and an Outlook forward
/// looks like a reply with its history in its text.
///
/// ```
/// use helpdesk_core::mail::is_forwarded_subject;
/// assert!(is_forwarded_subject("Fwd: Your order 1234"));
/// assert!(is_forwarded_subject("WG: Lieferung"));
/// assert!(!is_forwarded_subject("Re: Fwd: Your order 1234"));
/// assert!(!is_forwarded_subject("Forwarding address"));
/// ```
pub fn is_forwarded_subject(subject: &str) -> bool {
    let subject = subject.trim_start();
    let Some((prefix, _)) = subject.split_once(':') else {
        return false;
    };
    let prefix = prefix.trim_end();
    prefix.len() <= 6
        && ["fwd", "fw", "wg", "pd", "i", "tr", "rv", "enc", "doorst"]
            .iter()
            .any(|p| prefix.eq_ignore_ascii_case(p))
}

/// [`display_text`], borrowed from `text` when it is one stretch of it
/// (always, for text without `\r` and without text of the sender's after
/// quoted history), so that a caller can tell "nothing was cut" without a
/// copy.
pub(crate) fn shown(text: &str) -> Cow<'_, str> {
    if let Some(split) = attribution_split(text) {
        return Cow::Owned(shown(&split).into_owned());
    }
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        return shown_with(text, kept_by_lines);
    }
    shown_with(text, kept_fast)
}

/// What is shown of `text`: the parts `kept` finds, one after the other
/// (a reply's text, then the sender's text after the quoted history, or
/// a forwarded mail), separated by a blank line; the whole text, trimmed,
/// when no part is left.
fn shown_with<'a>(text: &'a str, kept: fn(&'a str) -> Kept<'a>) -> Cow<'a, str> {
    let (first, resume) = kept(text);
    let Some(mut resume) = resume else {
        return first.unwrap_or(Cow::Borrowed(text.trim()));
    };
    let mut out = String::new();
    let mut push = |part: &str| {
        if !part.is_empty() {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(part);
        }
    };
    push(first.as_deref().unwrap_or_default());
    // (A loop, not recursion: every turn starts further down the text.)
    let mut rest = text;
    loop {
        match resume {
            Resume::Keep(at) => {
                let part = rest.get(at..).unwrap_or_default().trim();
                if memchr::memchr(b'\r', part.as_bytes()).is_some() {
                    push(&lines_of(part).collect::<Vec<_>>().join("\n"));
                } else {
                    push(part);
                }
                break;
            }
            Resume::Trim(at) => {
                rest = rest.get(at..).unwrap_or_default();
                let (part, next) = kept(rest);
                push(part.as_deref().unwrap_or_default());
                match next {
                    Some(next) => resume = next,
                    None => break,
                }
            }
        }
    }
    if out.is_empty() {
        Cow::Borrowed(text.trim())
    } else {
        Cow::Owned(out)
    }
}

/// What one step of [`shown_with`] finds at the start of a text: the kept
/// text before the first cut (trimmed; `None` when nothing is left), and
/// where the text after the cut is shown again, if it is.
type Kept<'a> = (Option<Cow<'a, str>>, Option<Resume>);

/// Where text after a cut is shown again, as a byte offset in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    /// The sender's own text after quoted history: trimmed in turn.
    Trim(usize),
    /// A forwarded mail: shown whole, from its separator on.
    Keep(usize),
}

/// What [`resume_after`] finds after a cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// Text shown again there.
    Resume(Resume),
    /// The cut is an interleaved reply's attribution (answers between the
    /// quoted lines): nothing is cut there.
    Interleaved,
}

/// `cut` (a line's place and what starts there) and where text resumes
/// after it, as `after` ([`resume_after`] at that place) finds; an
/// interleaved reply's attribution is no cut.
fn with_resume<T: Copy>(
    cut: Option<(T, Cut)>,
    after: impl FnOnce(T, Cut) -> Option<After>,
) -> (Option<(T, Cut)>, Option<Resume>) {
    match cut.and_then(|(at, kind)| after(at, kind)) {
        Some(After::Interleaved) => (None, None),
        Some(After::Resume(resume)) => (cut, Some(resume)),
        None => (cut, None),
    }
}

/// What a line is, by its first character that is not white space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    /// Nothing but white space.
    Blank,
    /// Starts with `>`.
    Quoted,
    /// Anything else.
    Text,
}

/// The [`LineKind`] of the line from `start` to `end` of `text` (the
/// answer `trim_start` gives, decided by the first bytes when they are
/// ASCII).
fn line_kind(text: &str, start: usize, end: usize) -> LineKind {
    let bytes = text.as_bytes().get(start..end).unwrap_or_default();
    let first = bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'));
    match first {
        None => LineKind::Blank,
        Some(b'>') => LineKind::Quoted,
        Some(b) if b.is_ascii() => LineKind::Text,
        // (Other white space is not ASCII.)
        Some(_) => match text.get(start..end).unwrap_or_default().trim_start() {
            "" => LineKind::Blank,
            t if t.starts_with('>') => LineKind::Quoted,
            _ => LineKind::Text,
        },
    }
}

/// The lines of `text` from byte `from` on, as `lines_of` splits them, as
/// `(start, end)` byte ranges (a trailing `\r` within them).
struct LineSpans<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> LineSpans<'a> {
    fn new(text: &'a str, from: usize) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: from,
        }
    }
}

impl Iterator for LineSpans<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let rest = self.bytes.get(self.at..)?;
        let start = self.at;
        let end = memchr::memchr(b'\n', rest).map_or(self.bytes.len(), |n| start + n);
        self.at = end + 1;
        Some((start, end))
    }
}

/// Whether the trimmed `line` starts as a sentence: a capital letter or a
/// digit.
fn starts_a_sentence(line: &str) -> bool {
    line.trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// What starts at a cut line, and so what after it may still be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// An attribution (`On ... wrote:`) of this many lines: the
    /// `>`-quoted block after it is history, but text after that block is
    /// the sender's again (a bottom-posted or interleaved reply).
    Attribution(usize),
    /// A forward separator: what follows is the forwarded mail, shown.
    Forward,
    /// A signature or a "Sent from" line: the end of the sender's text,
    /// but a forwarded mail may follow it.
    Signature,
    /// An `Original Message` separator or a reply header block: history
    /// to the end.
    History,
}

/// Where the text after the cut `cut`, whose line starts at byte `at` of
/// `text`, is shown again:
/// * after an attribution followed by a `>`-quoted block (blank lines
///   aside), the first line after that block, when no quoted line follows
///   it or only after an attribution of its own; when the sender's lines
///   between quoted ones start as sentences, the reply is interleaved
///   ([`After::Interleaved`]: nothing is cut there); otherwise they are
///   quoted lines the sender's program wrapped, and the history goes on;
/// * after a signature, a forward separator within the next
///   [`SIGNATURE_LINES`] lines, before any quoted or history line;
/// * a forward separator is itself kept.
fn resume_after(text: &str, at: usize, cut: Cut) -> Option<After> {
    let offset = |line: &str| line.as_ptr() as usize - text.as_ptr() as usize;
    let mut lines = lines_of(text.get(at..).unwrap_or_default());
    match cut {
        Cut::Forward => Some(After::Resume(Resume::Keep(at))),
        Cut::History => None,
        Cut::Attribution(n) => {
            // (Line by line as `lines_of` splits them, each told apart by
            // its first bytes: this runs over the quoted history of every
            // reply.)
            let mut after = LineSpans::new(text, at)
                .skip(n)
                .map(|(start, end)| (start, end, line_kind(text, start, end)))
                .skip_while(|&(_, _, kind)| kind == LineKind::Blank);
            if after.next()?.2 != LineKind::Quoted {
                return None;
            }
            // The sender's first line after the quote (none: the quote runs
            // to the end, the usual reply).
            let (own, own_end, _) = after.find(|&(_, _, kind)| kind == LineKind::Text)?;
            let line = |start: usize, end: usize| {
                text.get(start..end)
                    .unwrap_or_default()
                    .trim_end_matches('\r')
            };
            // (`after` goes on after `own`.) Quoted lines further down: after
            // an attribution of their own, another quoted block; after a line
            // that starts as a sentence (a capital letter or a digit:
            // `Yes.`, `L`, `2 pieces`), an interleaved reply, shown whole;
            // otherwise a quoted line the sender's program wrapped (a link's
            // tail, a lower-case word): the history goes on.
            let mut last = line(own, own_end);
            let mut answer = starts_a_sentence(last);
            for (start, end, kind) in after {
                match kind {
                    LineKind::Quoted => {
                        return if ends_with_colon(last) {
                            Some(After::Resume(Resume::Trim(own)))
                        } else if answer {
                            Some(After::Interleaved)
                        } else {
                            None
                        };
                    }
                    LineKind::Text => {
                        last = line(start, end);
                        answer |= starts_a_sentence(last);
                    }
                    LineKind::Blank => {}
                }
            }
            Some(After::Resume(Resume::Trim(own)))
        }
        Cut::Signature => {
            lines.next();
            for line in lines.take(SIGNATURE_LINES) {
                let t = line.trim();
                if is_forward_separator(t) {
                    return Some(After::Resume(Resume::Keep(offset(line))));
                }
                let history = t.starts_with('>')
                    || t.ends_with(':')
                    || ((t.starts_with("---") || t.starts_with("___"))
                        && ORIGINAL_MESSAGE.contains(&separator_title(t).as_str()));
                if history {
                    return None;
                }
            }
            None
        }
    }
}

/// The folded title of a separator line (`-----Original Message-----`,
/// `---------- Forwarded message ---------`): `trimmed` without the dashes,
/// underscores, spaces and stars around it.
pub(crate) fn separator_title(trimmed: &str) -> String {
    fold(trimmed.trim_matches(['-', '_', ' ', '*']))
}

/// How many lines after a signature delimiter or a "Sent from" line are
/// looked through for a forwarded mail.
const SIGNATURE_LINES: usize = 15;

/// Whether `trimmed` (a trimmed line) is a forward separator
/// ([`FORWARD_TITLES`] between dashes, [`FORWARD_OPENERS`]).
pub(crate) fn is_forward_separator(trimmed: &str) -> bool {
    // (Cheap tests first: this runs on every line the cut search checks
    // and on the lines after a signature.)
    if trimmed.len() > 80 {
        return false;
    }
    if trimmed.starts_with("--") || trimmed.starts_with("__") {
        return FORWARD_TITLES.contains(&separator_title(trimmed).as_str());
    }
    // (An opener has no digit and no address, which most attributions
    // have.)
    trimmed.ends_with(':')
        && !trimmed.bytes().any(|b| b.is_ascii_digit() || b == b'@')
        && FORWARD_OPENERS.contains(&&*plain_colons(fold(trimmed)))
}

/// One step of [`shown_with`] for text without `\r`: the kept lines are a
/// stretch of the text.
fn kept_fast(text: &str) -> Kept<'_> {
    // Lines before `start` cannot start a cut; the rest is checked line
    // by line.
    let cut = match first_candidate(text) {
        None => None,
        Some(start) => {
            let rest = text.get(start..).unwrap_or_default();
            cut_in(rest).map(|(at, cut)| (start + at, cut))
        }
    };
    // (An interleaved reply is shown as written.)
    let (cut, resume) = with_resume(cut, |at, cut| resume_after(text, at, cut));
    // The kept lines, as one stretch of the text without its last `\n`;
    // `None` = no line.
    let mut kept = match cut {
        None => Some(text),
        Some((0, _)) => None,
        Some((at, _)) => text.get(..at - 1),
    };
    // Drop trailing quoted and blank lines.
    while let Some(k) = kept {
        let (rest, last) = split_last_line(k);
        let t = last.trim_start();
        if t.is_empty() || t.starts_with('>') {
            kept = rest;
        } else {
            break;
        }
    }
    // Drop a trailing separator rule left above an Outlook block.
    while let Some(k) = kept {
        let (rest, last) = split_last_line(k);
        if is_rule(last) || last.trim().is_empty() {
            kept = rest;
        } else {
            break;
        }
    }
    let kept = kept.map(str::trim).filter(|k| !k.is_empty());
    (kept.map(Cow::Borrowed), resume)
}

/// The stretch before the last line of `s` (`None` when `s` is one line)
/// and that last line.
fn split_last_line(s: &str) -> (Option<&str>, &str) {
    match memchr::memrchr(b'\n', s.as_bytes()) {
        Some(at) => (s.get(..at), s.get(at + 1..).unwrap_or_default()),
        None => (None, s),
    }
}

/// The byte offset of the first line of `text` (no `\r` in it) from which
/// [`cut_index`] must look, or `None` when no line can start a cut.
///
/// A line starts no cut when no line within it and the next two ends with
/// a colon, and either it is blank or quoted, or its first word starts no
/// marker (the fast path of [`is_cut_at`], and its early answer for blank
/// and quoted lines), and it is no [`is_dated_sender`] line. The scan
/// stops at the first line that is not known to be one of these, or ends
/// with a colon, and steps back two lines, whose colon windows reach it.
fn first_candidate(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    // Starts of the two lines before the current one, and of the current.
    let mut before = [0usize; 2];
    let mut start = 0;
    // (One pass over the line breaks; the last line ends at the end.)
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for end in ends {
        // The usual line is decided by its first and last bytes: an ASCII
        // letter or digit that no marker starts with, and an ASCII last
        // byte that folding keeps and that is not a colon (the answer
        // `ends_with_colon` and `first_word_starts_no_marker` give).
        let plain = match (
            bytes.get(start),
            end.checked_sub(1).and_then(|l| bytes.get(l)),
        ) {
            (Some(&first), Some(&last))
                if end > start
                    && PLAIN_FIRST[usize::from(first)]
                    && PLAIN_LAST[usize::from(last)] =>
            {
                true
            }
            _ => {
                let line = text.get(start..end).unwrap_or_default();
                !ends_with_colon(line)
                    && {
                        let t = line.trim_start();
                        t.is_empty() || t.starts_with('>') || first_word_starts_no_marker(line)
                    }
                    && !(line.starts_with(|c: char| c.is_ascii_digit()) && is_dated_sender(line))
            }
        };
        if !plain {
            return Some(before[0]);
        }
        before = [before[1], start];
        start = end + 1;
    }
    None
}

/// Bytes that decide, as the first byte of a line, that it starts no
/// marker: ASCII letters and digits that no marker starts with (in either
/// case; see [`MARKER_INITIALS`]).
static PLAIN_FIRST: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let lower = c.to_ascii_lowercase();
        let mut marker = false;
        let mut i = 0;
        while i < MARKER_INITIALS.len() {
            marker |= MARKER_INITIALS[i] == lower;
            i += 1;
        }
        t[b] = c.is_ascii_alphanumeric() && !marker;
        b += 1;
    }
    t
};

/// Bytes that decide, as the last byte of a line, that it does not end
/// with a colon: ASCII, kept by folding (not white space, `-` or `_`), and
/// not a colon; nor `>`, which ends an attribution without a colon
/// ([`is_dated_sender`]).
static PLAIN_LAST: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = !c.is_ascii_whitespace() && c != b'-' && c != b'_' && c != b':' && c != b'>';
        b += 1;
    }
    t
};

/// The first letters of [`MARKER_WORD_LIST`]: a line whose first word
/// starts with none of them starts no marker.
const MARKER_INITIALS: [u8; 9] = *b"fovdsgwie";

/// The byte offset in `rest` of the line that [`cut_index`] finds over
/// its lines, splitting them only as far as the checks look: a reply's
/// quoted history after the cut is never split.
fn cut_in<'a>(rest: &'a str) -> Option<(usize, Cut)> {
    let mut lines: Vec<&'a str> = Vec::with_capacity(16);
    let mut source = lines_of(rest);
    let mut split_one = |lines: &mut Vec<&'a str>| match source.next() {
        Some(line) => {
            lines.push(line);
            true
        }
        None => false,
    };
    let mut scratch = String::new();
    let mut i = 0;
    loop {
        // What `is_cut_at` may read for line `i`: up to line `i + 3`, and
        // the first non-blank line after them.
        while lines.len() < i + 4 && split_one(&mut lines) {}
        while !lines
            .get(i + 4..)
            .unwrap_or_default()
            .iter()
            .any(|l| !l.trim().is_empty())
            && split_one(&mut lines)
        {}
        let line = lines.get(i)?;
        let colon_at = |j: usize| lines.get(j).is_some_and(|l| ends_with_colon(l));
        let colon = [colon_at(i), colon_at(i + 1), colon_at(i + 2)];
        if let Some(cut) = is_cut_at(&lines, colon, i, &mut scratch) {
            // (A line is a stretch of `rest`.)
            return Some((line.as_ptr() as usize - rest.as_ptr() as usize, cut));
        }
        i += 1;
    }
}

/// [`shown`] checking every line (the way text with `\r` in it goes).
#[cfg(test)]
fn shown_by_lines(text: &str) -> Cow<'_, str> {
    if let Some(split) = attribution_split(text) {
        return Cow::Owned(shown_by_lines(&split).into_owned());
    }
    shown_with(text, kept_by_lines)
}

/// Openers of an attribution written on the line of the reply before it,
/// as the sender's client writes them (capitalised: `on` in running text
/// is no attribution).
const SHARED_LINE_OPENERS: &[&str] = &[
    "On ",
    "W dniu ",
    "Dnia ",
    "Dne ",
    "Il giorno ",
    "Am ",
    "Le ",
    "Op ",
    "Den ",
];

/// `text` with a line break put before an attribution that shares its
/// line with the reply, right over the first quote (`Thanks! On Mon, 2
/// Mar 2026 at 09:00, Ann <ann@x.example> wrote:` and `> ...` below: some
/// clients join them; talon's "reply and quotation splitter share line"),
/// so that the attribution cuts there as on a line of its own. Only an
/// attribution with a date or an address counts. `None` for any other
/// text.
fn attribution_split(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // (The first `>` that starts a line.)
    let quote =
        memchr::memchr_iter(b'>', bytes).find(|&i| i > 0 && bytes.get(i - 1) == Some(&b'\n'))?;
    let head = text.get(..quote)?.trim_end();
    let start = head.rfind('\n').map_or(0, |n| n + 1);
    let line = head.get(start..)?;
    let indent = line.len() - line.trim_start().len();
    if line.len() > 2400 || line.trim_start().starts_with('>') {
        return None;
    }
    // (Candidates: an opener right after white space inside the line.)
    let at = memchr::memchr2_iter(b' ', b'\t', line.as_bytes())
        .map(|space| space + 1)
        .filter(|&i| i > indent)
        .filter(|&i| {
            let rest = line.get(i..).unwrap_or_default();
            // (Every opener starts with one of these capitals.)
            rest.as_bytes()
                .first()
                .is_some_and(|b| b"OWDIAL".contains(b))
                && SHARED_LINE_OPENERS.iter().any(|o| rest.starts_with(o))
                && (rest.contains('@') || rest.contains(|c: char| c.is_ascii_digit()))
                && is_attribution(&plain_colons(fold(rest)), 0, &[">"])
        })
        .min()?;
    // (An attribution on a line of its own is the line rules' to cut, even
    // with an opener inside it: `On Mon, ..., Den Smith <den@x> wrote:`.)
    let mut opening = String::new();
    fold_head_into(line.trim_start(), 40, &mut opening);
    if has_opener(&opening) {
        return None;
    }
    let (reply, attribution) = text.split_at(start + at);
    Some(format!("{}\n{attribution}", reply.trim_end()))
}

/// One step of [`shown_with`] for text with `\r` in it: lines are split
/// and joined again.
fn kept_by_lines(text: &str) -> Kept<'_> {
    let lines = split_lines(text);
    let cut = cut_kind_index(&lines);
    // (An interleaved reply is shown as written.)
    let (cut, resume) = with_resume(cut, |i, cut| {
        let at = lines.get(i)?.as_ptr() as usize - text.as_ptr() as usize;
        resume_after(text, at, cut)
    });
    let cut = cut.map_or(lines.len(), |(i, _)| i);
    let mut kept = lines.get(..cut).unwrap_or(&lines);
    // Drop trailing quoted and blank lines.
    while let Some((last, rest)) = kept.split_last() {
        let t = last.trim_start();
        if t.is_empty() || t.starts_with('>') {
            kept = rest;
        } else {
            break;
        }
    }
    // Drop a trailing separator rule left above an Outlook block.
    while let Some((last, rest)) = kept.split_last() {
        if is_rule(last) || last.trim().is_empty() {
            kept = rest;
        } else {
            break;
        }
    }
    // The kept lines are one stretch of `text`: without `\r` in it, that
    // stretch is what joining them with `\n` gives.
    let stretch = match (kept.first(), kept.last()) {
        (Some(first), Some(last)) if memchr::memchr(b'\r', text.as_bytes()).is_none() => {
            let start = first.as_ptr() as usize - text.as_ptr() as usize;
            let end = last.as_ptr() as usize - text.as_ptr() as usize + last.len();
            text.get(start..end)
        }
        _ => None,
    };
    let kept = match stretch {
        Some(s) => Some(Cow::Borrowed(s.trim())),
        None => {
            let joined = kept.join("\n");
            let out = joined.trim();
            if out.len() == joined.len() {
                Some(Cow::Owned(joined))
            } else {
                Some(Cow::Owned(out.to_string()))
            }
        }
    };
    (kept.filter(|k| !k.is_empty()), resume)
}

/// The lines of `text` (split at `\n`, a trailing `\r` dropped), as
/// `text.split('\n')` gives them.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::with_capacity(text.len() / 40 + 2);
    lines.extend(lines_of(text));
    lines
}

/// [`split_lines`], one line at a time (each a stretch of `text`).
fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    // (The last line ends at the end of `text`, after the last `\n`.)
    memchr::memchr_iter(b'\n', bytes)
        .chain(std::iter::once(bytes.len()))
        .map(move |end| {
            let line = text.get(start..end).unwrap_or_default();
            start = end + 1;
            line.trim_end_matches('\r')
        })
}

/// Index of the first line that starts quoted history or a signature.
pub(crate) fn cut_index(lines: &[&str]) -> Option<usize> {
    cut_kind_index(lines).map(|(i, _)| i)
}

/// [`cut_index`], with what starts there.
fn cut_kind_index(lines: &[&str]) -> Option<(usize, Cut)> {
    let mut scratch = String::new();
    let colon_at = |j: usize| lines.get(j).is_some_and(|l| ends_with_colon(l));
    // [`ends_with_colon`] of lines i, i + 1 and i + 2.
    let mut colon = [colon_at(0), colon_at(1), colon_at(2)];
    for i in 0..lines.len() {
        if let Some(cut) = is_cut_at(lines, colon, i, &mut scratch) {
            return Some((i, cut));
        }
        colon = [colon[1], colon[2], colon_at(i + 3)];
    }
    None
}

/// Whether `line` can end an attribution: it ends with `:` once folded
/// (folding drops only whitespace, `-`, `_` and combining marks at the
/// end).
fn ends_with_colon(line: &str) -> bool {
    // Fast path: a last byte that is ASCII and not one of the characters
    // folding drops decides it alone.
    if let Some(&last) = line.as_bytes().last()
        && last.is_ascii()
        && !last.is_ascii_whitespace()
        && last != b'-'
        && last != b'_'
    {
        return last == b':';
    }
    line.trim_end_matches(|c: char| {
        c.is_whitespace() || c == '-' || c == '_' || ('\u{0300}'..='\u{036f}').contains(&c)
    })
    .ends_with([':', '\u{ff1a}'])
}

/// `folded` with its colons as ASCII writes them: French puts a space
/// before the colon (`De : Ann`), Chinese and Japanese write a full-width
/// one (`发件人：`, `写道：`).
pub(crate) fn plain_colons(folded: String) -> String {
    if folded.contains(" :") || folded.contains('\u{ff1a}') {
        folded.replace('\u{ff1a}', ":").replace(" :", ":")
    } else {
        folded
    }
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 5 && t.chars().all(|c| matches!(c, '_' | '-' | '=' | '*'))
}

/// What starts at line `i`, if it starts quoted history, a signature or
/// a forwarded mail. `colon[k]` is
/// [`ends_with_colon`] of line `i + k`; `scratch` is a reusable buffer for
/// the folded head of the line (this runs once per line of every inbound
/// mail).
fn is_cut_at(lines: &[&str], colon: [bool; 3], i: usize, scratch: &mut String) -> Option<Cut> {
    let line = lines.get(i)?;
    // Gmail's old attribution of some locales, without a colon.
    if line.starts_with(|c: char| c.is_ascii_digit())
        && is_dated_sender(line)
        && quote_follows(lines.get(i + 1..).unwrap_or_default())
    {
        return Some(Cut::Attribution(1));
    }
    let colon_near = colon.contains(&true);
    // Fast path for the common line: it starts with an ASCII word that
    // starts no marker, and no attribution can end within it or the next
    // two lines. (The same answer as the checks below.)
    if !colon_near && first_word_starts_no_marker(line) {
        return None;
    }
    if line.trim_end() == "--" {
        return Some(Cut::Signature);
    }
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('>') {
        return None;
    }
    if is_forward_separator(trimmed) {
        return Some(Cut::Forward);
    }
    if trimmed.starts_with("---") || trimmed.starts_with("___") {
        let title = separator_title(trimmed);
        // -----Original Message-----
        if ORIGINAL_MESSAGE.contains(&title.as_str()) {
            return Some(Cut::History);
        }
        // An attribution between dashes: `---- Ann wrote ----`, `-----On
        // 1/7/2025 10:52, Ann wrote-----`.
        if trimmed.ends_with(['-', '_'])
            && title.chars().count() <= 300
            && ATTRIBUTION_ENDINGS.iter().any(|e| {
                title
                    .strip_suffix(e.trim_end_matches(':'))
                    .is_some_and(|head| head.is_empty() || head.ends_with(' '))
            })
        {
            return Some(Cut::Attribution(1));
        }
    }
    let body = trimmed.trim_matches('*');
    // Folding every line is the hot path of trimming: rule out most lines
    // by their first word, then fold a short head, and the whole line
    // only when the head can start one of the header / "sent from"
    // markers.
    let candidate = !first_word_starts_no_marker(body) && {
        fold_head_into(body, 24, scratch);
        // (French puts a space before the colon: `De : Ann`.)
        if scratch.contains(" :") || scratch.contains('\u{ff1a}') {
            *scratch = plain_colons(std::mem::take(scratch));
        }
        let head = scratch.as_str();
        line_markers().any(|p| head.starts_with(p) || p.starts_with(head))
    };
    if candidate {
        let folded = plain_colons(fold(body));
        if folded.chars().count() > 300 {
            return None;
        }
        // Outlook header block (GMX's: the date first).
        let followed_by = |fields: &[&str]| {
            (1..=3).any(|k| {
                lines.get(i + k).is_some_and(|l| {
                    let f = plain_colons(fold(l.trim().trim_start_matches('*')));
                    fields.iter().any(|h| f.starts_with(h))
                })
            })
        };
        if HEADER_FROM.iter().any(|h| folded.starts_with(h)) && followed_by(HEADER_SENT) {
            return Some(Cut::History);
        }
        if HEADER_SENT_FIRST.iter().any(|h| folded.starts_with(h)) && followed_by(HEADER_FROM) {
            return Some(Cut::History);
        }
        if folded.starts_with(HEADER_DATE_FIRST)
            && followed_by(&["from:"])
            && followed_by(&["subject:"])
        {
            return Some(Cut::History);
        }
        // Sent from my iPhone.
        if folded.chars().count() <= 120 {
            if SENT_FROM.iter().any(|p| folded.starts_with(p)) {
                return Some(Cut::Signature);
            }
            if folded.starts_with("von meinem ") && folded.ends_with("gesendet") {
                return Some(Cut::Signature);
            }
        }
    }
    // Attribution lines, possibly wrapped over up to three lines; every one
    // ends with a colon.
    if !colon_near {
        return None;
    }
    for span in 0..=2 {
        let Some(group) = lines.get(i..=i + span) else {
            break;
        };
        if span > 0
            && group
                .iter()
                .skip(1)
                .any(|l| l.trim().is_empty() || l.trim_start().starts_with('>'))
        {
            break;
        }
        // An attribution ends with ':' once folded (checked before
        // folding: folding every group is the hot path).
        if !colon.get(span).copied().unwrap_or(false) {
            continue;
        }
        let joined = fold(&group.join(" "));
        let joined = plain_colons(joined);
        if is_attribution(&joined, span, lines.get(i + span + 1..).unwrap_or(&[])) {
            return Some(Cut::Attribution(span + 1));
        }
    }
    None
}

/// True when `line` cannot start a marker ([`line_markers`]) because of
/// its first word: a run of ASCII letters or digits, followed by the end
/// or an ASCII character that is not one (folding keeps the run as it is
/// but for case, and ends it there). Every marker is a word followed by
/// `:` or a space, so the line's first word would have to be the marker's.
fn first_word_starts_no_marker(line: &str) -> bool {
    // This runs for every line of every mail. Most first words are ruled
    // out by their first two letters.
    let bytes = line.as_bytes();
    match (bytes.first(), bytes.get(1)) {
        (Some(c), _) if !c.is_ascii_alphanumeric() => return false,
        (None, _) => return false,
        (Some(_), None) => return true,
        (Some(_), Some(d)) if !d.is_ascii() => return false,
        (Some(_), Some(d)) if !d.is_ascii_alphanumeric() => return true,
        (Some(&c), Some(&d)) => {
            let head = u16::from(c.to_ascii_lowercase()) | u16::from(d.to_ascii_lowercase()) << 8;
            if !MARKER_HEADS.contains(&head) {
                return true;
            }
        }
    }
    // The first word's first 8 bytes, lower-cased, packed into a u64 (as
    // the marker words are: a longer word is compared by its first 8).
    let mut packed = 0u64;
    let mut len = 0;
    let mut next = None;
    for &b in line.as_bytes() {
        if !b.is_ascii_alphanumeric() {
            next = Some(b);
            break;
        }
        if len < 8 {
            packed |= u64::from(b.to_ascii_lowercase()) << (8 * len);
        }
        len += 1;
        // (No marker word is half as long: a run of ASCII letters this
        // long folds to no marker, whatever follows.)
        if len > 16 {
            return true;
        }
    }
    if len == 0 || next.is_some_and(|b| !b.is_ascii()) {
        return false;
    }
    !MARKER_WORDS.contains(&packed)
}

/// The first words of the markers ([`line_markers`]; a test checks that
/// this list is complete), lower-case.
const MARKER_WORD_LIST: [&[u8]; 22] = [
    b"envoye",
    b"enviado",
    b"skickat",
    b"sendt",
    b"from",
    b"date",
    b"fra",
    b"fran",
    b"od",
    b"von",
    b"da",
    b"de",
    b"sent",
    b"get",
    b"wyslane",
    b"wyslano",
    b"odeslano",
    b"inviato",
    b"gesendet",
    b"van",
    b"verzonden",
    b"verstuurd",
];

/// [`MARKER_WORD_LIST`], packed as [`first_word_starts_no_marker`] packs
/// a word.
const MARKER_WORDS: [u64; 22] = {
    let mut packed = [0u64; 22];
    let mut i = 0;
    while i < packed.len() {
        packed[i] = pack(MARKER_WORD_LIST[i]);
        i += 1;
    }
    packed
};

/// The first two bytes of each of [`MARKER_WORD_LIST`], packed.
const MARKER_HEADS: [u16; 22] = {
    let mut heads = [0u16; 22];
    let mut i = 0;
    while i < heads.len() {
        heads[i] = (pack(MARKER_WORD_LIST[i]) & 0xffff) as u16;
        i += 1;
    }
    heads
};

/// Little-endian packing of the first 8 bytes (at most) of `word`.
const fn pack(word: &[u8]) -> u64 {
    let mut packed = 0u64;
    let mut i = 0;
    while i < word.len() && i < 8 {
        packed |= (word[i] as u64) << (8 * i);
        i += 1;
    }
    packed
}

/// Whether `word` (lowercase) is the first word of a marker.
#[cfg(test)]
fn is_marker_word(word: &[u8]) -> bool {
    MARKER_WORD_LIST.contains(&word)
}

/// The markers a line can start with: Outlook header fields and "sent
/// from" lines.
fn line_markers() -> impl Iterator<Item = &'static str> {
    HEADER_FROM
        .iter()
        .chain(HEADER_SENT_FIRST)
        .chain(std::iter::once(&HEADER_DATE_FIRST))
        .chain(SENT_FROM.iter())
        .copied()
        .chain(std::iter::once("von meinem "))
}

fn has_opener(s: &str) -> bool {
    if ATTRIBUTION_OPENERS.iter().any(|o| s.starts_with(o)) {
        return true;
    }
    // "<weekday>[.,] <digit>..."
    let mut words = s.split(' ');
    let first = words.next().unwrap_or("").trim_end_matches(['.', ',']);
    let second_digit = words
        .next()
        .and_then(|w| w.chars().next())
        .is_some_and(|c| c.is_ascii_digit());
    second_digit && WEEKDAYS.contains(&first)
}

fn is_attribution(joined: &str, span: usize, after: &[&str]) -> bool {
    if !joined.ends_with(':') || joined.chars().count() > 300 {
        return false;
    }
    let quote_follows = quote_follows(after);
    // In any language: an address and a time, and the quote right after
    // (`2014-10-17 11:28 GMT+03:00 Ann <ann@x.com>:`, `Vào 14:24 ... Ann
    // <ann@x.com> đã viết:`); wrapped, only when it starts with its date
    // (else the line before it could be taken in).
    if quote_follows
        && (span == 0 || joined.starts_with(|c: char| c.is_ascii_digit()))
        && joined.contains('@')
        && has_time(joined)
    {
        return true;
    }
    let opener = has_opener(joined);
    if span > 0 && !opener {
        return false;
    }
    let verb_at_end = ATTRIBUTION_ENDINGS.iter().any(|e| joined.ends_with(e));
    let verb_inside = opener
        && ATTRIBUTION_VERBS
            .iter()
            .any(|v| super::text::contains_word(joined, v));
    if !(verb_at_end || verb_inside) {
        return false;
    }
    let has_evidence = joined.contains('@') || joined.chars().any(|c| c.is_ascii_digit());
    has_evidence || quote_follows
}

/// Whether the first line of `after` that is not blank is quoted.
fn quote_follows(after: &[&str]) -> bool {
    after
        .iter()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with('>'))
}

/// Whether `line` is the attribution Gmail wrote in some locales until
/// about 2012: a date `yyyy/m/d` and the sender's name and address, with
/// no colon (`2011/4/7 Ann <ann@x.example>`); it cuts only before a quote.
fn is_dated_sender(line: &str) -> bool {
    let t = line.trim_end();
    if t.len() > 300 || !t.ends_with('>') {
        return false;
    }
    let Some((date, sender)) = t.split_once(' ') else {
        return false;
    };
    let mut parts = date.split('/');
    let numeric = |p: Option<&str>, lens: std::ops::RangeInclusive<usize>| {
        p.is_some_and(|p| lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    };
    numeric(parts.next(), 4..=4)
        && numeric(parts.next(), 1..=2)
        && numeric(parts.next(), 1..=2)
        && parts.next().is_none()
        && sender
            .rsplit_once('<')
            .is_some_and(|(_, address)| address.contains('@') && !address.contains(' '))
}

/// Whether `s` holds a time of day: one or two digits, `:`, two digits.
fn has_time(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b':', b).any(|at| {
        let digit = |i: Option<usize>| i.and_then(|i| b.get(i)).is_some_and(u8::is_ascii_digit);
        digit(at.checked_sub(1)) && digit(Some(at + 1)) && digit(Some(at + 2))
    })
}

#[cfg(test)]
mod tests {
    use super::display_text as d;

    #[test]
    fn english_gmail() {
        let t = "Hi,\n\nthe printer works now.\n\nThanks\nJane\n\nOn Tue, Jul 1, 2025 at 10:52 AM Support <support@example.com> wrote:\n\n> Hello Jane,\n> please restart it.\n>\n";
        assert_eq!(d(t), "Hi,\n\nthe printer works now.\n\nThanks\nJane");
    }

    #[test]
    fn english_wrapped_attribution() {
        let t = "Works, thanks.\n\nOn Tue, Jul 1, 2025 at 10:52 AM Example Support Team <\nsupport@example.com> wrote:\n\n> Hello\n";
        assert_eq!(d(t), "Works, thanks.");
        let t = "Works, thanks.\r\n\r\nOn 01/07/2025 10:52, Example Support\r\nTeam wrote:\r\n> Hello\r\n";
        assert_eq!(d(t), "Works, thanks.");
    }

    #[test]
    fn an_attribution_on_the_replys_line_cuts_there() {
        // talon's "reply and quotation splitter share line".
        for (t, shown) in [
            (
                "Reply text On 04/04/2012 02:13 PM, Roman wrote:\n> Hello\n",
                "Reply text",
            ),
            (
                "Hi, it works now! On Mon, Mar 2, 2026 at 9:00 AM Ann <ann@example.com> wrote:\r\n> quoted\r\n> more\r\n",
                "Hi, it works now!",
            ),
            (
                "Dzięki!\n\nDziała. W dniu 2.03.2026 o 09:00, Ann <ann@example.com> pisze:\n\n> cytat\n",
                "Dzięki!\n\nDziała.",
            ),
            (
                "Danke. Am 02.03.2026 um 09:00 schrieb Ann <ann@example.de>:\n> Zitat\n",
                "Danke.",
            ),
        ] {
            assert_eq!(d(t), shown, "{t:?}");
            assert_eq!(super::shown(t), super::shown_by_lines(t), "{t:?}");
        }
        // Running text that only looks like one: no date or address, a
        // lowercase `on`, no verb, or no quote below.
        for t in [
            "I said On Monday John wrote:\n> x\n",
            "On Mon, 2 Mar 2026 at 09:00, Den Smith <den@example.com> wrote:\n> x\n",
            "We met on 2 March, Ann wrote:\n> x\n",
            "Please ship it On 5 March at 10:00:\n> x\n",
            "Thanks! On Mon, Mar 2, 2026 at 9:00 AM Ann <ann@example.com> wrote:\nnot quoted\n",
        ] {
            assert_eq!(d(t).lines().next(), t.lines().next(), "{t:?}");
            assert_eq!(super::shown(t), super::shown_by_lines(t), "{t:?}");
        }
    }

    #[test]
    fn gmail_dated_sender_without_a_colon() {
        // Gmail's attribution in some locales until about 2012 (talon's
        // test mail).
        let t =
            "Replying ok\n2011/4/7 Nathan \u{438}ova <support@example.com>\n\n>  Cool beans, scro";
        assert_eq!(d(t), "Replying ok");
        let t = "Replying ok\r\n2011/4/7 Nathan <support@example.com>\r\n> Cool\r\n";
        assert_eq!(d(t), "Replying ok");
        // Without a quote after it, it is the sender's text.
        for t in [
            "Order from\n2024/5/1 Jan Kowalski <jan@example.pl>\nplease ship it",
            "Order from\n2024/5/1 Jan Kowalski <jan@example.pl>",
        ] {
            assert_eq!(d(t), t.trim(), "{t}");
        }
        // Only a date, a name and an address.
        let dated = super::is_dated_sender;
        assert!(dated("2011/4/7 Nathan <support@example.com>"));
        assert!(!dated("2024/5/1 to 2024/5/3 <see below>"));
        assert!(!dated("2024/5/1 <a@b> c"));
        assert!(!dated("24/5/1 Ann <a@b.c>"));
        assert!(!dated("2024/5/1/2 Ann <a@b.c>"));
        assert!(!dated("2024-5-1 Ann <a@b.c>"));
    }

    #[test]
    fn english_apple_and_thunderbird() {
        let t = "Great.\n\nSent from my iPhone\n\n> On 1 Jul 2025, at 10:52, Support <support@example.com> wrote:\n> \n> Hello\n";
        assert_eq!(d(t), "Great.");
        let t = "Fine by me.\n\nOn 7/1/25 10:52, Support wrote:\n> Hello\n";
        assert_eq!(d(t), "Fine by me.");
        let t = "Fine.\n\nSupport wrote:\n> Hello\n";
        assert_eq!(d(t), "Fine.");
    }

    #[test]
    fn outlook_english() {
        let t = "Please see below.\r\n\r\n-----Original Message-----\r\nFrom: Support <support@example.com>\r\nSent: Tuesday, July 1, 2025 10:52 AM\r\nTo: Jane\r\nSubject: Ticket\r\n\r\nHello\r\n";
        assert_eq!(d(t), "Please see below.");
        let t = "Done.\n\nRegards,\nJane\n\n________________________________\nFrom: Support <support@example.com>\nSent: Tuesday, July 1, 2025 10:52\nTo: Jane <jane@x.com>\nSubject: Ticket\n\nHello";
        assert_eq!(d(t), "Done.\n\nRegards,\nJane");
        let t = "Done.\n\n*From:* Support <support@example.com>\n*Sent:* Tuesday, July 1, 2025 10:52\n*To:* Jane\n";
        assert_eq!(d(t), "Done.");
    }

    #[test]
    fn polish() {
        let t = "Dzień dobry,\ndrukarka działa.\n\nPozdrawiam\nJan\n\nW dniu 1.07.2025 o 10:52, Pomoc <pomoc@example.pl> pisze:\n> Dzień dobry\n";
        assert_eq!(d(t), "Dzień dobry,\ndrukarka działa.\n\nPozdrawiam\nJan");
        let t =
            "Dzięki.\n\nDnia 1.07.2025 o 10:52 Pomoc <pomoc@example.pl> nadesłał:\n> Dzień dobry\n";
        assert_eq!(d(t), "Dzięki.");
        let t = "Dziękuję!\n\npt., 4 lip 2025 o 10:52 Pomoc Techniczna <pomoc@example.pl> napisał(a):\n\n> Proszę zrestartować.\n";
        assert_eq!(d(t), "Dziękuję!");
        let t = "Dziękuję!\n\npt., 4 lip 2025 o 10:52 Pomoc Techniczna <\npomoc@example.pl> napisał(a):\n\n> Proszę zrestartować.\n";
        assert_eq!(d(t), "Dziękuję!");
        let t = "W załączeniu zdjęcie.\n\n-----Wiadomość oryginalna-----\nOd: Pomoc <pomoc@example.pl>\nWysłano: wtorek, 1 lipca 2025 10:52\nDo: Jan\nTemat: Zgłoszenie\n";
        assert_eq!(d(t), "W załączeniu zdjęcie.");
        let t = "Działa.\n\nOd: Pomoc <pomoc@example.pl>\nWysłano: wtorek, 1 lipca 2025 10:52\nDo: Jan\n";
        assert_eq!(d(t), "Działa.");
        let t = "Ok.\n\nWysłane z mojego iPhone'a\n";
        assert_eq!(d(t), "Ok.");
        let t = "Ok.\n\nWysłano z aplikacji Poczta dla Windows\n";
        assert_eq!(d(t), "Ok.");
        // Apple Mail's Polish attribution, also wrapped.
        let t = "Działa.\n\nWiadomość napisana przez Pomoc <pomoc@example.pl> w dniu 1 lip 2025, o godz. 10:52:\n\n> Dzień dobry\n";
        assert_eq!(d(t), "Działa.");
        let t = "Działa.\n\nWiadomość napisana przez Pomoc Techniczna Sklepu <pomoc@example.pl> w dniu\n1 lip 2025, o godz. 10:52:\n\n> Dzień dobry\n";
        assert_eq!(d(t), "Działa.");
        // A line of the customer's own that starts alike stays.
        let t = "Wiadomość napisana przez Państwa konsultanta była pomocna.\nDziękuję.";
        assert_eq!(d(t), t);
    }

    #[test]
    fn czech() {
        let t = "Dobrý den,\ntiskárna funguje.\n\nDne 1. 7. 2025 10:52 napsal(a) Podpora <podpora@example.cz>:\n> Dobrý den\n";
        assert_eq!(d(t), "Dobrý den,\ntiskárna funguje.");
        let t = "Děkuji.\n\npo 1. 7. 2025 v 10:52 odesílatel Podpora <podpora@example.cz> napsal:\n\n> Dobrý den\n";
        assert_eq!(d(t), "Děkuji.");
        let t = "Děkuji.\n\n-----Původní zpráva-----\nOd: Podpora <podpora@example.cz>\nOdesláno: úterý 1. července 2025 10:52\nKomu: Jan\n";
        assert_eq!(d(t), "Děkuji.");
        let t = "Děkuji.\n\nOd: Podpora <podpora@example.cz>\nOdesláno: úterý 1. července 2025 10:52\nKomu: Jan\n";
        assert_eq!(d(t), "Děkuji.");
        let t = "Díky.\n\nOdesláno z mého iPhonu\n";
        assert_eq!(d(t), "Díky.");
        for line in [
            "Envoyé de mon iPhone",
            "Enviado desde mi iPhone",
            "Skickat från min iPhone",
            "Sendt fra min iPhone",
        ] {
            let t = format!("Ok.\n\n{line}\n");
            assert_eq!(d(&t), "Ok.", "{line}");
        }
        // Seznam's (email.cz) separator.
        let t = "Děkuji.\n\n---------- Původní e-mail ----------\nOd: Podpora <podpora@example.cz>\nKomu: jan@example.cz\nDatum: 1. 7. 2025 10:52:00\nPředmět: Objednávka\n\nDobrý den\n";
        assert_eq!(d(t), "Děkuji.");
    }

    #[test]
    fn italian() {
        let t = "Buongiorno,\nora funziona.\n\nIl giorno mar 1 lug 2025 alle ore 10:52 Supporto <supporto@example.it> ha scritto:\n\n> Buongiorno\n";
        assert_eq!(d(t), "Buongiorno,\nora funziona.");
        let t = "Grazie.\n\n-----Messaggio originale-----\nDa: Supporto <supporto@example.it>\nInviato: martedì 1 luglio 2025 10:52\nA: Mario\n";
        assert_eq!(d(t), "Grazie.");
        let t =
            "Grazie.\n\nDa: Supporto <supporto@example.it>\nInviato: martedì 1 luglio 2025 10:52\n";
        assert_eq!(d(t), "Grazie.");
        let t = "Grazie.\n\nInviato da iPhone\n";
        assert_eq!(d(t), "Grazie.");
    }

    #[test]
    fn german() {
        let t = "Hallo,\nes geht wieder.\n\nAm Di., 1. Juli 2025 um 10:52 Uhr schrieb Support <support@example.de>:\n\n> Hallo\n";
        assert_eq!(d(t), "Hallo,\nes geht wieder.");
        let t = "Danke.\n\nAm 01.07.25 um 10:52 schrieb Support:\n> Hallo\n";
        assert_eq!(d(t), "Danke.");
        let t = "Danke.\n\n-----Ursprüngliche Nachricht-----\nVon: Support <support@example.de>\nGesendet: Dienstag, 1. Juli 2025 10:52\nAn: Hans\nBetreff: Ticket\n";
        assert_eq!(d(t), "Danke.");
        let t =
            "Danke.\n\nVon: Support <support@example.de>\nGesendet: Dienstag, 1. Juli 2025 10:52\n";
        assert_eq!(d(t), "Danke.");
        // Thunderbird's and GMX / web.de's separators.
        let t = "Danke.\n\n-------- Original-Nachricht --------\nBetreff: Ticket\nDatum: 01.07.2025 10:52\nVon: Support <support@example.de>\n\nHallo\n";
        assert_eq!(d(t), "Danke.");
        let t = "Danke.\n\n----- Original Nachricht ----\nVon:     support@example.de\nAn:      hans@example.de\nDatum:   30.05.2017 16:17\n\nHallo\n";
        assert_eq!(d(t), "Danke.");
        let t = "Danke.\n\nVon meinem iPhone gesendet\n";
        assert_eq!(d(t), "Danke.");
        let t = "Danke.\n\nGesendet von meinem Samsung Galaxy\n";
        assert_eq!(d(t), "Danke.");
        // GMX's and web.de's reply header: the date before the sender.
        let t = "Danke.\n\n \n\nGesendet: Dienstag, 01. Juli 2025 um 10:52 Uhr\nVon: \"Support\" <support@example.de>\nAn: hans@gmx.de\nBetreff: Ticket\n\nHallo\n";
        assert_eq!(d(t), "Danke.");
        let t = "Thanks.\n\nSent: Tuesday, July 01, 2025 at 10:52 AM\nFrom: \"Support\" <support@example.com>\nTo: hans@gmx.com\n";
        assert_eq!(d(t), "Thanks.");
        // Without the sender after it, a `Gesendet:` line is the text's.
        let t = "Die Ware wurde versandt.\nGesendet: Montag\nErhalten: nie";
        assert_eq!(d(t), t);
        // Yahoo's German attribution.
        let t = "Danke.\n\nAm Dienstag, 1. Juli 2025, 10:52:00 MESZ hat Support <support@example.de> Folgendes geschrieben:\n\n\nHallo\n";
        assert_eq!(d(t), "Danke.");
    }

    #[test]
    fn text_after_the_quoted_history_is_shown() {
        // Bottom-posted (Thunderbird's way).
        let t = "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi \nHello";
        assert_eq!(d(t), "Hello");
        // A sign-off after the quote.
        let t = "Test reply\n\nOn 04/19/2011 07:10 AM, Roman wrote:\n\n>\n> Test\n\nRegards, Roman";
        assert_eq!(d(t), "Test reply\n\nRegards, Roman");
        assert_eq!(d(&t.replace('\n', "\r\n")), "Test reply\n\nRegards, Roman");
        // The answer below the quote, its signature cut in turn; nested
        // quotes are one block.
        let t = "On Tue, 1 Jul 2025 at 10:52, Support <s@x.com> wrote:\n> Which colour?\n>> On Mon, Ann wrote:\n>> Hi\n\nThe red one.\n\n-- \nJane\n";
        assert_eq!(d(t), "The red one.");
        // A second quoted block with its own attribution.
        let t = "A\n\nOn 1 Jul 2025 10:52, Bo <b@x.com> wrote:\n> q\nB\n\nOn 2 Jul 2025 10:52, Bo <b@x.com> wrote:\n> r\n";
        assert_eq!(d(t), "A\n\nB");
        // Quoted lines the sender's program wrapped: the history goes on.
        let t = "Blah\n\nOn Monday, 24 September, 2012 at 3:46 PM, bob wrote:\n\n> [Ticket #50] test\n>\n> View ticket (http://example.com/action\n_nonce=3dd518)\n>\n";
        assert_eq!(d(t), "Blah");
        // An interleaved reply is shown as written (its answers would be
        // lost), but for a quote after the last answer.
        let t = "Hi\n\nOn Tue, 1 Jul 2025, Support <s@x.com> wrote:\n> Which colour?\nRed.\n> Which size?\nL.\n";
        assert_eq!(d(t), t.trim());
        let t = "Please see my responses inline\nOn 04/19/2011 07:10 AM, Roman Tkachenko wrote:\n\n> Question 1\nResponse 1\n> Question 2\nResponse 2\n\n> Thanks\n";
        assert_eq!(
            d(t),
            "Please see my responses inline\nOn 04/19/2011 07:10 AM, Roman Tkachenko wrote:\n\n> Question 1\nResponse 1\n> Question 2\nResponse 2"
        );
        assert_eq!(d(&t.replace('\n', "\r\n")), d(t));
        // History that is not `>`-quoted goes to the end.
        let t = "Thanks.\n\nOn Tue, 1 Jul 2025, Support <s@x.com> wrote:\n\nWhich colour?\n";
        assert_eq!(d(t), "Thanks.");
    }

    #[test]
    fn forwarded_mail_is_shown() {
        let forwarded = "---------- Forwarded message ---------\nFrom: Courier <c@x.com>\nDate: Tue, 1 Jul 2025 at 10:52\nSubject: Parcel\nTo: jan@x.pl\n\nYour parcel was returned.";
        let t = format!("FYI\n\n{forwarded}\n");
        assert_eq!(d(&t), t.trim());
        assert_eq!(d(&t.replace('\n', "\r\n")), t.trim());
        for title in [
            "---------- Weitergeleitete Nachricht ---------",
            "-------- Przekazana wiadomość --------",
            "-------- Přeposlaná zpráva --------",
            "---------- Messaggio inoltrato ----------",
            "-------- Forwarded Message --------",
            // Gmail's in other languages; Apple Mail's.
            "---------- Mensagem encaminhada ---------",
            "---------- Vidarebefordrat meddelande ---------",
            "---------- Välitetty viesti ----------",
            "---------- Mesaj redirecționat ---------",
            "---------- İletilen ileti ----------",
            "---------- Пересылаемое сообщение ----------",
            "---------- 转发的邮件 ---------",
            "Anfang der weitergeleiteten E-Mail:",
            "Inicio del mensaje reenviado:",
        ] {
            let t = format!(
                "Bitte.\n\n{title}\nVon: Kurier <k@x.de>\nGesendet: Dienstag, 1. Juli 2025 10:52\n\nPaket.\n"
            );
            assert_eq!(d(&t), t.trim(), "{title}");
        }
        // Apple Mail's, after its "Sent from" line.
        let t = "Look at this.\n\nSent from my iPhone\n\nBegin forwarded message:\n\n> From: Courier <c@x.com>\n> Subject: Parcel\n> \n> Your parcel was returned.\n";
        assert_eq!(
            d(t),
            "Look at this.\n\nBegin forwarded message:\n\n> From: Courier <c@x.com>\n> Subject: Parcel\n> \n> Your parcel was returned."
        );
        // After a signature.
        let t = format!("See below.\n\n-- \nJan Kowalski\nACME\n\n{forwarded}\n");
        assert_eq!(d(&t), format!("See below.\n\n{forwarded}"));
        // A forward inside quoted history is history.
        let t = "Blah\n\n-----Original Message-----\n\nFYI\n\n---------- Forwarded message ----------\nFrom: bob@example.com\n\nText";
        assert_eq!(d(t), "Blah");
        let t = "Thanks\n-- \nJan\n\nOn Tue, 1 Jul 2025, Ann <a@x.com> wrote:\n> ---------- Forwarded message ---------\n> Text\n";
        assert_eq!(d(t), "Thanks");
    }

    #[test]
    fn forwarded_subjects() {
        for s in [
            "Fwd: x",
            "FW: x",
            "fw:x",
            " WG: x",
            "PD: x",
            "I: x",
            "TR: x",
            "RV: x",
            "ENC: x",
            "Doorst: x",
        ] {
            assert!(super::is_forwarded_subject(s), "{s}");
        }
        for s in [
            "Re: Fwd: x",
            "AW: WG: x",
            "Forward: x",
            "Fwd",
            "",
            "Order: 12",
            "x FW: y",
        ] {
            assert!(!super::is_forwarded_subject(s), "{s}");
        }
    }

    #[test]
    fn attributions_in_other_forms_and_languages() {
        // Between dashes.
        let t = "Test reply\n\n---- John Smith wrote ----\n\n> quoted\n> text\n";
        assert_eq!(d(t), "Test reply");
        let t = "Yes.\n\n------On 12/29/1987 17:32 PM, Julius Caesar wrote-----\n\nBrunch.\n";
        assert_eq!(d(t), "Yes.");
        // An address and a time, a quote after it: any language.
        let t = "Hello\n02.04.2012 14:20 пользователь \"bob@x.org\" <\nbob@x.org> написал:\n\n> Hi\n>\n";
        assert_eq!(d(t), "Hello");
        let t = "Test reply\n\n2014-10-17 11:28 GMT+03:00 Postmaster <\npostmaster@x.mailgun.org>:\n\n> First from site\n>\n";
        assert_eq!(d(t), "Test reply");
        let t = "Test reply\n\nOn 11-Apr-2011, at 6:54 PM, Roman <r@x.com> sent:\n\n>\n> Test\n";
        assert_eq!(d(t), "Test reply");
        let t =
            "Hello\n\nVào 14:24 8 tháng 6, 2017, Hùng Nguyễn <hung@x.com> đã viết:\n\n> Xin chào\n";
        assert_eq!(d(t), "Hello");
        // The customer's line above a wrapped attribution stays.
        let t = "Thanks Thanmai\n On Mar 8, 2012 9:59 AM, \"Example.com\" <\nr+7f1b@example.com> wrote:\n\n\n>**\n>  Blah\n";
        assert_eq!(d(t), "Thanks Thanmai");
        // An address and a time without a quote after them are text.
        let t = "Call me at 10:30 or write to jan@x.pl:\nI am at home.";
        assert_eq!(d(t), t);
        // French, Spanish, Dutch, Swedish.
        let t = "Merci.\n\nLe 23 janv. 2015 à 22:03, Brendan <b@x.com> a écrit :\n\nBonjour!";
        assert_eq!(d(t), "Merci.");
        let t = "Gracias.\n\nEl mar, 1 jul 2025 a las 10:52, Soporte (<s@x.es>) escribió:\n\nHola";
        assert_eq!(d(t), "Gracias.");
        let t =
            "Lorem\n\nOp 13-02-2014 3:18 schreef Julius Caesar <pantheon@rome.com>:\n\nVeniam.\n";
        assert_eq!(d(t), "Lorem");
        let t = "Lorem\nDen 14 september, 2015 02:23:18, Valentino Rudy (valentino@rudy.be) skrev:\n\nVeniam.\n";
        assert_eq!(d(t), "Lorem");
        // Times with a dot: Finnish (`kirjoitti:`), Danish Apple Mail
        // (`Den ... skrev Ann <...>:`).
        let t = "Kiitos.\n\nma 2. maalisk. 2026 klo 9.00 Shop (shop@x.fi) kirjoitti:\n> Paketti on matkalla.";
        assert_eq!(d(t), "Kiitos.");
        let t =
            "Tak.\n\nDen man. 2. mar. 2026 kl. 09.00 skrev Shop <shop@x.dk>:\n> Pakken er på vej.";
        assert_eq!(d(t), "Tak.");
        // Chinese Gmail's, with a full-width colon; Japanese Gmail's.
        let t = "谢谢。\n\n在 2026年3月2日 周一 09:00，Shop <shop@x.cn> 写道：\n> 包裹在路上。";
        assert_eq!(d(t), "谢谢。");
        let t = "ありがとう。\n\n2026年3月2日(月) 9:00 Shop <shop@x.jp>:\n> 発送しました。";
        assert_eq!(d(t), "ありがとう。");
    }

    #[test]
    fn header_blocks_and_separators_in_other_languages() {
        let t = "Lorem ipsum\n\nDe : Brendan xxx [mailto:brendan@x.com]\nEnvoyé : vendredi 23 janvier 2015 16:39\nÀ : Camille\nObjet : Follow Up\n\nBlah";
        assert_eq!(d(t), "Lorem ipsum");
        let t = "Allo!\n\nFra: somebody@example.com\nSendt: 19. march 2011 12:10\nTil: Somebody\n\nBlah";
        assert_eq!(d(t), "Allo!");
        let t = "Allo!\nFrån: Anno Sportel [mailto:anno@x.com]\nSkickat: den 26 augusti 2015 14:45\nTill: Leiff\n\nBlah";
        assert_eq!(d(t), "Allo!");
        for title in [
            "Antwort Nachricht",
            "Oprindelig meddelelse",
            "Message d'origine",
            "Mensaje original",
            "Oorspronkelijk bericht",
        ] {
            let t = format!("Test reply\n\n-----{title}-----\n\nTest");
            assert_eq!(d(&t), "Test reply", "{title}");
        }
        // Russian and Ukrainian Outlook.
        let t = "Спасибо.\n\nОт: Alexander L\nОтправлено: четверг, 26 июня 2014 г. 15:05\nКому: Alex\n\nHello!";
        assert_eq!(d(t), "Спасибо.");
        let t = "Дякую.\n\n-----Оригінальне повідомлення-----\nВід: Shop\nНадіслано: 1 липня 2025\n\nHello!";
        assert_eq!(d(t), "Дякую.");
        let t = "Ок.\n\nОтправлено с iPhone\n";
        assert_eq!(d(t), "Ок.");
        // Dutch Outlook, and its "sent from" line.
        let t = "Bedankt.\n\nVan: Shop <shop@x.nl>\nVerzonden: maandag 2 maart 2026 09:00\nAan: Jan\n\nHallo";
        assert_eq!(d(t), "Bedankt.");
        let t = "Bedankt.\n\nVerstuurd vanaf mijn iPhone\n";
        assert_eq!(d(t), "Bedankt.");
        let t = "Obrigado.\n\nEnviado do meu iPhone\n";
        assert_eq!(d(t), "Obrigado.");
        // Chinese (simplified, with full-width colons; traditional),
        // Japanese and Korean Outlook.
        for block in [
            "发件人：Shop <shop@x.cn>\n发送时间：2026年3月2日 9:00\n收件人：Jan",
            "寄件者: Shop <shop@x.tw>\n寄件日期: 2026年3月2日 上午 09:00\n收件者: Jan",
            "差出人: Shop <shop@x.jp>\n送信日時: 2026年3月2日 9:00\n宛先: Jan",
            "보낸 사람: Shop <shop@x.kr>\n보낸 날짜: 2026년 3월 2일 월요일 오전 9:00\n받는 사람: Jan",
        ] {
            let t = format!("Thanks.\n\n{block}\n\nHello");
            assert_eq!(d(&t), "Thanks.", "{block}");
        }
        // A sentence that starts like a header field stays.
        let t = "Fra Angelico painted it.\nSendt it back.";
        assert_eq!(d(t), t);
        // Hotmail's block starts with the date.
        let t = "Hi. I am fine.\n\nDate: Thu, 26 Jun 2014 13:53:45 +0400\nSubject: Test message\nFrom: abc@example.com\nTo: alex@example.com\n\nHello!";
        assert_eq!(d(t), "Hi. I am fine.");
        // A delivery's date, origin and destination are no header block.
        let t = "Please change it.\n\nDate: 12 March\nFrom: Warsaw\nTo: Krakow";
        assert_eq!(d(t), t);
    }

    #[test]
    fn signature_delimiter() {
        let t = "Body text.\n\n-- \nJane Doe\nACME Corp\n";
        assert_eq!(d(t), "Body text.");
        let t = "Body text.\r\n--\r\nJane\r\n";
        assert_eq!(d(t), "Body text.");
    }

    #[test]
    fn trailing_quote_without_attribution() {
        let t = "Yes.\n\n> Do you want it?\n> Really?\n\n";
        assert_eq!(d(t), "Yes.");
    }

    #[test]
    fn inline_quotes_kept() {
        let t = "> Is it on?\nYes.\n> Is it plugged in?\nAlso yes.";
        assert_eq!(d(t), t);
    }

    #[test]
    fn every_marker_is_a_word_then_colon_or_space() {
        for m in super::line_markers() {
            // (A marker in another script starts with a byte above 127,
            // which no line skips the checks with.)
            if !m.is_ascii() {
                assert!(!m.as_bytes()[0].is_ascii(), "{m}");
                assert!(!super::first_word_starts_no_marker(m), "{m}");
                let text = format!("Hello\nthere\nyou\n{m}\nbye");
                assert!(
                    super::first_candidate(&text).is_some_and(|at| at <= 10),
                    "{m}"
                );
                continue;
            }
            let run = m.bytes().take_while(u8::is_ascii_alphanumeric).count();
            assert!(run >= 2, "{m}");
            assert!(matches!(m.as_bytes().get(run), Some(b':' | b' ')), "{m}");
            assert!(super::is_marker_word(&m.as_bytes()[..run]), "{m}");
            assert!(!super::first_word_starts_no_marker(m), "{m}");
        }
        assert!(super::first_word_starts_no_marker("Delivery is late"));
        assert!(!super::first_word_starts_no_marker("De: Ann"));
        assert!(!super::first_word_starts_no_marker("Wysłane z iPhone'a"));
    }

    #[test]
    fn split_lines_as_split() {
        for text in ["", "a", "a\n", "\n\n", "a\r\nb\rc\n\r\nżółw\n", "\r"] {
            let expected: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
            assert_eq!(super::split_lines(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_quote_after_many_blank_lines_still_follows_the_attribution() {
        // No date or address in the attribution: only the quote after it
        // (past several blank lines) makes it one.
        let t = "Thanks\n\nAnn wrote:\n\n\n\n\n\n> quoted\n";
        assert_eq!(d(t), "Thanks");
        assert_eq!(super::shown(t), super::shown_by_lines(t));
        let t = "Thanks\n\nAnn wrote:\n\n\n\n\n\nnot a quote\n";
        assert_eq!(super::shown(t), super::shown_by_lines(t));
    }

    #[test]
    fn marker_words_never_take_the_fast_path() {
        for word in super::MARKER_WORD_LIST {
            let word = String::from_utf8_lossy(word);
            for line in [
                format!("{word} x"),
                format!("{word}:"),
                word.to_uppercase(),
                format!("{}-x", word.to_uppercase()),
            ] {
                assert!(!super::first_word_starts_no_marker(&line), "{line}");
                // Nor do they pass the line scan's first-byte test.
                let text = format!("Hello\nthere\nyou\n{line}\nbye");
                assert!(
                    super::first_candidate(&text).is_some_and(|at| at <= 10),
                    "{line}"
                );
            }
        }
        for line in ["Delivery", "a", "I have", "x-y", "Frank", "sentence"] {
            assert!(super::first_word_starts_no_marker(line), "{line}");
        }
        assert_eq!(super::first_candidate("Hello\nthere\nyou\nall"), None);
    }

    proptest::proptest! {
        /// Any text: no panic, never emptied, and nothing shown that the
        /// text does not hold.
        #[test]
        fn any_text_is_trimmed_safely(text in "([a-zA-Zżé0-9 :>@*_\\-]{0,12}(\r?\n)?){0,40}") {
            let shown = d(&text);
            proptest::prop_assert_eq!(shown.is_empty(), text.trim().is_empty());
            for line in shown.lines().map(str::trim).filter(|l| !l.is_empty()) {
                proptest::prop_assert!(text.lines().any(|t| t.contains(line)), "{:?}", line);
            }
        }

        /// The kept stretch of the text is what joining the kept lines gives
        /// (text with `\r\n` line ends goes the joining way).
        #[test]
        fn stretch_is_the_joined_lines(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "Thanks", " ", "\n", "> ", "quoted", "On Mon, 2 Mar 2026 Ann <a@b.c> wrote:",
                "--", "\n\n", "From: x", "Sent: y", "ok", "   ", "*", "-----Original Message-----",
                "---------- Forwarded message ---------", "Begin forwarded message:", "Regards",
                "2011/4/7 Ann <a@b.c>",
            ]),
            0..40,
        )) {
            let text: String = parts.concat();
            let crlf = text.replace('\n', "\r\n");
            proptest::prop_assert_eq!(d(&text), d(&crlf).replace("\r\n", "\n"));
        }

        /// The fast path (skipping lines that cannot start a cut, no line
        /// list) gives what checking every line gives.
        #[test]
        fn fast_path_is_the_line_by_line_answer(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "Thanks", "a", "I", " ", "\t", "\n", "\n", "\n\n", "\n\n\n\n", "> ", ">", "quoted", ":",
                "On Mon, 2 Mar 2026 Ann <a@b.c> wrote:", "On Mon, 2 Mar 2026", "Ann wrote:",
                "W dniu 2.03.2026 Jan napisał(a):", "Am 2. März 2026 schrieb Jan <j@x.de>:",
                "Il giorno lun 2 mar 2026 Ann ha scritto:", "pt., 4 lip 2025 o 10:52", "2026",
                "--", "-- ", "\n-- \n", "From: x", "Od: x", "de:", "Sent: y", "Wysłano: y",
                "Sent from my iPhone", "Von meinem iPhone gesendet", "Gesendet von", "ok", "   ",
                "*", "*From:*", "-----Original Message-----", "_____", "żółw", "é", "e\u{301}",
                "sent-from", "get", "von", "x:", "wrote", "\u{a0}", "zł", "Zażółć", "Ok:", "ok-",
                "ok_", "Order 12", "x\u{301}", "Wysłane z", "On 2 Mar, Ann <a@b.c> wrote:-",
                "---------- Forwarded message ---------", "Begin forwarded message:", "--",
                "---- Ann wrote ----", "2014-10-17 11:28 Ann <a@b.c>:", "10:52", "@", "Regards",
                "De : Ann", "Envoyé : y", "Fra: x", "Sendt: y", "-----Message d'origine-----",
                "Date: d", "Subject: s", "DATE:", "Envoyé de mon iPhone", "Sendt fra min", "ENVIADO",
                "От: x", "Отправлено: y", "ОТ:", "-----Исходное сообщение-----", "Отправлено с",
                "2011/4/7 Ann <a@b.c>", "2011/4/7", " Ann <a@b.c>", "<a@b.c>", ">x",
            ]),
            0..60,
        )) {
            let text: String = parts.concat();
            proptest::prop_assert_eq!(super::shown(&text), super::shown_by_lines(&text));
            // Never emptied, and nothing in it that the text does not hold
            // (its parts are whole lines of the text, joined by blank lines).
            let shown = d(&text);
            proptest::prop_assert_eq!(shown.is_empty(), text.trim().is_empty());
            for line in shown.lines().map(str::trim).filter(|l| !l.is_empty()) {
                proptest::prop_assert!(text.lines().any(|t| t.contains(line)), "{:?}", line);
            }
        }
    }

    #[test]
    fn never_empty() {
        let t = "On Tue, Jul 1, 2025 at 10:52 AM Support <s@x.com> wrote:\n> only a quote\n";
        assert_eq!(d(t), t.trim());
        let t = "-----Original Message-----\nFrom: a\nSent: b\n\nforwarded text";
        assert_eq!(d(t), t.trim());
        assert_eq!(d(""), "");
        assert_eq!(d("  \n "), "");
        assert_eq!(d("> a\n> b"), "> a\n> b");
    }

    #[test]
    fn false_positives_avoided() {
        let t = "Here is what my colleague wrote:\nThe printer is broken.\nPlease help.";
        assert_eq!(d(t), t);
        let t = "From: the start it failed.\nIt never worked.";
        assert_eq!(d(t), t);
        let t = "He wrote 3 emails about this:\n- one\n- two";
        assert_eq!(d(t), t);
        let t = "Sent from home, the report is attached.";
        assert_eq!(d(t), t);
        let t = "Some -- dashes in text";
        assert_eq!(d(t), t);
    }
}
