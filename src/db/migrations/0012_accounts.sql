-- Residents' accounts: optional, never required. An account is a set of verified emails and
-- the details the person chose to give; everything else stays on the records it belongs to.
create table accounts (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  given_name text,
  family_name text,
  phone text,
  -- { uprn?, line1, line2?, town, postcode }: the UPRN is kept when picked from the gazetteer.
  address jsonb,
  preferred_language text check (preferred_language in ('en', 'cy')),
  preferred_channel text check (preferred_channel in ('email', 'phone', 'letter')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);

-- Each email proved by a code sent to it; compared case-blind.
create table account_emails (
  tenant_id uuid not null references tenants (id) on delete cascade,
  account_id uuid not null,
  email text not null,
  verified_at timestamptz not null,
  primary key (tenant_id, account_id, email),
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade
);
create unique index account_emails_address on account_emails (tenant_id, lower(email));

-- What a person did as a guest moves into their account when they claim it.
alter table cases add column account_id uuid;
alter table cases add constraint cases_account foreign key (tenant_id, account_id)
  references accounts (tenant_id, id) on delete set null (account_id);
create index cases_by_account on cases (tenant_id, account_id, created_at desc) where account_id is not null;
create index submissions_by_email on submissions (tenant_id, lower(email)) where email is not null;

alter table form_drafts add column account_id uuid;
alter table form_drafts add constraint form_drafts_account foreign key (tenant_id, account_id)
  references accounts (tenant_id, id) on delete cascade;
create index form_drafts_by_account on form_drafts (tenant_id, account_id) where account_id is not null;
create index form_drafts_by_email on form_drafts (tenant_id, lower(email)) where email is not null;

-- The emails a council sent, so a person can see them in their account. Sign-in codes are not
-- kept. Deleted by housekeeping after the retention below (see accounts/service.ts).
create table sent_mail (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  job_id text not null,
  to_address text not null,
  subject text not null,
  text_body text not null,
  sent_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, job_id)
);
create index sent_mail_by_address on sent_mail (tenant_id, lower(to_address), sent_at desc);
