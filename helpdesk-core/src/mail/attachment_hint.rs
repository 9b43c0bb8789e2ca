//! "Did the writer mention an attachment?" — for warnings such as
//! "the customer says a file is attached, but none arrived".

use super::text::fold;
use super::trim::cut_index;

/// Folded word prefixes that mention an attachment.
const PREFIXES: &[&str] = &[
    // en
    "attachment",
    "attached",
    "attaching",
    "enclosed",
    "enclosure",
    // pl: załącznik, załączam, w załączeniu, załączony, załączyłem...
    "zalacz",
    // cs: příloha, v příloze, přílohu, přiložený, přiložil...
    "priloh",
    "priloz",
    "prikladam",
    "prikladame",
    // it: allegato/a/i/e, in allegato, allego, alleghiamo, allegare
    "allegat",
    "allego",
    "alleghiam",
    "allegando",
    "allegare",
    // de: anbei, beigefügt, angehängt
    "anbei",
    "beigefugt",
    "angehangt",
    "beiliegend",
];

/// Folded whole words that mention an attachment (no prefix match, to
/// avoid e.g. German "Anhänger").
const WORDS: &[&str] = &["anhang", "anhangs", "anhange", "anlage", "anlagen"];

/// True when the text (outside quotes and below-the-cut history, see
/// [`crate::mail::display_text()`]) mentions an attachment in en, pl, cs,
/// it or de. Case- and diacritic-insensitive.
///
/// ```
/// use helpdesk_core::mail::mentions_attachment;
/// assert!(mentions_attachment("Please find the invoice attached."));
/// assert!(mentions_attachment("W załączniku przesyłam fakturę."));
/// assert!(!mentions_attachment("Thanks!\n\n> see the attachment"));
/// ```
pub fn mentions_attachment(text: &str) -> bool {
    let lines = super::trim::split_lines(text);
    let cut = cut_index(&lines).unwrap_or(lines.len());
    lines
        .get(..cut)
        .unwrap_or(&[])
        .iter()
        .filter(|l| !l.trim_start().starts_with('>'))
        .any(|l| line_mentions(l))
}

fn line_mentions(line: &str) -> bool {
    let folded = fold(line);
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|w| WORDS.contains(&w) || PREFIXES.iter().any(|p| w.starts_with(p)))
}

#[cfg(test)]
mod tests {
    use super::mentions_attachment as m;

    #[test]
    fn english() {
        assert!(m("Hi, please see the attachment."));
        assert!(m("I've ATTACHED the log file"));
        assert!(m("Enclosed you will find the invoice"));
        assert!(m("Two attachments: a and b"));
        assert!(!m("Please attach the log file."));
        assert!(!m("Thanks for your help"));
    }

    #[test]
    fn polish() {
        assert!(m("W załączniku przesyłam zrzut ekranu."));
        assert!(m("Załączam fakturę"));
        assert!(m("w załączeniu plik"));
        assert!(m("w zalaczniku bez polskich znakow"));
        assert!(m("Zalaczam"));
        assert!(!m("Dziękuję za pomoc"));
    }

    #[test]
    fn czech() {
        assert!(m("Posílám v příloze fakturu."));
        assert!(m("Příloha: screenshot.png"));
        assert!(m("Přikládám log."));
        assert!(m("viz prilozeny soubor"));
        assert!(!m("Děkuji za pomoc"));
    }

    #[test]
    fn italian() {
        assert!(m("In allegato la fattura."));
        assert!(m("Allego lo screenshot"));
        assert!(m("vedi file allegati"));
        assert!(!m("Bisogna alleggerire il carico"));
        assert!(!m("Grazie mille"));
    }

    #[test]
    fn german() {
        assert!(m("Im Anhang finden Sie die Rechnung."));
        assert!(m("Anbei das Protokoll"));
        assert!(m("Die Datei ist beigefügt."));
        assert!(m("Ich habe den Screenshot angehängt"));
        assert!(m("siehe Anlage"));
        assert!(!m("Der Anhänger ist kaputt"));
        assert!(!m("Vielen Dank"));
    }

    #[test]
    fn ignores_quotes_and_history() {
        assert!(!m("Thanks!\n> I attached the file\n"));
        assert!(!m(
            "Thanks!\n\nOn Tue, 1 Jul 2025 at 10:52, Support <s@x.com> wrote:\nSee the attachment\n"
        ));
        assert!(!m(
            "Danke\n\n-----Ursprüngliche Nachricht-----\nIm Anhang die Datei"
        ));
        assert!(!m("Ok\n-- \nAttachments are scanned for viruses"));
        assert!(!m(""));
    }
}
