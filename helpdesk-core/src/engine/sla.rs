//! Keeping SLA deadlines and due jobs in step with every ticket write.

use super::Helpdesk;
use super::plan::Plan;
use super::reads::Reads;
use crate::error::{Error, Result};
use crate::model::{Ticket, TicketId, WorkspaceId};
use crate::ports::{DirectoryRecord, Job, JobWrite, RecordId, StoreExt, TicketWrite};
use crate::sla::{self, SlaPolicy};

/// Whether a change can move SLA deadlines.
fn sla_relevant(before: Option<&Ticket>, after: &Ticket) -> bool {
    let Some(b) = before else { return true };
    b.state != after.state
        || b.priority != after.priority
        || b.category != after.category
        || b.requester != after.requester
        || b.sla.manual != after.sla.manual
        || b.times.last_inbound != after.times.last_inbound
        || b.times.last_outbound != after.times.last_outbound
        || b.times.first_response != after.times.first_response
}

impl Helpdesk {
    /// The SLA policy that applies to `ticket`: its requester's
    /// organization's, else its category's, else the workspace default.
    pub async fn sla_policy_for(
        &self,
        workspace: WorkspaceId,
        ticket: &Ticket,
    ) -> Result<Option<SlaPolicy>> {
        self.sla_policy_in(workspace, &mut Reads::default(), ticket)
            .await
    }

    /// [`sla_policy_for`](Helpdesk::sla_policy_for) through the reads of
    /// one attempt.
    async fn sla_policy_in(
        &self,
        workspace: WorkspaceId,
        reads: &mut Reads,
        ticket: &Ticket,
    ) -> Result<Option<SlaPolicy>> {
        let organization = match self.contact_in(workspace, reads, ticket.requester).await? {
            Some(c) => match c.organization {
                Some(o) => match self
                    .record_in(workspace, reads, RecordId::Organization(o))
                    .await?
                {
                    Some(DirectoryRecord::Organization(o)) => Some(o),
                    _ => None,
                },
                None => None,
            },
            None => None,
        };
        let category = match ticket.category {
            Some(c) => match self
                .record_in(workspace, reads, RecordId::Category(c))
                .await?
            {
                Some(DirectoryRecord::Category(c)) => Some(c),
                _ => None,
            },
            None => None,
        };
        let default = self
            .settings_in(workspace, reads)
            .await?
            .and_then(|s| s.default_sla_policy);
        let Some(id) = sla::select_policy(organization.as_ref(), category.as_ref(), default) else {
            return Ok(None);
        };
        match self
            .record_in(workspace, reads, RecordId::SlaPolicy(id))
            .await?
        {
            Some(DirectoryRecord::SlaPolicy(p)) => Ok(Some(*p)),
            _ => Err(Error::not_found("sla policy", id)),
        }
    }

    /// Brings the SLA state and the due jobs of every ticket the plan writes
    /// in step with the change.
    pub(crate) async fn keep_in_step<T>(
        &self,
        workspace: WorkspaceId,
        plan: &mut Plan<T>,
    ) -> Result<()> {
        let now = self.clock.now();
        let mut job_writes = Vec::new();
        let reads = &mut plan.reads;
        for write in &mut plan.commit.tickets {
            // (Boxed: it is held across the policy's reads.)
            let before: Option<Box<Ticket>> = match write {
                TicketWrite::Create(_) => None,
                TicketWrite::Update {
                    ticket,
                    expected_version,
                } => match reads.take_ticket_at(ticket.id, *expected_version) {
                    // As read by the attempt: if the commit lands, the
                    // stored ticket is exactly this one (same version).
                    Some(t) => Some(Box::new(t)),
                    None => self.store.ticket(workspace, ticket.id).await?.map(Box::new),
                },
            };
            let after = match write {
                TicketWrite::Create(t) => t,
                TicketWrite::Update { ticket, .. } => ticket,
            };
            if plan.refresh_sla || sla_relevant(before.as_deref(), after) {
                let policy = self.sla_policy_in(workspace, reads, after).await?;
                sla::track(before.as_deref(), after, policy.as_ref(), now)
                    .map_err(|e| Error::validation("sla", e.to_string()))?;
            }
            let old = before.as_deref().map(sla::due_jobs).unwrap_or_default();
            let new = sla::due_jobs(after);
            for (kind, at) in &new {
                if old.get(kind) != Some(at) {
                    job_writes.push(JobWrite::Schedule(Job {
                        id: crate::model::JobId::new(),
                        workspace,
                        ticket: after.id,
                        kind: *kind,
                        due_at: *at,
                        lease_until: None,
                    }));
                }
            }
            for kind in old.keys() {
                if !new.contains_key(kind) {
                    job_writes.push(JobWrite::Cancel {
                        ticket: after.id,
                        kind: *kind,
                    });
                }
            }
        }
        plan.commit.jobs.extend(job_writes);
        Ok(())
    }

    /// Re-resolves the SLA policy of a ticket and recomputes its deadlines
    /// (call it after changing an organization's or a category's policy, or
    /// a contact's organization).
    pub async fn refresh_sla(&self, workspace: WorkspaceId, ticket: TicketId) -> Result<Ticket> {
        let (ticket, outcome) = self
            .run(workspace, || async {
                let current = self.store.get_ticket(workspace, ticket).await?;
                let mut commit = crate::ports::Commit::default();
                commit.tickets.push(TicketWrite::Update {
                    ticket: current.clone(),
                    expected_version: current.version,
                });
                let mut plan = Plan::new(commit, current);
                plan.refresh_sla = true;
                Ok(plan)
            })
            .await?;
        Ok(super::plan::stored(&outcome, ticket))
    }
}
