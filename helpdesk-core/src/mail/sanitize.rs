//! A small allow-by-default HTML sanitiser for inbound mail bodies.
//!
//! Every tag is re-serialised from its parsed name and attributes, so
//! malformed markup cannot smuggle anything through; text between tags is
//! copied, with stray `<` escaped. Removed:
//!
//! * elements *with their content*: `script`, `style`, `iframe`, `object`,
//!   `applet`, `noscript`, `noembed`, `noframes`, `frameset`, `template`,
//!   `svg`, `math`, `xmp`, `title`;
//! * tags only (content kept): `head`, `embed`, `frame`, `base`, `link`, `meta`,
//!   `param`, `form`, `input`, `button`, `select`, `option`, `textarea`;
//! * tags only (content kept) of custom elements (names with `-`) and of
//!   names that start like an element removed with its content
//!   (`<script->`, `<scriptx>`);
//! * comments, doctypes, processing instructions, CDATA;
//! * attributes named `on*`, `srcdoc`, `formaction`, `action`, `ping`,
//!   `http-equiv`, `srcset`, and any with an unusual name;
//! * URL attributes whose scheme is not `http`, `https`, `mailto`, `tel`,
//!   `cid` (or `data:image/…` raster images on `src`) — this removes
//!   `javascript:`, `vbscript:` and friends, also when entity-encoded or
//!   broken up with whitespace;
//! * `style` attributes containing `expression(`, `javascript:`,
//!   `vbscript:`, `-moz-binding`, `behavior` or `@import`.

use std::borrow::Cow;

pub(super) const DROP_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "applet", "noscript", "noembed", "noframes", "frameset",
    "template", "svg", "math", "xmp", "title",
];
const DROP_TAG: &[&str] = &[
    "head", "embed", "frame", "base", "link", "meta", "param", "form", "input", "button", "select",
    "option", "textarea",
];
const DROP_ATTR: &[&str] = &[
    "srcdoc",
    "formaction",
    "action",
    "ping",
    "http-equiv",
    "srcset",
];
const URL_ATTR: &[&str] = &[
    "href",
    "src",
    "background",
    "lowsrc",
    "dynsrc",
    "poster",
    "cite",
    "longdesc",
    "usemap",
    "data",
    "codebase",
    "xlink:href",
    "manifest",
    "icon",
];

pub(super) struct Tag<'a> {
    /// Lower-case (ASCII); borrowed from the input when it was already.
    pub(super) name: Cow<'a, str>,
    pub(super) closing: bool,
    pub(super) self_closing: bool,
    attrs: Vec<(Cow<'a, str>, Option<String>)>,
}

impl Tag<'_> {
    /// Whether the tag has no attribute at all.
    pub(super) fn is_bare(&self) -> bool {
        self.attrs.is_empty()
    }

    /// The value of the attribute `name` (lower-case), when the tag has it
    /// with a value.
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// `s` with ASCII letters lower-cased, borrowed when it has no upper-case
/// ASCII letter.
fn ascii_lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Removes active content from an HTML fragment or document.
///
/// Not a full HTML5 parser: it is a conservative filter meant for display of
/// inbound mail in a sandboxed frame. See the module documentation for what
/// is removed.
///
/// ```
/// let clean = helpdesk_core::mail::sanitize_html(
///     r#"<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">link</a></p>"#,
/// );
/// assert_eq!(clean, "<p>Hi <a>link</a></p>");
/// ```
pub fn sanitize_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some((text, markup, after)) = next_markup(rest) {
        out.push_str(text);
        rest = after;
        let tag = match markup {
            Markup::Skipped => continue,
            Markup::StrayLt => {
                out.push_str("&lt;");
                continue;
            }
            Markup::Tag(tag) => tag,
        };
        if !tag
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            continue;
        }
        if DROP_WITH_CONTENT.contains(&tag.name.as_ref()) {
            // `<svg/>` and `<math/>` (foreign elements) really are empty.
            let foreign_empty = tag.self_closing && matches!(tag.name.as_ref(), "svg" | "math");
            if !tag.closing && !foreign_empty {
                rest = skip_past_closing(rest, &tag.name);
            }
            continue;
        }
        if DROP_TAG.contains(&tag.name.as_ref()) {
            continue;
        }
        // Custom elements (`<x-widget>`) have no place in mail, and names
        // that merely start like a dropped element (`<script->`,
        // `<scriptx>`) are dropped too rather than trusted to be harmless.
        if tag.name.contains('-')
            || DROP_WITH_CONTENT
                .iter()
                .any(|d| tag.name.starts_with(d) && tag.name.len() > d.len())
        {
            continue;
        }
        emit_tag(&tag, &mut out);
    }
    out.push_str(rest);
    out
}

