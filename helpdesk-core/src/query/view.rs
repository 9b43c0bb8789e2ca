//! Saved views: named filters with a sort and columns, workspace-wide or
//! personal, and the built-in views every workspace has.

use crate::error::{Error, Result};
use crate::lifecycle::State;
use crate::model::AgentId;
use crate::query::filter::{AssigneeMatch, Filter};
use crate::query::sort::{Sort, SortKey};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The longest view name, in characters.
pub const MAX_VIEW_NAME_LEN: usize = 200;

/// The id of a [`View`]. Built-in views have fixed ids
/// ([`BuiltinView::id`]); saved views get a new random one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ViewId(Uuid);

impl ViewId {
    /// A new, unique id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Wraps an existing UUID (e.g. read back from a database).
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID inside.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// Whether this is the id of a built-in view.
    pub fn is_builtin(&self) -> bool {
        BuiltinView::from_id(*self).is_some()
    }
}

impl Default for ViewId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ViewId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "view:{}", self.0)
    }
}

impl fmt::Display for ViewId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for ViewId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|e| Error::validation("ViewId", e.to_string()))
    }
}

/// Who a view belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewOwner {
    /// Shared by every agent of the workspace (defined by an admin).
    Workspace,
    /// Personal: seen only by this agent.
    Agent(AgentId),
}

/// A column of a ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Column {
    /// `#123`.
    Number,
    /// Subject.
    Subject,
    /// Requester.
    Requester,
    /// The requester's organization.
    Organization,
    /// Lifecycle state.
    State,
    /// Status label.
    Status,
    /// Owner.
    Assignee,
    /// Team.
    Team,
    /// Queue.
    Queue,
    /// Category.
    Category,
    /// Priority.
    Priority,
    /// Channel.
    Channel,
    /// Kind.
    Kind,
    /// Tags.
    Tags,
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// Last activity.
    LastActivity,
    /// Next SLA due time.
    Due,
    /// Unread marker.
    Unread,
    /// A custom field by name.
    CustomField(String),
}

impl Column {
    /// The columns a new view shows.
    pub fn defaults() -> Vec<Column> {
        vec![
            Column::Number,
            Column::Subject,
            Column::Requester,
            Column::Status,
            Column::Assignee,
            Column::Priority,
            Column::LastActivity,
        ]
    }
}

/// A saved view: a named filter with a sort order and the columns to show.
///
/// ```
/// use helpdesk_core::lifecycle::State;
/// use helpdesk_core::model::AgentId;
/// use helpdesk_core::query::{Filter, Sort, SortKey, View, ViewOwner};
///
/// let me = AgentId::new();
/// let view = View::new("My urgent", ViewOwner::Agent(me), Filter::State(vec![State::Open]))
///     .sorted(Sort::desc(SortKey::Priority));
/// assert!(view.validate().is_ok());
/// assert!(view.is_visible_to(me));
/// assert!(!view.is_visible_to(AgentId::new()));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// Unique id within the workspace.
    pub id: ViewId,
    /// Name shown in the list of views.
    pub name: String,
    /// Workspace-wide or personal.
    pub owner: ViewOwner,
    /// Which tickets.
    pub filter: Filter,
    /// In which order.
    pub sort: Sort,
    /// Which columns.
    pub columns: Vec<Column>,
}

impl View {
    /// A new view with a fresh id, the default sort and the default columns.
    pub fn new(name: impl Into<String>, owner: ViewOwner, filter: Filter) -> Self {
        Self {
            id: ViewId::new(),
            name: name.into(),
            owner,
            filter,
            sort: Sort::default(),
            columns: Column::defaults(),
        }
    }

    /// With this sort.
    pub fn sorted(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }

    /// With these columns.
    pub fn columns(mut self, columns: Vec<Column>) -> Self {
        self.columns = columns;
        self
    }

    /// Whether `agent` sees this view (workspace views: everyone; personal
    /// ones: their owner).
    pub fn is_visible_to(&self, agent: AgentId) -> bool {
        match self.owner {
            ViewOwner::Workspace => true,
            ViewOwner::Agent(a) => a == agent,
        }
    }

