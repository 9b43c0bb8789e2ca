//! Tasks linked to a ticket (seed 000): add, change, done, and "my tasks".

use super::Helpdesk;
use super::messages::refuse_if_final;
use super::plan::{Plan, write_ticket};
use crate::error::{Error, Result};
use crate::model::{Actor, AgentId, EventKind, JobId, Task, TaskId, TicketId, WorkspaceId};
use crate::ports::{Commit, Job, JobKind, JobWrite, StoreExt};
use chrono::{DateTime, Utc};

/// The longest task title, in characters.
pub const MAX_TASK_TITLE: usize = 500;

/// A task to add with [`Helpdesk::add_task`].
///
/// ```
/// use helpdesk_core::engine::NewTask;
/// use helpdesk_core::model::AgentId;
/// let agnes = AgentId::new();
/// let task = NewTask::titled("Call the courier").assignee(agnes);
/// assert_eq!(task.assignee, Some(agnes));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewTask {
    /// What is to be done.
    pub title: String,
    /// Who is to do it (an active agent).
    pub assignee: Option<AgentId>,
    /// By when.
    pub due: Option<DateTime<Utc>>,
}

impl NewTask {
    /// A task with this title, nobody's yet, without a due date.
    pub fn titled(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            assignee: None,
            due: None,
        }
    }

    /// Gives it to `agent`.
    pub fn assignee(mut self, agent: AgentId) -> Self {
        self.assignee = Some(agent);
        self
    }

    /// Sets the due date.
    pub fn due(mut self, at: DateTime<Utc>) -> Self {
        self.due = Some(at);
        self
    }
}

/// Changes to a task with [`Helpdesk::change_task`] (`None`: unchanged).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TaskChange {
    /// A new title.
    pub title: Option<String>,
    /// A new owner (`Some(None)` takes it from whoever had it).
    pub assignee: Option<Option<AgentId>>,
    /// A new due date (`Some(None)` clears it).
    pub due: Option<Option<DateTime<Utc>>>,
    /// Done, or to do again.
    pub done: Option<bool>,
}

impl TaskChange {
    /// Marks the task done.
    pub fn done() -> Self {
        Self {
            done: Some(true),
            ..Self::default()
        }
    }

    /// Marks a done task to do again.
    pub fn reopen() -> Self {
        Self {
            done: Some(false),
            ..Self::default()
        }
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets (or with `None` clears) the owner.
    pub fn assignee(mut self, agent: Option<AgentId>) -> Self {
        self.assignee = Some(agent);
        self
    }

    /// Sets (or with `None` clears) the due date.
    pub fn due(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.due = Some(at);
        self
    }
}

/// The job that tells when `task` is overdue (`run_due`, `TaskOverdue`):
/// scheduled for its due date while it is to do, cancelled once it is done
/// or has none; nothing when that is as it was (`before`).
fn due_job(before: Option<&Task>, task: &Task) -> Option<JobWrite> {
    let when = |t: &Task| t.due.filter(|_| !t.is_done());
    let kind = JobKind::TaskDue(task.id);
    match (before.and_then(when), when(task)) {
        (old, Some(due)) if old != Some(due) => Some(JobWrite::Schedule(Job {
            id: JobId::new(),
            workspace: task.workspace,
            ticket: task.ticket,
            kind,
            due_at: due,
            lease_until: None,
        })),
        (Some(_), None) => Some(JobWrite::Cancel {
            ticket: task.ticket,
            kind,
        }),
        _ => None,
    }
}

/// The title trimmed, or [`Error::Validation`] when it is empty or too long.
fn clean_title(title: &str) -> Result<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::validation("title", "a task needs a title"));
    }
    if title.chars().count() > MAX_TASK_TITLE {
        return Err(Error::validation(
            "title",
            format!("a task title is at most {MAX_TASK_TITLE} characters"),
        ));
    }
    Ok(title.to_string())
}

