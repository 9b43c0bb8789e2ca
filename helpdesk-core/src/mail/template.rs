//! Rendering autoresponder templates (minijinja syntax).
//!
//! Templates are compiled once and kept (a workspace renders the same few
//! for every autoresponse). Most of them use nothing but text, `{{ name }}`
//! and `{% if name %}...{% endif %}` over the string variables we pass:
//! those are rendered by a small interpreter of their own, with exactly
//! minijinja's output (a property test compares the two); anything else goes
//! to minijinja.

use super::MailError;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Renders a template with `vars` (minijinja syntax; undefined variables
/// render empty). A broken template is [`MailError::InvalidDraft`].
///
/// ```
/// use helpdesk_core::mail::render_template;
/// let vars = [("ticket_number", "42".to_string())].into_iter().collect();
/// assert_eq!(render_template("Ticket #{{ ticket_number }}", &vars).unwrap(), "Ticket #42");
/// ```
pub fn render_template(template: &str, vars: &BTreeMap<&str, String>) -> Result<String, MailError> {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    render_vars(template, &vars)
}

/// [`render_template`] over `(name, value)` pairs.
pub(crate) fn render_vars(template: &str, vars: &[(&str, &str)]) -> Result<String, MailError> {
    match simple(template) {
        Some(nodes) => {
            let mut out = String::with_capacity(template.len() + 64);
            render_nodes(&nodes, vars, &mut out);
            Ok(out)
        }
        None => render_minijinja(template, vars),
    }
}

/// A template in the simple form, or `None` when it is not.
type Simple = Option<Arc<Vec<Node>>>;

/// One piece of a simple template.
#[derive(Debug)]
enum Node {
    /// Literal text.
    Text(String),
    /// `{{ name }}`.
    Var(String),
    /// `{% if name %}` ... `{% endif %}`.
    If(String, Vec<Node>),
}

fn render_nodes(nodes: &[Node], vars: &[(&str, &str)], out: &mut String) {
    let value = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| *v)
    };
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Var(name) => out.push_str(value(name)),
            Node::If(name, body) => {
                if !value(name).is_empty() {
                    render_nodes(body, vars, out);
                }
            }
        }
    }
}

/// The simple form of `template` (compiled once, kept), or `None` when it
/// uses anything beyond text, `{{ name }}` and `{% if name %}` /
/// `{% endif %}`.
fn simple(template: &str) -> Simple {
    static SIMPLE: OnceLock<Mutex<HashMap<String, Simple>>> = OnceLock::new();
    let mut cache = SIMPLE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = cache.get(template) {
        return found.clone();
    }
    if cache.len() >= CACHED_TEMPLATES {
        cache.clear();
    }
    let compiled = compile_simple(template).map(Arc::new);
    cache.insert(template.to_string(), compiled.clone());
    compiled
}

/// Whether `name` is an identifier minijinja looks up as a variable (not a
/// literal such as `true` or `none`, nor an operator keyword).
fn is_variable(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            name,
            "true"
                | "false"
                | "none"
                | "True"
                | "False"
                | "None"
                | "and"
                | "or"
                | "not"
                | "in"
                | "is"
                | "if"
                | "else"
                | "loop"
                | "self"
                | "super"
        )
}

fn compile_simple(template: &str) -> Option<Vec<Node>> {
    // minijinja drops one trailing newline (`keep_trailing_newline` is off).
    let source = template.strip_suffix('\n').unwrap_or(template);
    let source = source.strip_suffix('\r').unwrap_or(source);
    // Stack of open `if`s: (name, the nodes before it).
    let mut stack: Vec<(String, Vec<Node>)> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut rest = source;
    while !rest.is_empty() {
        let next = ["{{", "{%", "{#"].iter().filter_map(|m| rest.find(m)).min();
        let Some(start) = next else {
            nodes.push(Node::Text(rest.to_string()));
            break;
        };
        let (text, tail) = rest.split_at(start);
        let kind = tail.get(..2).unwrap_or("");
        if kind == "{#" {
            return None; // comments: minijinja's
        }
        if !text.is_empty() {
            nodes.push(Node::Text(text.to_string()));
        }
        let close = if kind == "{{" { "}}" } else { "%}" };
        let end = tail.find(close)?;
        let inner = tail.get(2..end)?;
        rest = tail.get(end + 2..)?;
        // Whitespace control (`{{-`, `-%}`, `{%+` ...) is minijinja's.
        if inner.starts_with(['-', '+']) || inner.ends_with(['-', '+']) {
            return None;
        }
        let inner = inner.trim();
        if kind == "{{" {
            if !is_variable(inner) {
                return None;
            }
            nodes.push(Node::Var(inner.to_string()));
        } else if let Some(name) = inner.strip_prefix("if ") {
            let name = name.trim();
            if !is_variable(name) {
                return None;
            }
            stack.push((name.to_string(), std::mem::take(&mut nodes)));
        } else if inner == "endif" {
            let (name, before) = stack.pop()?;
            let body = std::mem::replace(&mut nodes, before);
            nodes.push(Node::If(name, body));
        } else {
            return None;
        }
    }
    stack.is_empty().then_some(nodes)
}

