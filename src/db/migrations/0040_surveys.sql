-- Surveys and consultations: staff build them, anyone with the link (or an invitation) answers.
create table surveys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{1,79}$'),
  kind text not null default 'survey' check (kind in ('survey', 'consultation')),
  title jsonb not null,
  description jsonb not null default '{"en": ""}',
  -- { pages: [{ id, title?, questions: [...] }] }: the form engine's questions plus rating, likert, ranking.
  definition jsonb not null,
  access text not null check (access in ('link', 'invitation')),
  anonymous boolean not null default true,
  allow_edit boolean not null default false,
  opens_at timestamptz,
  closes_at timestamptz,
  response_limit integer check (response_limit > 0),
  -- [{ title: { en, cy }, url }]
  documents jsonb not null default '[]',
  -- Who to ask for large print, easy read, Braille, audio or another language.
  alternative_formats jsonb not null default '{"en": ""}',
  -- "We asked, you said, we did": { asked, said, did }, each { en, cy }.
  outcome jsonb,
  outcome_published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, slug)
);

-- One row per invitee. The token is only ever stored hashed; `answered` is kept here and
-- never joined to an anonymous response (which carries no invitation).
create table survey_invitations (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  survey_id uuid not null,
  list_name text not null,
  name text not null,
  email text not null,
  person_id uuid,
  token_hash text not null,
  answered boolean not null default false,
  invited_at timestamptz not null default now(),
  reminded_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, survey_id, email),
  unique (token_hash),
  foreign key (tenant_id, survey_id) references surveys (tenant_id, id) on delete cascade
);
create index survey_invitations_list on survey_invitations (tenant_id, survey_id, list_name);
create index survey_invitations_email on survey_invitations (tenant_id, email);

-- A response, saved page by page. For an anonymous survey: no invitation, account, person,
-- IP or session, and dates at day precision, so nothing ties it to whoever gave it.
create table survey_responses (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  survey_id uuid not null,
  status text not null default 'draft' check (status in ('draft', 'submitted')),
  answers jsonb not null default '{}',
  -- A keyed hash of what lets its author come back: their invitation, or a key in their session.
  resume_hash text not null,
  -- Which invite list it came through (a list, never a person), for filters and response rates.
  list_name text,
  invitation_id uuid,
  account_id uuid,
  person_id uuid,
  started_on date not null,
  submitted_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, survey_id, resume_hash),
  foreign key (tenant_id, survey_id) references surveys (tenant_id, id) on delete cascade
);
create index survey_responses_submitted on survey_responses (tenant_id, survey_id) where status = 'submitted';

-- Tags staff put on free-text answers, to group what people said.
create table survey_answer_tags (
  tenant_id uuid not null references tenants (id) on delete cascade,
  survey_id uuid not null,
  response_id uuid not null,
  question_id text not null,
  tag text not null check (length(tag) between 1 and 60),
  primary key (tenant_id, response_id, question_id, tag),
  foreign key (tenant_id, response_id) references survey_responses (tenant_id, id) on delete cascade
);
create index survey_answer_tags_survey on survey_answer_tags (tenant_id, survey_id);