impl Helpdesk {
    /// Adds a task to `ticket` (not an Archived or merged one), by `agent`,
    /// with a `TaskAdded` event; its owner must be an active agent. A task
    /// with a due date still to do then is told overdue once by
    /// [`run_due`](Helpdesk::run_due) (`TaskOverdue`).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, NewTask, NewTicket, TaskChange};
    /// # use helpdesk_core::model::{AgentId, WorkspaceId};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (ws, agent) = (WorkspaceId::new(), AgentId::new());
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("ann@example.com", "Parcel lost", "Help"))
    ///     .await?;
    /// let task = desk.add_task(ws, ticket.id, agent, NewTask::titled("Call the courier")).await?;
    /// let done = desk.change_task(ws, ticket.id, task.id, agent, TaskChange::done()).await?;
    /// assert!(done.is_done());
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn add_task(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        agent: AgentId,
        task: NewTask,
    ) -> Result<Task> {
        let title = clean_title(&task.title)?;
        self.check_refs(workspace, None, None, None, task.assignee)
            .await?;
        let actor = Actor::Agent(agent);
        let (task, _) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                refuse_if_final(&current, "a task")?;
                let mut new = Task::new(workspace, current.id, title.clone(), actor, now);
                new.assignee = task.assignee;
                new.due = task.due;
                let mut next = current.clone();
                next.times.updated = now;
                let mut commit = Commit::default();
                let events = vec![EventKind::TaskAdded {
                    task: new.id,
                    title: new.title.clone(),
                }];
                write_ticket(&mut commit, &current, next, events, actor, now);
                commit.jobs.extend(due_job(None, &new));
                commit.tasks.push(new.clone());
                Ok(Plan::new(commit, new))
            })
            .await?;
        Ok(task)
    }

    /// Changes task `task` of `ticket`: title, owner, due date, done or to
    /// do again, with an event on the ticket (`TaskChanged`, `TaskDone`,
    /// `TaskReopened`). A task not on that ticket is [`Error::NotFound`];
    /// a change that changes nothing writes nothing.
    pub async fn change_task(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        task: TaskId,
        agent: AgentId,
        change: TaskChange,
    ) -> Result<Task> {
        let title = change.title.as_deref().map(clean_title).transpose()?;
        self.check_refs(workspace, None, None, None, change.assignee.flatten())
            .await?;
        let actor = Actor::Agent(agent);
        let (task, _) = self
            .run(workspace, || async {
                let now = self.clock.now();
                let current = self.store.get_ticket(workspace, ticket).await?;
                let stored = self.task_of(workspace, ticket, task).await?;
                let mut next_task = stored.clone();
                if let Some(title) = &title {
                    next_task.title = title.clone();
                }
                if let Some(assignee) = change.assignee {
                    next_task.assignee = assignee;
                }
                if let Some(due) = change.due {
                    next_task.due = due;
                }
                let mut events = Vec::new();
                if next_task != stored {
                    events.push(EventKind::TaskChanged { task });
                }
                match change.done {
                    Some(true) if !stored.is_done() => {
                        next_task.done_at = Some(now);
                        events.push(EventKind::TaskDone { task });
                    }
                    Some(false) if stored.is_done() => {
                        next_task.done_at = None;
                        events.push(EventKind::TaskReopened { task });
                    }
                    _ => {}
                }
                let mut commit = Commit::default();
                if !events.is_empty() {
                    refuse_if_final(&current, "a task change")?;
                    let mut next = current.clone();
                    next.times.updated = now;
                    write_ticket(&mut commit, &current, next, events, actor, now);
                    commit.jobs.extend(due_job(Some(&stored), &next_task));
                    commit.tasks.push(next_task.clone());
                }
                Ok(Plan::new(commit, next_task))
            })
            .await?;
        Ok(task)
    }

    /// Deletes task `task` of `ticket` (one added by mistake; a task that
    /// was done is marked done instead), with a `TaskDeleted` event. A task
    /// not on that ticket is [`Error::NotFound`].
    pub async fn delete_task(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        task: TaskId,
        agent: AgentId,
    ) -> Result<()> {
        let actor = Actor::Agent(agent);
        self.run(workspace, || async {
            let now = self.clock.now();
            let current = self.store.get_ticket(workspace, ticket).await?;
            refuse_if_final(&current, "a task change")?;
            let stored = self.task_of(workspace, ticket, task).await?;
            let mut next = current.clone();
            next.times.updated = now;
            let mut commit = Commit::default();
            let events = vec![EventKind::TaskDeleted { task }];
            write_ticket(&mut commit, &current, next, events, actor, now);
            if stored.due.is_some() && !stored.is_done() {
                commit.jobs.push(JobWrite::Cancel {
                    ticket,
                    kind: JobKind::TaskDue(task),
                });
            }
            commit.deleted_tasks.push((ticket, task));
            Ok(Plan::new(commit, ()))
        })
        .await?;
        Ok(())
    }

    /// Task `task` of `ticket`, or [`Error::NotFound`].
    async fn task_of(
        &self,
        workspace: WorkspaceId,
        ticket: TicketId,
        task: TaskId,
    ) -> Result<Task> {
        self.store
            .tasks(workspace, ticket)
            .await?
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| Error::not_found("task", task))
    }

    /// The tasks of `ticket`, oldest first.
    pub async fn tasks(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Vec<Task>> {
        self.store.tasks(workspace, ticket).await
    }

    /// "My tasks": the tasks of `agent` not done yet, on every ticket, due
    /// first (soonest first), then the others, oldest first.
    pub async fn open_tasks(&self, workspace: WorkspaceId, agent: AgentId) -> Result<Vec<Task>> {
        self.store.open_tasks(workspace, agent).await
    }
}
