//! The plain text of an HTML body, for mail that has no text part: the
//! lines a reader sees, so that reply trimming finds its markers line by
//! line and search finds every word.
//!
//! Block elements (`div`, `p`, table rows, list items, headings, ...) end a
//! line, `p` and headings also leave a blank line, table cells are set apart
//! by a space, `br` breaks the line; runs of white space collapse to one
//! space except in `pre`; `script`, `style`, `title` and the like are
//! dropped with their content, comments too; character references are
//! decoded (every named one HTML knows, wherever it stands in a word).
//! The lines of a quote (a `blockquote` that mail programs write for quoted
//! history: `type="cite"`, a class naming a quote, or a left border) start
//! with `> `, one `>` per level, as a plain-text reply quotes (a bare
//! `blockquote` quotes when it follows an attribution, as Yandex writes
//! it); a `blockquote` that only indents (Gmail's indent button) does not.
//! List items start with `- ` (`1. `, `2. `... in an ordered list; two
//! spaces more per level of nesting), and a link's address follows its
//! text in angle brackets, as mail programs write it in plain text
//! (`here <https://...>`; `mailto:` links give the address), unless the
//! text already shows it. An image with a description (`alt`) is written
//! `[image: description]`, as Gmail writes images in plain text.

use super::sanitize::{DROP_WITH_CONTENT, Markup, Tag, next_markup, skip_past_closing};

/// Elements that end a line, and after which a blank line follows.
const PARAGRAPHS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "hr",
];

/// Elements that end a line.
const BLOCKS: &[&str] = &[
    "div",
    "tr",
    "li",
    "table",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "address",
    "center",
    "caption",
    "figure",
    "figcaption",
    "form",
    "fieldset",
    "legend",
    "body",
    "html",
];

/// The text of `html` (see the module documentation): lines joined by
/// `\n`, no trailing white space on a line, at most one blank line in a
/// row, trimmed.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = Text {
        out: String::with_capacity(html.len() / 2),
        space: false,
        pre: 0,
        blockquotes: Vec::new(),
        quote: 0,
        lists: Vec::new(),
        links: Vec::new(),
        marker: None,
    };
    let mut rest = html;
    while let Some((text, markup, after)) = next_markup(rest) {
        out.push_text(text);
        rest = after;
        let tag = match markup {
            Markup::Skipped => continue,
            Markup::StrayLt => {
                out.push_text("<");
                continue;
            }
            Markup::Tag(tag) => tag,
        };
        let (name, closing) = (tag.name.as_ref(), tag.closing);
        if DROP_WITH_CONTENT.contains(&name) {
            if !closing && !tag.self_closing {
                rest = skip_past_closing(rest, name);
            }
            continue;
        }
        match name {
            "br" => out.force_break(),
            "blockquote" => {
                out.end_line(2);
                if closing {
                    if out.blockquotes.pop() == Some(true) {
                        out.quote = out.quote.saturating_sub(1);
                    }
                } else if !tag.self_closing {
                    let quote = is_quote(&tag) || (tag.is_bare() && out.after_attribution());
                    out.blockquotes.push(quote);
                    out.quote += usize::from(quote);
                }
            }
            "td" | "th" if !closing => out.space = true,
            "ul" | "ol" => {
                out.end_line(1);
                if closing {
                    out.lists.pop();
                } else if !tag.self_closing && out.lists.len() < MAX_LIST_DEPTH {
                    out.lists.push((name == "ol").then_some(1));
                }
            }
            "li" => {
                out.end_line(1);
                if !closing {
                    out.list_marker();
                }
            }
            "img" if !closing => out.image(tag.attr("alt")),
            "a" if closing => out.close_link(),
            "a" if !tag.self_closing => {
                let href = tag.attr("href").map(|h| h.trim().to_string());
                out.links.push((href, out.out.len()));
            }
            "pre" => {
                out.end_line(2);
                out.pre = if closing {
                    out.pre.saturating_sub(1)
                } else {
                    out.pre.saturating_add(1)
                };
            }
            _ if PARAGRAPHS.contains(&name) => out.end_line(2),
            _ if BLOCKS.contains(&name) => out.end_line(1),
            _ => {}
        }
    }
    out.push_text(rest);
    out.finish()
}

