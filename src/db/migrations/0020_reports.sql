-- Street problem reports (FixMyStreet class) and Open311 GeoReport v2 in both directions.

-- A council's area, as GeoJSON (Polygon or MultiPolygon, WGS84 [lng, lat]). The bounding
-- box lets the area service skip boundaries far from a point before the polygon test.
create table boundaries (
  tenant_id uuid not null references tenants (id) on delete cascade,
  code text not null check (code ~ '^[a-z0-9][a-z0-9-]{0,79}$'),
  name text not null,
  geometry jsonb not null check (geometry ->> 'type' in ('Polygon', 'MultiPolygon')),
  min_lat double precision not null,
  min_lng double precision not null,
  max_lat double precision not null,
  max_lng double precision not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, code)
);

-- What a council fixes: the service_code of Open311. Extra questions are a form definition
-- (form_definitions, slug form_slug) run by the form engine. A back office, when set,
-- receives each new report through the outbox and sends its updates back.
create table report_categories (
  tenant_id uuid not null references tenants (id) on delete cascade,
  code text not null check (code ~ '^[a-z0-9][a-z0-9-]{0,59}$'),
  name jsonb not null,
  description jsonb not null default '{}',
  grp text not null default '',
  form_slug text,
  due_days integer not null default 10 check (due_days between 1 and 365),
  sort integer not null default 0,
  active boolean not null default true,
  backoffice_url text,
  backoffice_jurisdiction text,
  backoffice_key text,
  backoffice_service_code text,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, code)
);

-- A report is a case (reference, status, queue, due date) with a place and a category.
create table reports (
  tenant_id uuid not null references tenants (id) on delete cascade,
  case_id uuid not null,
  reference text not null,
  category text not null,
  title text not null,
  -- As the resident wrote it; `title` is what the public sees (staff may edit it).
  original_title text not null,
  description text not null,
  lat double precision not null check (lat between -90 and 90),
  lng double precision not null check (lng between -180 and 180),
  uprn text,
  address_text text not null default '',
  name text,
  email text,
  phone text,
  hide_name boolean not null default false,
  extra jsonb not null default '{}',
  -- The council whose site it was made on (a slug: may be another council).
  made_on text not null default '',
  channel text not null default 'web',
  hidden_reason text,
  duplicate_of uuid,
  backoffice_id text,
  backoffice_token text,
  external_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, case_id),
  unique (tenant_id, reference),
  foreign key (tenant_id, case_id) references cases (tenant_id, id) on delete cascade,
  foreign key (tenant_id, category) references report_categories (tenant_id, code)
);
-- "Open reports within 50 m": a range on latitude narrows to a thin band, longitude filters it.
create index reports_place on reports (tenant_id, lat, lng);
create index reports_category_time on reports (tenant_id, category, created_at desc);
create index reports_time on reports (tenant_id, created_at desc);
create unique index reports_external on reports (tenant_id, external_id) where external_id is not null;

create table report_photos (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  case_id uuid not null,
  position smallint not null,
  file_id uuid not null,
  thumb_file_id uuid not null,
  width integer not null,
  height integer not null,
  hidden_reason text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id) references reports (tenant_id, case_id) on delete cascade
);
create index report_photos_case on report_photos (tenant_id, case_id, position);

-- Public updates: by staff, or from the back office (external_id is its update_id).
create table report_updates (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  case_id uuid not null,
  source text not null check (source in ('staff', 'backoffice', 'api', 'system')),
  status text not null,
  description text not null default '',
  external_id text,
  hidden_reason text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id) references reports (tenant_id, case_id) on delete cascade
);
create index report_updates_case on report_updates (tenant_id, case_id, created_at);
create index report_updates_time on report_updates (tenant_id, created_at);
create unique index report_updates_external on report_updates (tenant_id, case_id, external_id)
  where external_id is not null;

-- People told of updates to a report: the reporter, and "me too" followers once confirmed.
create table report_followers (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  case_id uuid not null,
  email text not null,
  -- Confirm and stop links are signed (tenant, case, email): no token is stored.
  confirmed_at timestamptz,
  stopped_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, case_id, email),
  foreign key (tenant_id, case_id) references reports (tenant_id, case_id) on delete cascade
);

-- "Tell me about new reports within N metres of a postcode", in each council covering it.
create table report_area_alerts (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  email text not null,
  postcode text not null,
  lat double precision not null,
  lng double precision not null,
  radius_m integer not null check (radius_m between 50 and 5000),
  -- One sign-up writes a row in each council covering the place, all with one group id;
  -- its signed confirm and stop links act on the group.
  group_id uuid not null,
  confirmed_at timestamptz,
  stopped_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index report_area_alerts_group on report_area_alerts (group_id);
create index report_area_alerts_place on report_area_alerts (tenant_id, lat, lng) where confirmed_at is not null and stopped_at is null;

-- Where the pull of each back office's updates has got to.
create table open311_pulls (
  tenant_id uuid not null references tenants (id) on delete cascade,
  endpoint text not null,
  pulled_to timestamptz not null,
  primary key (tenant_id, endpoint)
);

-- API keys (REST API and Open311), created by staff and shown once: only a hash is kept.
create table api_keys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null,
  key_hash text not null unique,
  hint text not null,
  scopes text[] not null default '{open311}',
  created_by text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
