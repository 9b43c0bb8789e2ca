//! Ticket lists in SQL: the [`Filter`] AST compiled to a `WHERE` clause,
//! [`Sort`] to an `ORDER BY`, and a keyset [`Cursor`] position to a
//! comparison of the sort columns and the ticket number.
//!
//! The SQL *text* is built from the shape of the AST only: every value that
//! comes from a filter (ids, status labels, tags, texts, times, cursor
//! values) is a bind parameter (`$n`). The only constants written into the
//! text are the four lifecycle states, which come from
//! [`State::as_str`] (a closed set of `&'static str`), so that the planner
//! can match the partial indexes of the built-in views even with a generic
//! plan.
//!
//! Parity with the reference evaluation (`helpdesk_core::query::eval`):
//!
//! - every predicate is NULL-safe (true or false, never NULL), so `NOT`
//!   means what it means in Rust;
//! - `Filter::Text` is split into query words by the core tokeniser
//!   (`helpdesk_core::query::words`), the same that made the stored word
//!   lists (`tickets.subject_words`, `messages.words`, `tsvector`s built
//!   with `array_to_tsvector`, so PostgreSQL's own parser and dictionaries
//!   never touch them); each query word `w` becomes a bound prefix
//!   `tsquery` `'w':*`, whose match is a byte-wise prefix test on the
//!   stored lexemes: the word-prefix test of the memory store;
//! - a value containing NUL (which PostgreSQL text cannot hold, so no stored
//!   row has it) matches nothing, as in the memory store on the same data;
//!   such a value is never sent to the server. (For `Filter::Text`, NUL is
//!   just a separator between words, as in the memory store.)

use crate::error::{PgError, PgResult};
use crate::schema::{serde_name, to_i64};
use chrono::{DateTime, Utc};
use helpdesk_core::Error;
use helpdesk_core::lifecycle::State;
use helpdesk_core::model::{Priority, Ticket};
use helpdesk_core::query::words::{query_words, words};
use helpdesk_core::query::{
    AssigneeMatch, ChannelKind, Filter, MAX_FILTER_DEPTH, Position, Query, Sort, SortKey,
    SortOrder, SortValue, TagMatch, TimeRange, last_activity,
};
use sqlx::postgres::PgArguments;
use sqlx::{AssertSqlSafe, Postgres};
use std::fmt::Write as _;
use uuid::Uuid;

/// The derived columns of a ticket row that queries look at, written with
/// every ticket write (the document stays the source of truth).
pub(crate) struct TicketColumns {
    /// The words of the subject, for `subject_words`.
    pub(crate) subject_words: Vec<String>,
    pub(crate) status: Option<String>,
    pub(crate) prio: i16,
    pub(crate) channel_kind: &'static str,
    pub(crate) kind: String,
    pub(crate) tags: Vec<String>,
    pub(crate) followers: Vec<Uuid>,
    pub(crate) due_at: Option<DateTime<Utc>>,
    pub(crate) last_inbound: Option<DateTime<Utc>>,
    pub(crate) last_activity: DateTime<Utc>,
    pub(crate) unread_by_owner: bool,
}

impl TicketColumns {
    pub(crate) fn of(t: &Ticket) -> PgResult<Self> {
        Ok(Self {
            subject_words: words(&t.subject),
            status: t.status.clone(),
            prio: prio_rank(t.priority),
            channel_kind: channel_kind_name(ChannelKind::of(&t.channel)),
            kind: serde_name(&t.kind)?,
            tags: t.tags.iter().cloned().collect(),
            followers: t.followers.iter().map(|a| a.as_uuid()).collect(),
            due_at: t.sla.next_due(),
            last_inbound: t.times.last_inbound,
            last_activity: last_activity(t),
            unread_by_owner: t.unread_by_owner,
        })
    }
}

/// The rank of a priority (`Low` 0 .. `Urgent` 3), as sorted.
pub(crate) fn prio_rank(p: Priority) -> i16 {
    match p {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Urgent => 3,
    }
}

fn channel_kind_name(k: ChannelKind) -> &'static str {
    match k {
        ChannelKind::Email => "email",
        ChannelKind::Phone => "phone",
        ChannelKind::Sms => "sms",
        ChannelKind::Chat => "chat",
        ChannelKind::Web => "web",
        ChannelKind::Api => "api",
        ChannelKind::Marketplace => "marketplace",
    }
}

fn state_literal(s: State) -> &'static str {
    match s {
        State::Open => "'open'",
        State::Pending => "'pending'",
        State::Closed => "'closed'",
        State::Archived => "'archived'",
    }
}