/// Renders with minijinja (compiled templates kept, named by source).
fn render_minijinja(template: &str, vars: &[(&str, &str)]) -> Result<String, MailError> {
    let failed = |e: minijinja::Error| MailError::InvalidDraft(format!("template: {e}"));
    let vars: minijinja::Value = vars
        .iter()
        .map(|(k, v)| (*k, minijinja::Value::from(*v)))
        .collect();
    let mut cache = TEMPLATES
        .get_or_init(|| Mutex::new(template_env()))
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Ok(t) = cache.get_template(template) {
        return t.render(&vars).map_err(failed);
    }
    if cache.templates().count() >= CACHED_TEMPLATES {
        *cache = template_env();
    }
    cache
        .add_template_owned(template.to_string(), template.to_string())
        .map_err(failed)?;
    cache
        .get_template(template)
        .and_then(|t| t.render(&vars))
        .map_err(failed)
}

/// An environment for plain-text templates. Templates are named by their
/// source, so the default escaping by file extension (a source ending in
/// `.html`) is turned off: rendering is the same as `render_str`'s.
fn template_env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// How many compiled templates each cache keeps.
const CACHED_TEMPLATES: usize = 64;

/// The templates compiled by minijinja, named by their source.
static TEMPLATES: OnceLock<Mutex<minijinja::Environment<'static>>> = OnceLock::new();

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vars() -> Vec<(&'static str, &'static str)> {
        vec![
            ("a", "Ann"),
            ("b", ""),
            ("subject", "Lamp {{ x }} {% if %}"),
        ]
    }

    #[test]
    fn simple_templates_are_ours() {
        assert!(simple("Re: {{ subject }} [#{{ a }}]").is_some());
        assert!(simple("Hi{% if a %} {{ a }}{% endif %},\n").is_some());
        assert!(simple("{{ a|upper }}").is_none());
        assert!(simple("{%- if a %}x{% endif %}").is_none());
        assert!(simple("{# note #}").is_none());
        assert!(simple("{% if a %}open").is_none());
        assert!(simple("{{ true }}").is_none());
        assert_eq!(
            render_vars(
                "Hi{% if a %} {{ a }}{% endif %}{% if b %}!{% endif %},\n",
                &vars()
            )
            .unwrap(),
            "Hi Ann,"
        );
        // Values are never read as template syntax.
        assert_eq!(
            render_vars("[{{ subject }}]", &vars()).unwrap(),
            "[Lamp {{ x }} {% if %}]"
        );
        assert!(render_vars("{% if %}", &vars()).is_err());
    }

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "Hello",
            " ",
            "\n",
            "\r\n",
            "\r",
            "{",
            "}",
            "}}",
            "%}",
            "{ {",
            "{{ a }}",
            "{{b}}",
            "{{ subject }}",
            "{{ zz }}",
            "{% if a %}",
            "{%if b%}",
            "{% if zz %}",
            "{% endif %}",
            "{{ a|upper }}",
            "{%- if a %}",
            "{# c #}",
            "{{ true }}",
            "ż",
            "{% else %}",
        ])
    }

    fn simple_piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "Hello",
            " ",
            "\n",
            "\r\n",
            "\r",
            "}",
            "}}",
            "%}",
            "{{ a }}",
            "{{b}}",
            "{{ subject }}",
            "{{ zz }}",
            "{% if a %}",
            "{%if b%}",
            "{% if zz %}",
            "{% endif %}",
            "ż",
        ])
    }

    proptest! {
        /// Templates of the simple form (ifs balanced) are rendered by us,
        /// exactly as minijinja renders them.
        #[test]
        fn simple_ones_are_ours_and_the_same(parts in prop::collection::vec(simple_piece(), 0..24)) {
            let template: String = parts.concat();
            // +1 for an `if`, -1 for an `endif`.
            let step = |p: &str| match (p.starts_with("{%"), p.contains("endif")) {
                (true, true) => -1,
                (true, false) => 1,
                _ => 0,
            };
            let mut depth = 0i32;
            let never_negative = parts.iter().all(|p| {
                depth += step(p);
                depth >= 0
            });
            let balanced = never_negative && depth == 0;
            prop_assert_eq!(simple(&template).is_some(), balanced, "{:?}", template);
            let ours = render_vars(&template, &vars());
            let theirs = render_minijinja(&template, &vars());
            match (ours, theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{template:?}: ours {a:?}, minijinja {b:?}"),
            }
        }

        /// Our interpreter gives minijinja's output, or leaves the template
        /// to minijinja.
        #[test]
        fn same_as_minijinja(parts in prop::collection::vec(piece(), 0..24)) {
            let template: String = parts.concat();
            let ours = render_vars(&template, &vars());
            let theirs = render_minijinja(&template, &vars());
            match (ours, theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{template:?}: ours {a:?}, minijinja {b:?}"),
            }
        }
    }
}
