-- Outbox and mail: what the job worker and the dev mailbox need beyond 0001.

-- A dev mailbox record is keyed to the job that sent it, so a job retried after a transport
-- failure records its message once.
alter table dev_mail add column job_id bigint;
create unique index dev_mail_job on dev_mail (tenant_id, job_id) where job_id is not null;

-- Finished jobs are pruned by age; without this the sweep reads the whole table.
create index jobs_done on jobs (finished_at) where status = 'done';