/// A bound value.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Uuid(Uuid),
    Uuids(Vec<Uuid>),
    Text(String),
    Texts(Vec<String>),
    I16s(Vec<i16>),
    I16(i16),
    I64(i64),
    Time(DateTime<Utc>),
}

/// A compiled statement: text with `$n` placeholders, and the values.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) text: String,
    pub(crate) binds: Vec<Bind>,
}

impl Compiled {
    /// The statement with its values bound, ready to run.
    pub(crate) fn query(self) -> sqlx::query::Query<'static, Postgres, PgArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text));
        for b in self.binds {
            q = match b {
                Bind::Uuid(v) => q.bind(v),
                Bind::Uuids(v) => q.bind(v),
                Bind::Text(v) => q.bind(v),
                Bind::Texts(v) => q.bind(v),
                Bind::I16s(v) => q.bind(v),
                Bind::I16(v) => q.bind(v),
                Bind::I64(v) => q.bind(v),
                Bind::Time(v) => q.bind(v),
            };
        }
        q
    }
}

fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

/// The `tsquery` text matching the lexemes that start with `word`:
/// `'word':*`. Words of the core tokeniser hold no quote or backslash, but
/// both are escaped all the same (`''`, `\\`), so the value is one quoted
/// lexeme whatever it holds.
pub(crate) fn prefix_tsquery(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    out.push('\'');
    for c in word.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push_str("':*");
    out
}

/// Builds one statement.
struct Builder {
    binds: Vec<Bind>,
    me: Uuid,
}

impl Builder {
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    fn optional_ids(&mut self, column: &str, list: &[Option<Uuid>]) -> String {
        let some: Vec<Uuid> = list.iter().flatten().copied().collect();
        let mut parts = Vec::new();
        if !some.is_empty() {
            let p = self.bind(Bind::Uuids(some));
            parts.push(format!(
                "({column} IS NOT NULL AND {column} = ANY({p}::uuid[]))"
            ));
        }
        if list.iter().any(Option::is_none) {
            parts.push(format!("{column} IS NULL"));
        }
        any(parts)
    }

    fn range(&mut self, column: &str, nullable: bool, r: &TimeRange) -> String {
        let mut parts = Vec::new();
        if nullable {
            parts.push(format!("{column} IS NOT NULL"));
        }
        if let Some(from) = r.from {
            let p = self.bind(Bind::Time(from));
            parts.push(format!("{column} >= {p}"));
        }
        if let Some(until) = r.until {
            let p = self.bind(Bind::Time(until));
            parts.push(format!("{column} < {p}"));
        }
        all(parts)
    }

    fn texts(&mut self, values: Vec<String>) -> String {
        self.bind(Bind::Texts(values))
    }