/// Whether the `blockquote` `tag` quotes history (rather than indents).
/// (A bare one quotes when it follows an attribution: see
/// [`Text::after_attribution`].)
fn is_quote(tag: &Tag<'_>) -> bool {
    let has = |name: &str, part: &str| {
        tag.attr(name)
            .is_some_and(|v| v.to_ascii_lowercase().contains(part))
    };
    has("type", "cite") || has("class", "quote") || has("style", "border-left")
}

/// The most `>` a quoted line starts with (deeper quotes get as many).
const MAX_QUOTE_MARKS: usize = 8;

/// The deepest list nesting kept (deeper lists are read as the deepest).
const MAX_LIST_DEPTH: usize = 8;

/// The longest image description written (longer `alt` texts are left
/// out).
const MAX_ALT_LEN: usize = 200;

/// The longest link address written after a link's text (longer ones,
/// tracking links mostly, are left out).
const MAX_LINK_LEN: usize = 300;

/// The text being written.
struct Text {
    out: String,
    /// White space seen since the last character written (written as one
    /// space before the next, unless a line starts there).
    space: bool,
    /// Depth of `pre` elements (white space kept).
    pre: usize,
    /// The open `blockquote`s: whether each quotes.
    blockquotes: Vec<bool>,
    /// How many of them quote.
    quote: usize,
    /// The open lists: `None` for an unordered one, else the number of its
    /// next item.
    lists: Vec<Option<u32>>,
    /// The open links: the address, and where the link's text starts in
    /// `out`.
    links: Vec<(Option<String>, usize)>,
    /// Where the list marker just written starts, until the item's text
    /// follows (an empty item's marker is taken back).
    marker: Option<usize>,
}

impl Text {
    /// Appends text from between tags: references decoded, white space
    /// collapsed (outside `pre`).
    fn push_text(&mut self, raw: &str) {
        let mut rest = raw;
        while !rest.is_empty() {
            let (plain, reference) = match rest.find('&') {
                Some(amp) => (rest.get(..amp).unwrap_or_default(), rest.get(amp..)),
                None => (rest, None),
            };
            for c in plain.chars() {
                self.push_char(c);
            }
            rest = match reference {
                Some(reference) => self.push_reference(reference),
                None => "",
            };
        }
    }

