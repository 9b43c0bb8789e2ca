//! Time-driven work: `run_due`.

use super::Helpdesk;
use super::plan::{Plan, write_ticket};
use crate::error::{Error, Result};
use crate::lifecycle::{self, LifecycleContext, Transition};
use crate::model::{Actor, EventKind, TicketId};
use crate::ports::{Commit, Job, JobKind, JobWrite};
use chrono::{DateTime, Utc};

/// What one [`Helpdesk::run_due`] call did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RunDueReport {
    /// Jobs claimed and completed (including no-ops).
    pub jobs_run: usize,
    /// Tickets opened again because their reopen date was reached.
    pub reopened: Vec<TicketId>,
    /// Jobs that failed, with the error; they are retried after their lease.
    pub failed: Vec<(TicketId, String)>,
}

impl Helpdesk {
    /// Runs every job due at `now`: reopen dates reached (-> Open), SLA
    /// warnings and breaches (events, each exactly once per deadline), tasks
    /// overdue (`TaskOverdue`, once per due date). Safe to call
    /// from many tasks and processes at once: jobs are claimed atomically and
    /// each job's effect is committed exactly once. Returns once no due job
    /// is left unclaimed.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<RunDueReport> {
        let mut report = RunDueReport::default();
        loop {
            let lease_until = now + self.config.lease;
            let jobs = self
                .store
                .claim_due_jobs(now, self.config.batch_size.max(1), lease_until)
                .await?;
            if jobs.is_empty() {
                return Ok(report);
            }
            for job in jobs {
                match self.run_job(&job, now).await {
                    Ok(reopened) => {
                        report.jobs_run += 1;
                        if reopened {
                            report.reopened.push(job.ticket);
                        }
                    }
                    Err(e) => report.failed.push((job.ticket, e.to_string())),
                }
            }
        }
    }

    /// Runs one claimed job. Returns whether the ticket was reopened.
    async fn run_job(&self, job: &Job, now: DateTime<Utc>) -> Result<bool> {
        let workspace = job.workspace;
        let result = self
            .run(workspace, || async {
                let mut commit = Commit::default();
                commit.jobs.push(JobWrite::Complete(job.id));
                // A job whose row is gone (completed elsewhere or rescheduled)
                // must not act: the Complete write above conflicts then.
                let still_there = self
                    .store
                    .jobs(workspace, job.ticket)
                    .await?
                    .iter()
                    .any(|j| j.id == job.id);
                if !still_there {
                    return Ok(Plan::new(Commit::default(), false));
                }
                let ticket = match self.store.ticket(workspace, job.ticket).await? {
                    Some(t) => t,
                    None => return Ok(Plan::new(commit, false)),
                };
                match job.kind {
                    JobKind::Reopen => {
                        let out = lifecycle::apply(
                            &ticket,
                            &Transition::ReopenDue,
                            &LifecycleContext::default(),
                            now,
                        )?;
                        let reopened = out.ticket.state != ticket.state;
                        if !out.is_noop() {
                            write_ticket(
                                &mut commit,
                                &ticket,
                                out.ticket,
                                out.events,
                                Actor::System,
                                now,
                            );
                        }
                        Ok(Plan::new(commit, reopened))
                    }
                    JobKind::TaskDue(task) => {
                        // (Still to do, due then: a task done, deleted or
                        // given another date since tells nothing; an
                        // Archived or merged ticket takes no event.)
                        let overdue = self
                            .store
                            .tasks(workspace, ticket.id)
                            .await?
                            .into_iter()
                            .find(|t| t.id == task)
                            .filter(|t| !t.is_done() && t.due == Some(job.due_at))
                            .and_then(|t| t.due);
                        if let Some(due) = overdue
                            && due <= now
                            && ticket.state != crate::lifecycle::State::Archived
                            && ticket.merged_into.is_none()
                        {
                            let events = vec![EventKind::TaskOverdue { task, due }];
                            write_ticket(
                                &mut commit,
                                &ticket,
                                ticket.clone(),
                                events,
                                Actor::System,
                                now,
                            );
                        }
                        Ok(Plan::new(commit, false))
                    }
                    JobKind::SlaWarning(target) | JobKind::SlaBreach(target) => {
                        let breach = matches!(job.kind, JobKind::SlaBreach(_));
                        let mut next = ticket.clone();
                        let mut events = Vec::new();
                        if next.sla.paused_since.is_none()
                            && let Some(d) = next.sla.slot_mut(target).as_mut()
                        {
                            if breach && !d.breached && d.due <= now {
                                d.breached = true;
                                events.push(EventKind::SlaBreached { target, due: d.due });
                            } else if !breach && !d.warned && d.warn_at <= now {
                                d.warned = true;
                                events.push(EventKind::SlaWarning { target, due: d.due });
                            }
                        }
                        if !events.is_empty() {
                            write_ticket(&mut commit, &ticket, next, events, Actor::System, now);
                        }
                        Ok(Plan::new(commit, false))
                    }
                }
            })
            .await;
        match result {
            Ok((reopened, _)) => Ok(reopened),
            Err(Error::Conflict(_)) => {
                // Lost every retry to other writers; the job is still there
                // and runs again when its lease ends.
                Err(Error::Conflict(format!(
                    "job {} on ticket {} kept conflicting",
                    job.id, job.ticket
                )))
            }
            Err(e) => Err(e),
        }
    }
}
