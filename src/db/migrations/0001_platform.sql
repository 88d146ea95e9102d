-- The spine every module uses. Every row carries its council (tenant_id), and every key
-- includes it, so the schema can be distributed by tenant later.

create table tenants (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z][a-z0-9-]{1,39}$'),
  prefix text not null unique check (prefix ~ '^[A-Z]{2,3}$'),
  name jsonb not null,
  brand jsonb not null,
  contact jsonb not null,
  footer_links jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table tenant_hosts (
  host text primary key check (host = lower(host)),
  tenant_id uuid not null references tenants (id) on delete cascade
);
create index tenant_hosts_tenant on tenant_hosts (tenant_id);

-- Which version of each module's demo content has been applied.
create table seeds (
  module text primary key,
  version integer not null,
  applied_at timestamptz not null default now()
);

-- Server-side sessions; the cookie holds a random id, we keep only its hash.
create table sessions (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id_hash text not null,
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant_id, id_hash)
);
create index sessions_expiry on sessions (expires_at);

create table audit_log (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  at timestamptz not null default now(),
  actor_type text not null check (actor_type in ('staff', 'resident', 'system', 'api')),
  actor_id text,
  action text not null,
  subject_type text not null,
  subject_id text,
  reason text,
  ip text,
  details jsonb not null default '{}',
  primary key (tenant_id, id)
);
create index audit_log_subject on audit_log (tenant_id, subject_type, subject_id, at desc);

-- The outbox: side effects written in the same transaction as the change that caused them.
create table jobs (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  kind text not null,
  payload jsonb not null default '{}',
  status text not null default 'pending' check (status in ('pending', 'running', 'done', 'dead')),
  attempts integer not null default 0,
  max_attempts integer not null default 8,
  run_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create index jobs_due on jobs (run_at) where status in ('pending', 'running');
create index jobs_dead on jobs (tenant_id, finished_at) where status = 'dead';

-- Demo mode's record of every message sent, whatever the transport.
create table dev_mail (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  to_address text not null,
  subject text not null,
  text_body text not null,
  html_body text,
  attachments jsonb not null default '[]',
  sent_at timestamptz not null default now(),
  primary key (tenant_id, id)
);

create table files (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  filename text not null,
  content_type text not null,
  size_bytes integer not null,
  sha256 text not null,
  storage_key text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);

-- "Help us improve this site" from the phase banner; no personal data is asked for.
create table site_feedback (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  satisfaction text not null check (satisfaction in ('very-satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very-dissatisfied')),
  comments text not null default '',
  page text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
