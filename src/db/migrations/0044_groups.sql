-- Standing stakeholder groups: members are CRM people and organisations.
create table stakeholder_groups (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name jsonb not null,
  description jsonb not null,
  -- Whether the group page offers a form to ask to join.
  open_to_requests boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, slug)
);

alter table events add constraint events_group foreign key (tenant_id, group_id)
  references stakeholder_groups (tenant_id, id) on delete set null (group_id);

create table group_members (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  group_id uuid not null,
  person_id uuid,
  organisation_id uuid,
  joined_at timestamptz not null default now(),
  check ((person_id is null) <> (organisation_id is null)),
  primary key (tenant_id, id),
  foreign key (tenant_id, group_id) references stakeholder_groups (tenant_id, id) on delete cascade,
  foreign key (tenant_id, person_id) references people (tenant_id, id) on delete cascade,
  foreign key (tenant_id, organisation_id) references organisations (tenant_id, id) on delete cascade
);
create unique index group_members_person on group_members (tenant_id, group_id, person_id) where person_id is not null;
create unique index group_members_organisation on group_members (tenant_id, group_id, organisation_id)
  where organisation_id is not null;

create table group_requests (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  group_id uuid not null,
  name text not null,
  email text not null check (email = lower(email)),
  organisation text not null default '',
  reason text not null default '',
  lang text not null default 'en' check (lang in ('en', 'cy')),
  status text not null default 'pending' check (status in ('pending', 'approved', 'declined')),
  person_id uuid,
  created_at timestamptz not null default now(),
  decided_at timestamptz,
  decided_by text,
  primary key (tenant_id, id),
  foreign key (tenant_id, group_id) references stakeholder_groups (tenant_id, id) on delete cascade,
  foreign key (tenant_id, person_id) references people (tenant_id, id) on delete set null (person_id)
);
create index group_requests_pending on group_requests (tenant_id, group_id, created_at) where status = 'pending';

-- Papers of the group: a title and where to read it (minutes, terms of reference).
create table group_documents (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  group_id uuid not null,
  title jsonb not null,
  url text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, group_id) references stakeholder_groups (tenant_id, id) on delete cascade
);
