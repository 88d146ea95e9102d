-- What a person needs to know before starting: who, cost, time, what happens next.
create table topics (
  tenant_id uuid not null references tenants (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]*$'),
  name jsonb not null,
  summary jsonb not null,
  position integer not null default 0,
  primary key (tenant_id, slug)
);

alter table services
  add column topic_slug text,
  add column description jsonb not null default '{"en": ""}',
  add column eligibility jsonb not null default '{"en": ""}',
  add column cost jsonb not null default '{"en": ""}',
  add column duration jsonb not null default '{"en": ""}',
  add column next_steps jsonb not null default '{"en": ""}',
  -- Where "Start now" goes: a form of ours (form:<slug>) or another address.
  add column start_target text,
  add column channels text[] not null default '{web}',
  add constraint services_topic_fk foreign key (tenant_id, topic_slug) references topics (tenant_id, slug),
  add constraint services_channels check (channels <@ array['web', 'phone', 'face-to-face', 'email', 'letter']::text[]);

create index services_search on services using gin (
  to_tsvector('english', coalesce(name->>'en', '') || ' ' || coalesce(summary->>'en', '') || ' ' || keywords)
);

create table help_articles (
  tenant_id uuid not null references tenants (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]*$'),
  title jsonb not null,
  summary jsonb not null,
  body jsonb not null,
  keywords text not null default '',
  topic_slug text,
  published boolean not null default true,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, slug),
  foreign key (tenant_id, topic_slug) references topics (tenant_id, slug)
);

-- Service disruption notices, shown on the home page and the affected service's page.
create table disruption_notices (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  service_slug text,
  title jsonb not null,
  body jsonb not null,
  starts_at timestamptz not null,
  ends_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, service_slug) references services (tenant_id, slug) on delete cascade,
  check (ends_at is null or ends_at > starts_at)
);
create index disruption_notices_current on disruption_notices (tenant_id, starts_at, ends_at);
