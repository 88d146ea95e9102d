-- The form builder's working copy of each form: edited freely (it may be incomplete), then
-- checked by the engine and published as a new row of form_definitions.
create table form_working_copies (
  tenant_id uuid not null references tenants (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]*$'),
  definition jsonb not null,
  -- The published version this copy started from (null for a new form).
  based_on_version integer,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (tenant_id, slug)
);

-- Who published each version (a staff user id; null for seeds and imports by the CLI).
alter table form_definitions add column published_by uuid;

-- The council's retention schedule: each entry is a purpose and how long its data is kept;
-- every form field picks one. Entries are retired, never deleted, since published versions
-- still quote them.
create table retention_schedule (
  tenant_id uuid not null references tenants (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]*$'),
  purpose jsonb not null,
  period text not null,
  starts text not null default 'submitted' check (starts in ('submitted', 'case-closed')),
  position integer not null default 0,
  retired boolean not null default false,
  primary key (tenant_id, slug)
);

-- Texts a council's administrators write for their own site.
create table council_settings (
  tenant_id uuid primary key references tenants (id) on delete cascade,
  accessibility_statement jsonb not null default '{"en": ""}',
  privacy_notice jsonb not null default '{"en": ""}',
  updated_at timestamptz not null default now()
);

-- Team inboxes (where form outputs may send mail) and the queues cases are worked in.
create table council_teams (
  tenant_id uuid not null references tenants (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]*$'),
  name jsonb not null,
  email text not null default '',
  queue boolean not null default true,
  primary key (tenant_id, slug)
);

-- Catalogue content has an owner and a date by which it must be checked again.
alter table services add column owner text not null default '', add column review_on date;
alter table help_articles add column owner text not null default '', add column review_on date;
alter table disruption_notices add column owner text not null default '', add column review_on date;