    /// A boolean SQL expression over `t` (a row of `tickets`), never NULL.
    fn filter(&mut self, f: &Filter) -> String {
        match f {
            Filter::All => "TRUE".into(),
            Filter::And(fs) => all(fs.iter().map(|f| self.filter(f)).collect()),
            Filter::Or(fs) => any(fs.iter().map(|f| self.filter(f)).collect()),
            Filter::Not(f) => format!("NOT ({})", self.filter(f)),
            Filter::State(list) => {
                let mut states: Vec<&str> = list.iter().map(|s| state_literal(*s)).collect();
                states.sort_unstable();
                states.dedup();
                if states.is_empty() {
                    "FALSE".into()
                } else {
                    format!("t.state IN ({})", states.join(", "))
                }
            }
            Filter::Status(list) => {
                let some: Vec<String> = list
                    .iter()
                    .flatten()
                    .filter(|s| !has_nul(s))
                    .cloned()
                    .collect();
                let mut parts = Vec::new();
                if !some.is_empty() {
                    let p = self.texts(some);
                    parts.push(format!(
                        "(t.status IS NOT NULL AND t.status = ANY({p}::text[]))"
                    ));
                }
                if list.iter().any(Option::is_none) {
                    parts.push("t.status IS NULL".into());
                }
                any(parts)
            }
            Filter::Assignee(m) => match m {
                AssigneeMatch::Me => {
                    let p = self.bind(Bind::Uuid(self.me));
                    format!("(t.assignee IS NOT NULL AND t.assignee = {p})")
                }
                AssigneeMatch::Agent(a) => {
                    let p = self.bind(Bind::Uuid(a.as_uuid()));
                    format!("(t.assignee IS NOT NULL AND t.assignee = {p})")
                }
                AssigneeMatch::None => "t.assignee IS NULL".into(),
                AssigneeMatch::Any => "t.assignee IS NOT NULL".into(),
            },
            Filter::Team(list) => {
                let ids: Vec<Option<Uuid>> = list.iter().map(|x| x.map(|x| x.as_uuid())).collect();
                self.optional_ids("t.team", &ids)
            }
            Filter::Queue(list) => {
                let ids: Vec<Option<Uuid>> = list.iter().map(|x| x.map(|x| x.as_uuid())).collect();
                self.optional_ids("t.queue", &ids)
            }
            Filter::Category(list) => {
                let ids: Vec<Option<Uuid>> = list.iter().map(|x| x.map(|x| x.as_uuid())).collect();
                self.optional_ids("t.category", &ids)
            }
            Filter::Priority(list) => {
                if list.is_empty() {
                    return "FALSE".into();
                }
                let p = self.bind(Bind::I16s(list.iter().map(|p| prio_rank(*p)).collect()));
                format!("t.prio = ANY({p}::int2[])")
            }
            Filter::Channel(list) => {
                if list.is_empty() {
                    return "FALSE".into();
                }
                let names = list
                    .iter()
                    .map(|k| channel_kind_name(*k).to_string())
                    .collect();
                let p = self.texts(names);
                format!("t.channel_kind = ANY({p}::text[])")
            }
            Filter::Kind(list) => {
                let names: Vec<String> = list.iter().filter_map(|k| serde_name(k).ok()).collect();
                if names.is_empty() {
                    return "FALSE".into();
                }
                let p = self.texts(names);
                format!("t.kind = ANY({p}::text[])")
            }
            Filter::Tags(m) => {
                let clean = |tags: &[String]| -> Vec<String> {
                    tags.iter().filter(|t| !has_nul(t)).cloned().collect()
                };
                match m {
                    TagMatch::HasAny(tags) => {
                        let tags = clean(tags);
                        if tags.is_empty() {
                            return "FALSE".into();
                        }
                        let p = self.texts(tags);
                        format!("t.tags && {p}::text[]")
                    }
                    TagMatch::HasAll(tags) => {
                        if tags.iter().any(|t| has_nul(t)) {
                            return "FALSE".into();
                        }
                        if tags.is_empty() {
                            return "TRUE".into();
                        }
                        let p = self.texts(tags.clone());
                        format!("t.tags @> {p}::text[]")
                    }
                    TagMatch::HasNone(tags) => {
                        let tags = clean(tags);
                        if tags.is_empty() {
                            return "TRUE".into();
                        }
                        let p = self.texts(tags);
                        format!("NOT (t.tags && {p}::text[])")
                    }
                }
            }
            Filter::Requester(list) => {
                if list.is_empty() {
                    return "FALSE".into();
                }
                let p = self.bind(Bind::Uuids(list.iter().map(|c| c.as_uuid()).collect()));
                format!("t.requester = ANY({p}::uuid[])")
            }
            Filter::Organization(list) => {
                let some: Vec<Uuid> = list.iter().flatten().map(|o| o.as_uuid()).collect();
                let mut parts = Vec::new();
                if !some.is_empty() {
                    let p = self.bind(Bind::Uuids(some));
                    parts.push(format!(
                        "EXISTS (SELECT 1 FROM {{schema}}.contacts c WHERE c.workspace = t.workspace \
                         AND c.id = t.requester AND c.organization = ANY({p}::uuid[]))"
                    ));
                }
                if list.iter().any(Option::is_none) {
                    parts.push(
                        "NOT EXISTS (SELECT 1 FROM {schema}.contacts c WHERE c.workspace = t.workspace \
                         AND c.id = t.requester AND c.organization IS NOT NULL)"
                            .into(),
                    );
                }
                any(parts)
            }
            Filter::Created(r) => self.range("t.created_at", false, r),
            Filter::Updated(r) => self.range("t.updated_at", false, r),
            Filter::LastInbound(r) => self.range("t.last_inbound", true, r),
            Filter::Due(r) => self.range("t.due_at", true, r),
            Filter::UnreadByMe => {
                let p = self.bind(Bind::Uuid(self.me));
                format!("(t.unread_by_owner AND t.assignee IS NOT NULL AND t.assignee = {p})")
            }
            Filter::FollowedByMe => {
                let p = self.bind(Bind::Uuid(self.me));
                format!("t.followers @> ARRAY[{p}::uuid]")
            }
            Filter::FavouriteOfMe => {
                let p = self.bind(Bind::Uuid(self.me));
                format!(
                    "EXISTS (SELECT 1 FROM {{schema}}.favourites f WHERE f.workspace = t.workspace \
                     AND f.agent = {p} AND f.ticket = t.id)"
                )
            }
            Filter::Text(text) => {
                let parts = query_words(text)
                    .iter()
                    .map(|w| {
                        let p = self.bind(Bind::Text(prefix_tsquery(w)));
                        format!(
                            "(t.subject_words @@ {p}::tsquery OR EXISTS (SELECT 1 FROM {{schema}}.messages m \
                             WHERE m.workspace = t.workspace AND m.ticket = t.id \
                             AND m.words @@ {p}::tsquery))"
                        )
                    })
                    .collect();
                all(parts)
            }
            Filter::Merged => "t.merged_into IS NOT NULL".into(),
        }
    }

