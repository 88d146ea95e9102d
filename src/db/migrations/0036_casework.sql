-- Working cases: who has it, where it is, when it is due, what staff wrote and attached.
alter table cases
  add column assignee_id uuid,
  add column category text,
  add column area text,
  add column closed_at timestamptz;
alter table cases add constraint cases_assignee foreign key (tenant_id, assignee_id)
  references staff_users (tenant_id, id) on delete set null (assignee_id);
create index cases_assignee on cases (tenant_id, assignee_id, due_at) where assignee_id is not null;
create index cases_due on cases (tenant_id, due_at) where closed_at is null;

-- Service-level targets per service (or queue): working days from receipt to done.
create table service_levels (
  tenant_id uuid not null references tenants (id) on delete cascade,
  queue text not null,
  working_days integer not null check (working_days between 1 and 365),
  primary key (tenant_id, queue)
);

-- Each service's statuses: whether the resident sees it, and its public wording.
create table case_statuses (
  tenant_id uuid not null references tenants (id) on delete cascade,
  queue text not null,
  status text not null check (status ~ '^[a-z0-9][a-z0-9-]*$'),
  label jsonb not null,
  public boolean not null default true,
  closes boolean not null default false,
  position integer not null default 0,
  primary key (tenant_id, queue, status)
);

create table case_notes (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  case_id uuid not null,
  staff_id uuid,
  body text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete cascade
);
create index case_notes_case on case_notes (tenant_id, case_id, created_at);

-- People who asked to hear about a case besides the person who raised it.
create table case_followers (
  tenant_id uuid not null references tenants (id) on delete cascade,
  case_id uuid not null,
  email text not null check (email = lower(email)),
  created_at timestamptz not null default now(),
  primary key (tenant_id, case_id, email),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete cascade
);

-- Documents on a case, each with versions; kept by the retention rule of their kind.
create table case_documents (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  case_id uuid not null,
  title text not null,
  kind text not null check (kind in ('correspondence', 'evidence', 'decision', 'other')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete cascade
);
create index case_documents_case on case_documents (tenant_id, case_id);

create table case_document_versions (
  tenant_id uuid not null references tenants (id) on delete cascade,
  document_id uuid not null,
  version integer not null check (version > 0),
  file_id uuid not null,
  staff_id uuid,
  created_at timestamptz not null default now(),
  -- When housekeeping deletes this version's bytes: created + the kind's retention.
  delete_after timestamptz not null,
  primary key (tenant_id, document_id, version),
  foreign key (tenant_id, document_id) references case_documents (tenant_id, id) on delete cascade,
  foreign key (tenant_id, file_id) references files (tenant_id, id)
);
create index case_document_versions_due on case_document_versions (delete_after);
