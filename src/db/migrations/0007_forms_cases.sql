-- Form definitions, versioned: a draft keeps the version it started on.
create table form_definitions (
  tenant_id uuid not null references tenants (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]*$'),
  version integer not null check (version > 0),
  definition jsonb not null,
  status text not null default 'published' check (status in ('draft', 'published', 'retired')),
  created_at timestamptz not null default now(),
  published_at timestamptz,
  primary key (tenant_id, slug, version)
);
create index form_definitions_live on form_definitions (tenant_id, slug, version desc) where status = 'published';

-- Answers in progress. A guest's draft belongs to their session; "save and come back"
-- adds an email and a single-use resume link.
create table form_drafts (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  form_slug text not null,
  form_version integer not null,
  session_hash text,
  answers jsonb not null default '{}',
  email text,
  resume_token_hash text,
  resume_expires_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, form_slug, form_version) references form_definitions (tenant_id, slug, version)
);
create index form_drafts_session on form_drafts (tenant_id, session_hash, form_slug);
create unique index form_drafts_resume on form_drafts (tenant_id, resume_token_hash) where resume_token_hash is not null;
create index form_drafts_expiry on form_drafts (expires_at);

-- Anything someone asked the council to do. The reference is what the person sees.
create table cases (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  reference text not null,
  service_slug text,
  form_slug text,
  form_version integer,
  status text not null default 'received',
  queue text not null,
  assignee text,
  due_at timestamptz,
  -- One submission, one case: a double click or a resubmission finds the case it made.
  submission_key text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, reference),
  unique (tenant_id, submission_key)
);
create index cases_queue on cases (tenant_id, queue, status, created_at);

create table submissions (
  tenant_id uuid not null references tenants (id) on delete cascade,
  case_id uuid not null,
  answers jsonb not null,
  assessments jsonb not null default '[]',
  email text,
  channel text not null check (channel in ('web', 'phone', 'face-to-face', 'email', 'letter', 'api')),
  submitted_by_staff text,
  submitted_at timestamptz not null default now(),
  primary key (tenant_id, case_id),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete cascade
);

-- What the person sees on /track, and what staff record about the case.
create table case_updates (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  case_id uuid not null,
  status text not null,
  public_note jsonb,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete cascade
);
create index case_updates_case on case_updates (tenant_id, case_id, created_at);

-- Every contact on every channel, one timeline.
create table interactions (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  channel text not null check (channel in ('web', 'phone', 'face-to-face', 'email', 'letter', 'api')),
  kind text not null,
  case_id uuid,
  uprn text,
  email text,
  staff_id text,
  summary text not null default '',
  occurred_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete set null (case_id)
);
create index interactions_case on interactions (tenant_id, case_id);
create index interactions_uprn on interactions (tenant_id, uprn, occurred_at desc);

-- The one satisfaction question after every transaction, joined to service and case.
create table satisfaction (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  case_id uuid,
  service_slug text,
  rating text not null check (rating in ('very-satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very-dissatisfied')),
  comment text not null default '',
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete cascade
);
create unique index satisfaction_one_per_case on satisfaction (tenant_id, case_id) where case_id is not null;