/// What starts at a `<` of HTML (see [`next_markup`]).
pub(super) enum Markup<'a> {
    /// A comment, doctype, processing instruction or CDATA, or an
    /// unterminated tag (which takes the rest of the input): nothing to
    /// keep.
    Skipped,
    /// A `<` that starts no tag: text.
    StrayLt,
    /// A tag.
    Tag(Tag<'a>),
}

/// `input` split at its next `<`: the text before it, the markup there, and
/// the input after that markup; `None` when no `<` is left. (The one
/// tokenizer of the sanitiser and of [`super::html_text`].)
pub(super) fn next_markup(input: &str) -> Option<(&str, Markup<'_>, &str)> {
    let lt = input.find('<')?;
    let text = input.get(..lt).unwrap_or_default();
    let after = input.get(lt + 1..).unwrap_or_default();
    if let Some(body) = after.strip_prefix("!--") {
        let rest = body
            .find("-->")
            .map_or("", |e| body.get(e + 3..).unwrap_or(""));
        return Some((text, Markup::Skipped, rest));
    }
    if after.starts_with(['!', '?']) {
        let rest = after
            .find('>')
            .map_or("", |e| after.get(e + 1..).unwrap_or(""));
        return Some((text, Markup::Skipped, rest));
    }
    let (closing, name_start) = match after.strip_prefix('/') {
        Some(n) => (true, n),
        None => (false, after),
    };
    if !name_start.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some((text, Markup::StrayLt, after));
    }
    Some(match parse_tag(name_start, closing) {
        Some((tag, rest)) => (text, Markup::Tag(tag), rest),
        None => (text, Markup::Skipped, ""),
    })
}

/// Returns the input after `</name ...>` (ASCII case-insensitive), or `""`.
/// (Looks at each `<` once and copies nothing: a mail of many `<style>`
/// elements costs no more than its length.)
pub(super) fn skip_past_closing<'a>(input: &'a str, name: &str) -> &'a str {
    let bytes = input.as_bytes();
    for lt in memchr::memchr_iter(b'<', bytes) {
        let name_start = lt + 2;
        let closes = bytes.get(lt + 1) == Some(&b'/')
            && bytes
                .get(name_start..name_start + name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()));
        // "</scripty" is not the end of "script".
        let start = name_start + name.len();
        if closes
            && bytes
                .get(start)
                .is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'-'))
        {
            return match input.get(start..).and_then(|s| s.find('>')) {
                Some(e) => input.get(start + e + 1..).unwrap_or(""),
                None => "",
            };
        }
    }
    ""
}