    /// Checks a view before it is saved: a name (trimmed, non-empty, at most
    /// [`MAX_VIEW_NAME_LEN`] characters), a filter not deeper than
    /// [`MAX_FILTER_DEPTH`](crate::query::MAX_FILTER_DEPTH), an acceptable
    /// sort, and not a built-in id. Stores call it in `save_view`.
    pub fn validate(&self) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(Error::validation("name", "a view needs a name"));
        }
        if name.chars().count() > MAX_VIEW_NAME_LEN {
            return Err(Error::validation(
                "name",
                format!("a view name is at most {MAX_VIEW_NAME_LEN} characters"),
            ));
        }
        if self.id.is_builtin() {
            return Err(Error::validation("id", "built-in views cannot be saved"));
        }
        crate::query::check_filter(&self.filter)?;
        self.sort.validate()
    }
}

/// The views every workspace has without saving anything (the sections of
/// the ticket list). Their filters say "me", so each agent sees their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinView {
    /// Unassigned, not Closed or Archived; oldest first.
    WaitingToBeTaken,
    /// Mine, not Closed or Archived; by due time.
    Mine,
    /// Assigned to another agent, not Closed or Archived; by last activity.
    AssignedToOthers,
    /// Closed or Archived; most recently changed first.
    Closed,
    /// Tickets I follow; by last activity.
    Following,
    /// My favourites; by last activity.
    Favourites,
}

const BUILTIN_BASE: u128 = 0x6865_6c70_6465_736b_7669_6577_0000_0000;

impl BuiltinView {
    /// All built-in views, in the order a list shows them.
    pub const ALL: [BuiltinView; 6] = [
        BuiltinView::WaitingToBeTaken,
        BuiltinView::Mine,
        BuiltinView::AssignedToOthers,
        BuiltinView::Closed,
        BuiltinView::Following,
        BuiltinView::Favourites,
    ];

    /// The fixed id of this view.
    pub const fn id(self) -> ViewId {
        ViewId(Uuid::from_u128(BUILTIN_BASE + self as u128 + 1))
    }

    /// The built-in view with this id.
    pub fn from_id(id: ViewId) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.id() == id)
    }

    /// The view.
    ///
    /// ```
    /// use helpdesk_core::query::{BuiltinView, ViewOwner};
    /// let mine = BuiltinView::Mine.view();
    /// assert_eq!(mine.owner, ViewOwner::Workspace);
    /// assert_eq!(mine.id, BuiltinView::Mine.id());
    /// assert!(mine.id.is_builtin());
    /// ```
    pub fn view(self) -> View {
        let active = || Filter::State(vec![State::Open, State::Pending]);
        let (name, filter, sort) = match self {
            BuiltinView::WaitingToBeTaken => (
                "Waiting to be taken",
                Filter::Assignee(AssigneeMatch::None) & active(),
                Sort::asc(SortKey::Created),
            ),
            BuiltinView::Mine => (
                "Mine",
                Filter::Assignee(AssigneeMatch::Me) & active(),
                Sort::asc(SortKey::Due),
            ),
            BuiltinView::AssignedToOthers => (
                "Assigned to other agents",
                Filter::Assignee(AssigneeMatch::Any)
                    & !Filter::Assignee(AssigneeMatch::Me)
                    & active(),
                Sort::desc(SortKey::LastActivity),
            ),
            BuiltinView::Closed => (
                "Closed",
                Filter::State(vec![State::Closed, State::Archived]),
                Sort::desc(SortKey::Updated),
            ),
            BuiltinView::Following => (
                "Following",
                Filter::FollowedByMe,
                Sort::desc(SortKey::LastActivity),
            ),
            BuiltinView::Favourites => (
                "Favourites",
                Filter::FavouriteOfMe,
                Sort::desc(SortKey::LastActivity),
            ),
        };
        View {
            id: self.id(),
            name: name.into(),
            owner: ViewOwner::Workspace,
            filter,
            sort,
            columns: Column::defaults(),
        }
    }

    /// All built-in views.
    pub fn views() -> Vec<View> {
        Self::ALL.into_iter().map(Self::view).collect()
    }
}
