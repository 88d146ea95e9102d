-- Events: meetings and sessions people register for, in person, online or both; a wait list
-- when full. Registrations need no account: a random token, kept only as a hash, is the link.
create table events (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  -- Staff-written texts: { "en": "…", "cy": "…" }.
  title jsonb not null,
  description jsonb not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null check (ends_at > starts_at),
  format text not null check (format in ('in-person', 'online', 'hybrid')),
  -- Invitation-only events are not listed, and register only through the invitation's link.
  visibility text not null check (visibility in ('public', 'invitation')),
  venue jsonb,
  access_info jsonb,
  -- Shown only to registrants, on their own page and in their emails.
  meeting_url text,
  -- Null: no limit.
  capacity integer check (capacity is null or capacity > 0),
  status text not null default 'open' check (status in ('open', 'closed', 'cancelled')),
  -- The iCalendar SEQUENCE: raised by every update sent, so calendars replace the entry.
  sequence integer not null default 0,
  group_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, slug)
);
create index events_starts on events (tenant_id, starts_at);
create index events_group on events (tenant_id, group_id, starts_at) where group_id is not null;

create table event_registrations (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  name text not null,
  email text not null check (email = lower(email)),
  -- The registration form's answers (access needs, dietary needs…), as the form engine stores them.
  answers jsonb not null default '{}',
  lang text not null default 'en' check (lang in ('en', 'cy')),
  status text not null check (status in ('confirmed', 'waiting', 'cancelled')),
  -- The wait list's order: first come, first promoted.
  queued_at timestamptz not null default clock_timestamp(),
  account_id uuid,
  person_id uuid,
  attended boolean,
  created_at timestamptz not null default now(),
  promoted_at timestamptz,
  cancelled_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, event_id) references events (tenant_id, id) on delete cascade,
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete set null (account_id),
  foreign key (tenant_id, person_id) references people (tenant_id, id) on delete set null (person_id)
);
create index event_registrations_event on event_registrations (tenant_id, event_id, status, queued_at);
create index event_registrations_account on event_registrations (tenant_id, account_id) where account_id is not null;
-- One place per address per event: registering again resends the links instead.
create unique index event_registrations_once on event_registrations (tenant_id, event_id, email)
  where status <> 'cancelled';

-- Every email carries its own link; any of them opens the registration. Only hashes are kept.
create table event_registration_tokens (
  tenant_id uuid not null references tenants (id) on delete cascade,
  token_hash text not null,
  registration_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, token_hash),
  foreign key (tenant_id, registration_id) references event_registrations (tenant_id, id) on delete cascade
);