/// Parses a tag starting right after `<` or `</`. Returns the tag and the
/// input after its closing `>`, or `None` when the tag is unterminated.
fn parse_tag(s: &str, closing: bool) -> Option<(Tag<'_>, &str)> {
    let mut chars = s.char_indices().peekable();
    // The name runs to the first white space, `/` or `>`.
    let mut end = s.len();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() || c == '/' || c == '>' {
            end = i;
            break;
        }
        chars.next();
    }
    let name = ascii_lower(s.get(..end).unwrap_or_default());
    let mut attrs = Vec::new();
    loop {
        // Skip separators.
        while chars
            .peek()
            .is_some_and(|&(_, c)| c.is_whitespace() || c == '/')
        {
            chars.next();
        }
        let &(i, c) = chars.peek()?;
        if c == '>' {
            let self_closing = s.get(..i).is_some_and(|h| h.trim_end().ends_with('/'));
            let tag = Tag {
                name,
                closing,
                self_closing,
                attrs,
            };
            return Some((tag, s.get(i + 1..).unwrap_or("")));
        }
        // The attribute name runs to white space, `/`, `>` or (after its
        // first character) `=`.
        let start = i;
        let mut end = s.len();
        while let Some(&(j, c)) = chars.peek() {
            if c.is_whitespace() || c == '/' || c == '>' || (c == '=' && j > start) {
                end = j;
                break;
            }
            chars.next();
        }
        let attr_name = ascii_lower(s.get(start..end).unwrap_or_default());
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = None;
        if chars.peek().is_some_and(|&(_, c)| c == '=') {
            chars.next();
            while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
                chars.next();
            }
            let mut v = String::new();
            match chars.peek().map(|&(_, c)| c) {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    loop {
                        let (_, c) = chars.next()?;
                        if c == q {
                            break;
                        }
                        v.push(c);
                    }
                }
                _ => {
                    while let Some(&(_, c)) = chars.peek() {
                        if c.is_whitespace() || c == '>' {
                            break;
                        }
                        v.push(c);
                        chars.next();
                    }
                }
            }
            value = Some(decode_entities(&v));
        }
        attrs.push((attr_name, value));
    }
}

fn valid_attr_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

fn attr_allowed(name: &str, value: Option<&str>) -> bool {
    if !valid_attr_name(name) || name.starts_with("on") || DROP_ATTR.contains(&name) {
        return false;
    }
    let Some(value) = value else {
        return true;
    };
    if URL_ATTR.contains(&name) {
        return url_allowed(name, value);
    }
    if name == "style" {
        let squashed: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\\' && !c.is_control())
            .flat_map(char::to_lowercase)
            .collect();
        let bad = [
            "expression(",
            "javascript:",
            "vbscript:",
            "-moz-binding",
            "behavior",
            "@import",
            "/*",
        ];
        return !bad.iter().any(|b| squashed.contains(b));
    }
    true
}

fn url_allowed(attr: &str, value: &str) -> bool {
    // Browsers ignore tabs/newlines anywhere in URLs and C0/space at the ends.
    let squashed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let Some(colon) = squashed.find(':') else {
        return true; // relative
    };
    let before = squashed.get(..colon).unwrap_or("");
    if before.contains(['/', '?', '#']) {
        return true; // relative path containing a colon later on
    }
    let scheme = before.to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" | "mailto" | "tel" | "cid" => true,
        "data" => {
            let lower = squashed.to_ascii_lowercase();
            attr == "src"
                && [
                    "data:image/png",
                    "data:image/gif",
                    "data:image/jpeg",
                    "data:image/jpg",
                    "data:image/webp",
                ]
                .iter()
                .any(|p| lower.starts_with(p))
        }
        _ => false,
    }
}

fn emit_tag(tag: &Tag, out: &mut String) {
    out.push('<');
    if tag.closing {
        out.push('/');
        out.push_str(&tag.name);
        out.push('>');
        return;
    }
    out.push_str(&tag.name);
    for (name, value) in &tag.attrs {
        if !attr_allowed(name, value.as_deref()) {
            continue;
        }
        out.push(' ');
        out.push_str(name);
        if let Some(v) = value {
            out.push_str("=\"");
            escape_attr(v, out);
            out.push('"');
        }
    }
    out.push('>');
}

