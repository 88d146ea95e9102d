-- People, their contact points, organisations; the timeline joins interactions to them.
create table people (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  given_name text not null default '',
  family_name text not null default '',
  -- Lower case, accents removed: what name search and matching compare.
  name_key text not null default '',
  date_of_birth date,
  preferred_language text check (preferred_language in ('en', 'cy')),
  preferred_channel text check (preferred_channel in ('email', 'phone', 'letter', 'face-to-face')),
  accessibility_needs text not null default '',
  account_id uuid,
  -- The household: the property (UPRN) the person lives at, with the address as given.
  uprn text,
  address jsonb,
  postcode text,
  -- Set when this record was merged into another; the merge can be undone.
  merged_into uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete set null (account_id)
);
create index people_name on people using gist (name_key gist_trgm_ops);
create index people_family on people (tenant_id, family_name);
-- Blocking keys of the duplicate finder: a family name that sounds the same, a date of birth.
create index people_family_sound on people (tenant_id, dmetaphone(family_name));
create index people_birth on people (tenant_id, date_of_birth) where date_of_birth is not null;
create index people_uprn on people (tenant_id, uprn) where uprn is not null;
create index people_postcode on people (tenant_id, postcode) where postcode is not null;
create unique index people_account on people (tenant_id, account_id) where account_id is not null and merged_into is null;

create table person_emails (
  tenant_id uuid not null references tenants (id) on delete cascade,
  person_id uuid not null,
  email text not null check (email = lower(email)),
  -- Proved by a code (an account's address); otherwise as given on a form or by phone.
  verified boolean not null default false,
  primary key (tenant_id, person_id, email),
  foreign key (tenant_id, person_id) references people (tenant_id, id) on delete cascade
);
create index person_emails_email on person_emails (tenant_id, email);

create table person_phones (
  tenant_id uuid not null references tenants (id) on delete cascade,
  person_id uuid not null,
  -- Digits only, national form: "+44 7700 900123" and "07700-900 123" are both 07700900123.
  phone text not null check (phone ~ '^[0-9]{5,15}$'),
  primary key (tenant_id, person_id, phone),
  foreign key (tenant_id, person_id) references people (tenant_id, id) on delete cascade
);
create index person_phones_phone on person_phones (tenant_id, phone);

create table organisations (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null,
  kind text not null check (kind in ('charity', 'business', 'partner', 'public-body', 'other')),
  email text,
  phone text,
  uprn text,
  address jsonb,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index organisations_name on organisations using gist (lower(name) gist_trgm_ops);

create table organisation_contacts (
  tenant_id uuid not null references tenants (id) on delete cascade,
  organisation_id uuid not null,
  person_id uuid not null,
  role text not null default '',
  primary key (tenant_id, organisation_id, person_id),
  foreign key (tenant_id, organisation_id) references organisations (tenant_id, id) on delete cascade,
  foreign key (tenant_id, person_id) references people (tenant_id, id) on delete cascade
);
create index organisation_contacts_person on organisation_contacts (tenant_id, person_id);

-- The timeline is the interactions table: who, which organisation, why, what came of it.
alter table interactions
  add column person_id uuid,
  add column organisation_id uuid,
  add column reason text,
  add column outcome text,
  -- Failure demand: a contact that better service would have made unnecessary.
  add column avoidable text check (avoidable in ('chasing-progress', 'unclear-information', 'repeat-unresolved')),
  add column note text not null default '';
alter table interactions add constraint interactions_person foreign key (tenant_id, person_id)
  references people (tenant_id, id) on delete set null (person_id);
alter table interactions add constraint interactions_organisation foreign key (tenant_id, organisation_id)
  references organisations (tenant_id, id) on delete set null (organisation_id);
create index interactions_person on interactions (tenant_id, person_id, occurred_at desc) where person_id is not null;
create index interactions_organisation on interactions (tenant_id, organisation_id, occurred_at desc) where organisation_id is not null;

alter table cases add column person_id uuid;
alter table cases add constraint cases_person foreign key (tenant_id, person_id)
  references people (tenant_id, id) on delete set null (person_id);
create index cases_person on cases (tenant_id, person_id) where person_id is not null;

-- A merge moves rows from one record to another; what moved is kept so it can be undone.
create table person_merges (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  kept_id uuid not null,
  merged_id uuid not null,
  -- { interactions: [ids], cases: [ids], emails: [..], phones: [..], organisations: [ids] }
  moved jsonb not null,
  score double precision,
  staff_id text,
  created_at timestamptz not null default now(),
  undone_at timestamptz,
  primary key (tenant_id, id)
);

-- Candidate duplicates found by the matcher; a pair is reviewed once (merged or not the same).
create table person_match_candidates (
  tenant_id uuid not null references tenants (id) on delete cascade,
  person_a uuid not null,
  person_b uuid not null check (person_a < person_b),
  score double precision not null,
  -- Per field: { field, level, weight } so staff see why.
  evidence jsonb not null,
  status text not null default 'open' check (status in ('open', 'merged', 'not-duplicate')),
  found_at timestamptz not null default now(),
  primary key (tenant_id, person_a, person_b),
  foreign key (tenant_id, person_a) references people (tenant_id, id) on delete cascade,
  foreign key (tenant_id, person_b) references people (tenant_id, id) on delete cascade
);
create index person_match_open on person_match_candidates (tenant_id, score desc) where status = 'open';

-- The batch job's place, so a stopped run resumes; the model's weights estimated by EM.
create table person_match_runs (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  model jsonb,
  last_person uuid,
  pairs integer not null default 0,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id)
);