    /// Appends the character reference `s` starts with (`&...;`), or its
    /// `&` when it is none; returns what follows.
    fn push_reference<'a>(&mut self, s: &'a str) -> &'a str {
        let end = s
            .bytes()
            .take(34)
            .skip(1)
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'#'))
            .map(|n| n + 1);
        let decoded = match end {
            Some(end) if end > 1 && s.as_bytes().get(end) == Some(&b';') => {
                let mut one = String::new();
                let token = s.get(..=end).unwrap_or_default();
                // (mail-parser's table of every named reference; what it
                // does not know it gives back as written.)
                mail_parser::decoders::html::add_html_token(&mut one, token.as_bytes(), false);
                Some((one, end + 1))
            }
            _ => None,
        };
        match decoded {
            Some((text, len)) => {
                for c in text.chars() {
                    self.push_char(c);
                }
                s.get(len..).unwrap_or_default()
            }
            None => {
                self.push_char('&');
                s.get(1..).unwrap_or_default()
            }
        }
    }

    fn push_char(&mut self, c: char) {
        if self.pre > 0 {
            if c != '\r' {
                if c != '\n' {
                    self.quote_marks();
                }
                self.out.push(c);
            }
            return;
        }
        if c.is_whitespace() && c != '\u{a0}' {
            self.space = true;
            return;
        }
        if self.space && !self.at_line_start() && self.marker.is_none() {
            self.out.push(' ');
        }
        self.space = false;
        self.marker = None;
        self.quote_marks();
        self.out.push(c);
    }

    /// Whether the last line written ends with a colon and holds an address
    /// or a digit, as an attribution does (`26.06.2014, 14:41, "Ann"
    /// <ann@x.example>:`): a bare `blockquote` after it is the quote it
    /// introduces (Yandex's), not an indent.
    fn after_attribution(&self) -> bool {
        let last = self.out.trim_end().rsplit('\n').next().unwrap_or_default();
        last.ends_with(':') && last.contains(|c: char| c == '@' || c.is_ascii_digit())
    }

    /// A list item's start: `- `, or its number in an ordered list, after
    /// two spaces per level of nesting.
    fn list_marker(&mut self) {
        self.quote_marks();
        self.marker = Some(self.out.len());
        let depth = self.lists.len().max(1);
        for _ in 1..depth {
            self.out.push_str("  ");
        }
        match self.lists.last_mut() {
            Some(Some(n)) => {
                self.out.push_str(&n.to_string());
                self.out.push_str(". ");
                *n = n.saturating_add(1);
            }
            _ => self.out.push_str("- "),
        }
        self.space = false;
    }

    /// An image: `[image: ...]` with its description (its `alt` text), as
    /// Gmail writes images in plain text; nothing when it has none (spacers,
    /// tracking pixels: an empty `alt`, or no letter or digit in it).
    fn image(&mut self, alt: Option<&str>) {
        let Some(alt) = alt.map(str::trim).filter(|a| a.len() <= MAX_ALT_LEN) else {
            return;
        };
        let (len, space, marker) = (self.out.len(), self.space, self.marker);
        // (Set apart from the words around it.)
        self.space = true;
        self.push_text("[image: ");
        let start = self.out.len();
        self.push_text(alt);
        let described = self
            .out
            .get(start..)
            .is_some_and(|d| d.chars().any(char::is_alphanumeric));
        if described {
            self.push_char(']');
            self.space = true;
        } else {
            // (Taken back as if it had not been there.)
            self.out.truncate(len);
            (self.space, self.marker) = (space, marker);
        }
    }

    /// A link's end: its address after its text (see the module
    /// documentation), when it is a web or mail address the text does not
    /// show already.
    fn close_link(&mut self) {
        let Some((Some(href), start)) = self.links.pop() else {
            return;
        };
        let has_scheme = |scheme: &str| {
            href.get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        };
        let address = if has_scheme("mailto:") {
            // (`mailto:ann@x.example?subject=...`: the address.)
            let rest = href.get(7..).unwrap_or_default();
            rest.split('?').next().unwrap_or_default()
        } else if has_scheme("https://") || has_scheme("http://") {
            href.as_str()
        } else {
            return;
        };
        let text = self.out.get(start..).unwrap_or_default();
        if address.is_empty()
            || address.len() > MAX_LINK_LEN
            || address.contains(char::is_whitespace)
            || text.trim().is_empty()
            || text.contains(address.trim_end_matches('/'))
        {
            return;
        }
        self.push_char(' ');
        self.push_char('<');
        for c in address.chars() {
            self.push_char(c);
        }
        self.push_char('>');
    }

    /// At the start of a line inside a quote: its `>` marks and a space.
    fn quote_marks(&mut self) {
        if self.quote > 0 && self.at_line_start() {
            for _ in 0..self.quote.min(MAX_QUOTE_MARKS) {
                self.out.push('>');
            }
            self.out.push(' ');
        }
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    /// Ends the line, and leaves `lines - 1` blank lines after it (none at
    /// the start of the text).
    fn end_line(&mut self, lines: usize) {
        self.take_back_marker();
        self.trim_line_end();
        self.space = false;
        if self.out.is_empty() {
            return;
        }
        let have = self.out.len() - self.out.trim_end_matches('\n').len();
        for _ in have..lines {
            self.out.push('\n');
        }
    }

    /// `br`: a line break even at the start of a line.
    fn force_break(&mut self) {
        self.take_back_marker();
        self.trim_line_end();
        self.space = false;
        self.out.push('\n');
    }

    /// Takes back a list marker no text followed.
    fn take_back_marker(&mut self) {
        if let Some(start) = self.marker.take() {
            self.out.truncate(start);
        }
    }

    fn trim_line_end(&mut self) {
        let kept = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(kept);
    }

    /// The text: no trailing white space on a line, at most one blank
    /// line in a row, trimmed.
    fn finish(self) -> String {
        let mut text = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in self.out.split('\n') {
            let line = line.trim_end();
            if line.trim().is_empty() {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            text.push_str(line);
            text.push('\n');
        }
        text.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn blocks_end_lines() {
        assert_eq!(
            html_to_text("<div>line one</div><div>line two</div>"),
            "line one\nline two"
        );
        assert_eq!(
            html_to_text("<p>Hello,</p><p>it works.</p>"),
            "Hello,\n\nit works."
        );
        assert_eq!(html_to_text("a<br>b<br/><br />c"), "a\nb\n\nc");
        assert_eq!(
            html_to_text("<ul><li>one</li><li>two</li></ul>after"),
            "- one\n- two\nafter"
        );
    }

    #[test]
    fn list_items_are_marked_and_numbered() {
        assert_eq!(
            html_to_text(
                "<ol><li>First</li><li>Second<ul><li>a</li><li>b</li></ul></li><li>Third</li></ol>"
            ),
            "1. First\n2. Second\n  - a\n  - b\n3. Third"
        );
        // An item outside a list, and inside a quote; an empty item.
        assert_eq!(html_to_text("<li>loose</li>"), "- loose");
        assert_eq!(
            html_to_text("<ul><li></li><li> x</li><li><br></li></ul>"),
            "- x"
        );
        assert_eq!(
            html_to_text("<blockquote type=\"cite\"><ul><li>x</li></ul></blockquote>"),
            "> - x"
        );
    }

    #[test]
    fn link_addresses_follow_their_text() {
        assert_eq!(
            html_to_text("<p>Track it <a href=\"https://track.example/123\">here</a>.</p>"),
            "Track it here <https://track.example/123>."
        );
        assert_eq!(
            html_to_text("<a href=\"mailto:ann@x.example?subject=Hi\">Ann</a> wrote:"),
            "Ann <ann@x.example> wrote:"
        );
        // Not when the text shows it, nor for other schemes, empty text
        // (an image) or an address too long to read.
        for html in [
            "<a href=\"https://shop.example/\">https://shop.example</a>",
            "<a href=\"mailto:ann@x.example\">ann@x.example</a>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"cid:logo\">x</a>",
            "<a href=\"https://shop.example/\"><img src=\"cid:logo\"></a>",
        ] {
            assert!(
                !html_to_text(html).contains('<'),
                "{html}: {}",
                html_to_text(html)
            );
        }
        let long = format!(
            "<a href=\"https://t.example/{}\">Track</a>",
            "x".repeat(400)
        );
        assert_eq!(html_to_text(&long), "Track");
    }

    #[test]
    fn images_show_their_description() {
        // Gmail's plain-text form; references in the description decoded.
        assert_eq!(
            html_to_text(
                r#"<p>The lamp arrived broken:</p><img src="cid:ii_1" alt="IMG_2031.jpg"><p>Jan</p>"#
            ),
            "The lamp arrived broken:\n\n[image: IMG_2031.jpg]\n\nJan"
        );
        assert_eq!(
            html_to_text(r#"see<img alt=" Fish &amp; chips ">here"#),
            "see [image: Fish & chips] here"
        );
        // A linked image is the link's text.
        assert_eq!(
            html_to_text(r#"<a href="https://shop.example/track"><img alt="Track parcel"></a>"#),
            "[image: Track parcel] <https://shop.example/track>"
        );
        // Spacers and tracking pixels say nothing; nor does an empty list
        // item holding one.
        for html in [
            r#"a<img src="x.gif">b"#,
            r#"a<img alt="">b"#,
            r#"a<img alt=" &nbsp; ">b"#,
            r#"a<img alt="*">b"#,
        ] {
            assert_eq!(html_to_text(html), "ab", "{html}");
        }
        assert_eq!(
            html_to_text(r#"<ul><li><img alt=""></li><li>x</li></ul>"#),
            "- x"
        );
        let long = format!(r#"<img alt="{}">"#, "x".repeat(201));
        assert_eq!(html_to_text(&long), "");
    }

    #[test]
    fn quotes_are_marked_and_indents_are_not() {
        // Gmail's quote, nested in Apple Mail's.
        let html = r#"<div>Fine, thanks.</div><div class="gmail_quote">On Tue, Ann wrote:<br><blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid">How are you?<br><blockquote type="cite"><p>Hi</p><p>there</p></blockquote></blockquote></div>"#;
        assert_eq!(
            html_to_text(html),
            "Fine, thanks.\nOn Tue, Ann wrote:\n\n> How are you?\n\n>> Hi\n\n>> there"
        );
        // Gmail's indent button writes a blockquote without a border.
        let html = r#"<div>Steps:</div><blockquote style="margin:0 0 0 40px;border:none;padding:0px"><div>restart it</div></blockquote><div>Jan</div>"#;
        assert_eq!(html_to_text(html), "Steps:\n\nrestart it\n\nJan");
        // A bare blockquote after an attribution quotes (Yandex); after
        // other text it indents.
        let html = r#"<p>Fine.<br><br>26.06.2014, 14:41, "Ann" &lt;ann@x.example&gt;:</p><blockquote> Hello!<br>Ann</blockquote>"#;
        assert_eq!(
            html_to_text(html),
            "Fine.\n\n26.06.2014, 14:41, \"Ann\" <ann@x.example>:\n\n> Hello!\n> Ann"
        );
        let html = "<p>Do this:</p><blockquote>restart it</blockquote>";
        assert_eq!(html_to_text(html), "Do this:\n\nrestart it");
        // Quoted preformatted lines are marked one by one.
        let html = "<blockquote type=cite><pre>a\n  b\n</pre></blockquote>after";
        assert_eq!(html_to_text(html), "> a\n>   b\n\nafter");
        // Deep quotes get at most eight marks; an unclosed one ends with
        // the text.
        let html = format!("{}x", "<blockquote type=cite>".repeat(20));
        assert_eq!(html_to_text(&html), ">>>>>>>> x");
    }

    #[test]
    fn table_cells_are_set_apart() {
        let html = "<table><tr><td>Von:</td><td>Ann &lt;ann@example.com&gt;</td></tr>\
                    <tr><td>Gesendet:</td><td>Dienstag</td></tr></table>";
        assert_eq!(
            html_to_text(html),
            "Von: Ann <ann@example.com>\nGesendet: Dienstag"
        );
    }

    #[test]
    fn white_space_collapses_except_in_pre() {
        assert_eq!(html_to_text("  a \r\n  b\t\tc  "), "a b c");
        assert_eq!(
            html_to_text("x<pre>  a\n    b</pre>y"),
            "x\n\n  a\n    b\n\ny"
        );
    }

    #[test]
    fn references_are_decoded_inside_words() {
        assert_eq!(
            html_to_text("Gr&uuml;&szlig;e &amp; Dank, 5&nbsp;&euro; &#x41;&#66; AT&T &bogus; &"),
            "Grüße & Dank, 5\u{a0}€ AB AT&T &bogus; &"
        );
    }

    #[test]
    fn hidden_content_and_comments_are_dropped() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
                    <body><!-- note --><script>alert(1)</script><p>Visible</p></body></html>";
        assert_eq!(html_to_text(html), "Visible");
    }

    #[test]
    fn stray_angle_brackets_and_broken_tags() {
        assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(html_to_text("text <b unterminated"), "text");
        assert_eq!(html_to_text(""), "");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Any input gives text without trailing white space on a line and
        /// without two blank lines in a row, never panicking.
        #[test]
        fn any_input_gives_tidy_text(s in "(<[/a-zA-Z!?-]{0,6}[^>]{0,8}>?|&[#a-z0-9]{0,6};?|[ \\t\\n\\r]{1,3}|[a-zü€]{1,5}){0,40}") {
            let text = html_to_text(&s);
            proptest::prop_assert_eq!(text.trim(), text.as_str());
            proptest::prop_assert!(!text.contains("\n\n\n"));
            for line in text.split('\n') {
                proptest::prop_assert_eq!(line.trim_end(), line);
            }
        }

        /// Quotes only add their marks: the same HTML with its quotes made
        /// indents gives the same text but for `>` and white space; and the
        /// text stays tidy.
        #[test]
        fn quote_marks_are_all_quotes_add(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "<blockquote type=cite>", "<blockquote class=\"gmail_quote\">", "<blockquote>",
                "</blockquote>", "<pre>", "</pre>", "<br>", "<p>", "</p>", "<div>", "word", "two words",
                " ", "\n", "  \n ", "\t", "&amp;", "<blockquote type=cite/>",
            ]),
            0..40,
        )) {
            let html: String = parts.concat();
            let text = html_to_text(&html);
            proptest::prop_assert_eq!(text.trim(), text.as_str());
            proptest::prop_assert!(!text.contains("\n\n\n"));
            for line in text.split('\n') {
                proptest::prop_assert_eq!(line.trim_end(), line);
            }
            let plain = html_to_text(
                &html.replace(" type=cite", "").replace(" class=\"gmail_quote\"", ""),
            );
            let bare = |s: &str| s.chars().filter(|c| *c != '>' && !c.is_whitespace()).collect::<String>();
            proptest::prop_assert_eq!(bare(&text), bare(&plain));
        }
    }
}