/// Appends `v` to `out` escaped for HTML (an attribute value or text).
pub(crate) fn escape_attr(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Decodes numeric character references and a few named ones. What is not
/// decoded stays literal (and is later escaped), so the check always runs on
/// exactly the value the browser will see.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let after = rest.get(amp + 1..).unwrap_or("");
        if let Some(num) = after.strip_prefix('#') {
            let (hex, digits_src) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (true, h),
                None => (false, num),
            };
            let len = digits_src
                .chars()
                .take_while(|c| {
                    if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .count();
            if len > 0 {
                let digits = digits_src.get(..len).unwrap_or("");
                let code = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok();
                let ch = code
                    .and_then(char::from_u32)
                    .filter(|c| *c != '\0')
                    .unwrap_or('\u{FFFD}');
                out.push(ch);
                let consumed = (num.len() - digits_src.len()) + len;
                let mut tail = num.get(consumed..).unwrap_or("");
                if let Some(t) = tail.strip_prefix(';') {
                    tail = t;
                }
                rest = tail;
                continue;
            }
        } else {
            let named = [
                ("amp;", '&'),
                ("lt;", '<'),
                ("gt;", '>'),
                ("quot;", '"'),
                ("apos;", '\''),
                ("nbsp;", '\u{a0}'),
                ("colon;", ':'),
                ("tab;", '\t'),
                ("newline;", '\n'),
                ("sol;", '/'),
                ("lpar;", '('),
                ("rpar;", ')'),
                ("period;", '.'),
                ("num;", '#'),
                ("amp", '&'),
                ("lt", '<'),
                ("gt", '>'),
                ("quot", '"'),
            ];
            let lower: String = after
                .chars()
                .take(8)
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some((n, c)) = named.iter().find(|(n, _)| lower.starts_with(n)) {
                out.push(*c);
                rest = after.get(n.len()..).unwrap_or("");
                continue;
            }
        }
        out.push('&');
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod lookalike_tests {
    use super::{sanitize_html, skip_past_closing};

    /// [`skip_past_closing`] as first written: a lower-cased copy of the
    /// input searched for `</name`.
    fn skip_by_copy<'a>(input: &'a str, name: &str) -> &'a str {
        let needle = format!("</{name}");
        let lower = input.to_ascii_lowercase();
        let mut from = 0;
        while let Some(pos) = lower.get(from..).and_then(|s| s.find(&needle)) {
            let start = from + pos + needle.len();
            let next = lower.get(start..).and_then(|s| s.chars().next());
            if next.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-')) {
                return match input.get(start..).and_then(|s| s.find('>')) {
                    Some(e) => input.get(start + e + 1..).unwrap_or(""),
                    None => "",
                };
            }
            from = start;
        }
        ""
    }

    proptest::proptest! {
        #[test]
        fn skipping_is_the_copying_search(
            input in "([<>/ a-zé-]|</?(style|STYLE|Style|styles|style-|script)[ >]?){0,30}",
            name in proptest::sample::select(vec!["style", "script", "svg"]),
        ) {
            proptest::prop_assert_eq!(skip_past_closing(&input, name), skip_by_copy(&input, name));
        }
    }

    /// Tag and attribute names come out lower-case (taken as they are
    /// when they already are), and upper-case `on*` handlers go too.
    #[test]
    fn names_are_lower_cased() {
        assert_eq!(
            sanitize_html(
                r#"<P CLASS="x" OnClick="y">Hi</P><br/><SCRIPT>z</SCRIPT><b title=t>B</b>"#
            ),
            r#"<p class="x">Hi</p><br><b title="t">B</b>"#
        );
    }

    #[test]
    fn lookalike_and_custom_tags_are_dropped() {
        let out = sanitize_html("<p>a</p><script->alert(1)<scriptx>b</scriptx><x-y>c</x-y>");
        assert!(!out.to_ascii_lowercase().contains("<script"), "{out}");
        assert!(!out.contains("<x-y"), "{out}");
        assert!(out.contains("<p>a</p>"));
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize_html as s;

    #[test]
    fn keeps_ordinary_markup() {
        let html = r#"<div class="x" style="color:red"><p>Hello <b>world</b> &amp; <a href="https://example.com/?a=1&amp;b=2" title='t'>link</a></p><img src="cid:img1@x" alt="logo"><br/></div>"#;
        assert_eq!(
            s(html),
            r#"<div class="x" style="color:red"><p>Hello <b>world</b> &amp; <a href="https://example.com/?a=1&amp;b=2" title="t">link</a></p><img src="cid:img1@x" alt="logo"><br></div>"#
        );
    }

    #[test]
    fn strips_dangerous_elements_with_content() {
        for tag in ["script", "style", "iframe", "object", "noscript", "svg"] {
            let out = s(&format!("a<{tag} x=1>evil()</{tag}>b"));
            assert_eq!(out, "ab", "{tag}");
            let out = s(&format!("a<{} x=1>evil()</{} >b", tag.to_uppercase(), tag));
            assert_eq!(out, "ab", "{tag}");
        }
        assert_eq!(s("a<script>unterminated"), "a");
        assert_eq!(s("<script>x</scripty>y</script>z"), "z");
        assert_eq!(s("a<embed src=x.swf>b"), "ab");
    }

    #[test]
    fn strips_event_handlers_and_js_urls() {
        assert_eq!(s(r#"<img src=x onerror=alert(1)>"#), r#"<img src="x">"#);
        assert_eq!(s(r#"<a/onmouseover="x">t</a>"#), "<a>t</a>");
        assert_eq!(s(r#"<a href=" JaVaScRiPt:alert(1)">t</a>"#), "<a>t</a>");
        assert_eq!(s("<a href=\"java\tscript:alert(1)\">t</a>"), "<a>t</a>");
        assert_eq!(
            s(r#"<a href="&#106;avascript&colon;alert(1)">t</a>"#),
            "<a>t</a>"
        );
        assert_eq!(s(r#"<a href="&#x6A;avascript:alert(1)">t</a>"#), "<a>t</a>");
        assert_eq!(s(r#"<a href="&#106avascript:alert(1)">t</a>"#), "<a>t</a>");
        assert_eq!(s(r#"<a href="vbscript:x">t</a>"#), "<a>t</a>");
        assert_eq!(s(r#"<a href="data:text/html,<script>">t</a>"#), "<a>t</a>");
        assert_eq!(
            s(r#"<img src="data:image/png;base64,AAAA">"#),
            r#"<img src="data:image/png;base64,AAAA">"#
        );
        assert_eq!(
            s(r#"<a href="/rel:ative">t</a>"#),
            r#"<a href="/rel:ative">t</a>"#
        );
        assert_eq!(
            s(r#"<div style="width: expression(alert(1))">x</div>"#),
            "<div>x</div>"
        );
        assert_eq!(
            s(r#"<iframe srcdoc="<script>x</script>"></iframe>ok"#),
            "ok"
        );
        assert_eq!(
            s(r#"<form action="https://evil"><input name=p>t</form>"#),
            "t"
        );
    }

    #[test]
    fn malformed_input() {
        assert_eq!(s("1 < 2 and 3 > 2"), "1 &lt; 2 and 3 > 2");
        assert_eq!(s("<!-- <script>x</script> -->ok"), "ok");
        assert_eq!(s("<!DOCTYPE html><html>x</html>"), "<html>x</html>");
        assert_eq!(s("<a href=\"x"), "");
        assert_eq!(s("<!-- unterminated"), "");
        assert_eq!(s("<p title=\"a>b\">c</p>"), "<p title=\"a&gt;b\">c</p>");
        assert_eq!(s("<p \"onclick\"=x>c"), "<p>c");
        assert_eq!(s("<ſcript>x"), "&lt;ſcript>x");
        assert_eq!(s("tail <"), "tail &lt;");
        assert_eq!(s("<p>żółć €</p>"), "<p>żółć €</p>");
        assert_eq!(s("a<svg/>b<svg><script>x</script></svg>c"), "abc");
        assert_eq!(s("a<script/>x</script>b"), "ab");
        // The head end tag is optional in HTML5.
        assert_eq!(
            s(
                "<html><head><meta charset=utf-8><title>T</title><style>p{}</style><body>Hi</body></html>"
            ),
            "<html><body>Hi</body></html>"
        );
    }
}