    /// `t` comes strictly after `position` in `sort`.
    fn after(&mut self, sort: &Sort, position: &Position) -> PgResult<String> {
        let number = self.bind(Bind::I64(to_i64(position.number.0, "cursor")?));
        let tiebreak = sort.tiebreak();
        let uniform = !sort.by.iter().any(|b| b.key == SortKey::Due)
            && sort.by.iter().all(|b| b.order == tiebreak);
        let mut values = Vec::with_capacity(position.values.len());
        for v in &position.values {
            values.push(match v {
                SortValue::Number(n) => Some(self.bind(Bind::I64(to_i64(*n, "cursor")?))),
                SortValue::Priority(p) => Some(self.bind(Bind::I16(prio_rank(*p)))),
                SortValue::Time(Some(t)) => Some(self.bind(Bind::Time(*t))),
                SortValue::Time(None) => None,
            });
        }
        if uniform {
            // A row comparison: one index range.
            let mut cols: Vec<&str> = sort.by.iter().map(|b| column(b.key)).collect();
            cols.push("t.number");
            let mut vals: Vec<String> = values.iter().flatten().cloned().collect();
            vals.push(number);
            let op = if tiebreak == SortOrder::Asc { ">" } else { "<" };
            return Ok(format!("({}) {op} ({})", cols.join(", "), vals.join(", ")));
        }
        let mut terms = Vec::new();
        let mut equal: Vec<String> = Vec::new();
        for (by, value) in sort.by.iter().zip(&values) {
            let col = column(by.key);
            let later = match (value, by.order) {
                (Some(v), SortOrder::Asc) if by.key == SortKey::Due => {
                    format!("({col} > {v} OR {col} IS NULL)")
                }
                (Some(v), SortOrder::Asc) => format!("{col} > {v}"),
                (Some(v), SortOrder::Desc) => format!("{col} < {v}"),
                (None, SortOrder::Asc) => "FALSE".into(),
                (None, SortOrder::Desc) => format!("{col} IS NOT NULL"),
            };
            let mut term = equal.clone();
            term.push(later);
            terms.push(all(term));
            equal.push(match value {
                Some(v) => format!("{col} = {v}"),
                None => format!("{col} IS NULL"),
            });
        }
        let op = if tiebreak == SortOrder::Asc { ">" } else { "<" };
        equal.push(format!("t.number {op} {number}"));
        terms.push(all(equal));
        Ok(any(terms))
    }
}

fn all(parts: Vec<String>) -> String {
    match parts.len() {
        0 => "TRUE".into(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(" AND ")),
    }
}

fn any(parts: Vec<String>) -> String {
    match parts.len() {
        0 => "FALSE".into(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(" OR ")),
    }
}

fn column(key: SortKey) -> &'static str {
    match key {
        SortKey::Number => "t.number",
        SortKey::Created => "t.created_at",
        SortKey::Updated => "t.updated_at",
        SortKey::LastActivity => "t.last_activity",
        SortKey::Priority => "t.prio",
        SortKey::Due => "t.due_at",
    }
}

fn direction(order: SortOrder) -> &'static str {
    match order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    }
}

/// Refuses filters deeper than the core allows.
pub(crate) fn check_depth(filter: &Filter) -> PgResult<()> {
    if filter.depth() > MAX_FILTER_DEPTH {
        return Err(PgError::Core(Error::validation(
            "filter",
            format!("filters nest at most {MAX_FILTER_DEPTH} levels"),
        )));
    }
    Ok(())
}

/// The `WHERE` clause of `filter` for `me` in workspace `$1` (merged
/// tickets left out unless the filter mentions them).
fn where_clause(b: &mut Builder, ws: Uuid, filter: &Filter) -> String {
    let w = b.bind(Bind::Uuid(ws));
    let mut parts = vec![format!("t.workspace = {w}")];
    if !filter.mentions_merged() {
        parts.push("t.merged_into IS NULL".into());
    }
    let f = b.filter(filter);
    if f != "TRUE" {
        parts.push(f);
    }
    parts.join(" AND ")
}

/// The statement of one page of `query` (one row more than the page, to
/// know whether another follows). The query must be validated.
pub(crate) fn page_sql(quoted_schema: &str, ws: Uuid, query: &Query) -> PgResult<Compiled> {
    let position = query
        .after
        .as_ref()
        .map(|c| c.position(&query.sort))
        .transpose()?;
    let mut b = Builder {
        binds: Vec::new(),
        me: query.me.as_uuid(),
    };
    // `t.number IS NOT NULL` (always true) lets the plan scan the number
    // index (partial on that predicate, see migration 0004) in order.
    let mut text = format!(
        "SELECT t.number, t.version, t.doc FROM {{schema}}.tickets t WHERE {} AND t.number IS NOT NULL",
        where_clause(&mut b, ws, &query.filter)
    );
    if let Some(p) = &position {
        let after = b.after(&query.sort, p)?;
        let _ = write!(text, " AND {after}");
    }
    text.push_str(" ORDER BY ");
    for by in &query.sort.by {
        let _ = write!(text, "{} {}, ", column(by.key), direction(by.order));
    }
    let _ = write!(text, "t.number {}", direction(query.sort.tiebreak()));
    let limit = i64::try_from(query.limit)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let p = b.bind(Bind::I64(limit));
    let _ = write!(text, " LIMIT {p}");
    Ok(Compiled {
        text: text.replace("{schema}", quoted_schema),
        binds: b.binds,
    })
}

/// The statement counting the tickets of `filter` for `me`.
pub(crate) fn count_sql(
    quoted_schema: &str,
    ws: Uuid,
    filter: &Filter,
    me: Uuid,
) -> PgResult<Compiled> {
    check_depth(filter)?;
    let mut b = Builder {
        binds: Vec::new(),
        me,
    };
    let text = format!(
        "SELECT count(*) FROM {{schema}}.tickets t WHERE {}",
        where_clause(&mut b, ws, filter)
    );
    Ok(Compiled {
        text: text.replace("{schema}", quoted_schema),
        binds: b.binds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_core::model::AgentId;

    #[test]
    fn user_values_never_reach_the_sql_text() {
        let hostile = "x'); DROP TABLE tickets; -- $1 %_\\";
        let f = Filter::Text(hostile.into())
            & Filter::Status(vec![Some(hostile.into())])
            & Filter::Tags(TagMatch::HasAny(vec![hostile.into()]));
        let q = Query::new(AgentId::new()).filter(f);
        let c = page_sql("\"helpdesk\"", Uuid::nil(), &q).unwrap();
        assert!(!c.text.contains("DROP"), "{}", c.text);
        assert!(!c.text.contains('%'));
        // Workspace, five words (x drop table tickets 1), status, tags, limit.
        assert_eq!(c.binds.len(), 9, "{:?}", c.binds);
    }

    #[test]
    fn nul_values_match_nothing_without_a_bind() {
        let f = Filter::Status(vec![Some("a\0b".into())]);
        let c = count_sql("\"h\"", Uuid::nil(), &f, Uuid::nil()).unwrap();
        assert!(c.text.ends_with("AND FALSE"), "{}", c.text);
        assert_eq!(c.binds.len(), 1);
    }

    #[test]
    fn text_is_one_prefix_tsquery_a_word() {
        let f = Filter::Text("Invo-ŻÓŁW\0 invo".into());
        let c = count_sql("\"h\"", Uuid::nil(), &f, Uuid::nil()).unwrap();
        let values: Vec<String> = c
            .binds
            .iter()
            .filter_map(|b| match b {
                Bind::Text(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(values, ["'invo':*", "'żółw':*"]);
        assert_eq!(c.text.matches("t.subject_words @@ $2::tsquery").count(), 1);
        assert_eq!(c.text.matches("m.words @@ $3::tsquery").count(), 1);
        assert!(c.text.contains(") AND ("), "words are ANDed: {}", c.text);
        // No words: no condition.
        for empty in ["", "  ", "?!", "\0"] {
            let c = count_sql(
                "\"h\"",
                Uuid::nil(),
                &Filter::Text(empty.into()),
                Uuid::nil(),
            )
            .unwrap();
            assert!(!c.text.contains("tsquery"), "{}", c.text);
            assert_eq!(c.binds.len(), 1);
        }
    }

    #[test]
    fn prefix_tsquery_quotes_defensively() {
        assert_eq!(prefix_tsquery("lamp"), "'lamp':*");
        assert_eq!(prefix_tsquery("o'c\\x"), "'o''c\\\\x':*");
    }
}
