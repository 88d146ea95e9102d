-- The gazetteer: each council's addresses by UPRN (the same property has the same UPRN in
-- every council covering it), with facts about the property such as its bin round.
create table addresses (
  tenant_id uuid not null references tenants (id) on delete cascade,
  uprn text not null check (uprn ~ '^[1-9][0-9]{0,11}$'),
  line1 text not null check (line1 <> ''),
  line2 text,
  town text not null check (town <> ''),
  -- Normalised: upper case, one space before the inward code ("RF1 1AA").
  postcode text not null check (postcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'),
  lat double precision not null check (lat between -90 and 90),
  lng double precision not null check (lng between -180 and 180),
  facts jsonb not null default '{}' check (jsonb_typeof(facts) = 'object'),
  search_text text generated always as (
    lower(line1 || ' ' || coalesce(line2, '') || ' ' || town || ' ' || postcode)
  ) stored,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, uprn)
);
create index addresses_postcode on addresses (tenant_id, postcode);
-- GiST rather than GIN: several times cheaper to keep up to date on import, and as quick to
-- search at a council's scale.
create index addresses_search on addresses using gist (search_text gist_trgm_ops);

-- Local information: the waste collection authority's rounds and its calendar changes.
create table bin_rounds (
  tenant_id uuid not null references tenants (id) on delete cascade,
  code text not null check (code ~ '^[A-Z0-9][A-Z0-9-]{0,39}$'),
  name jsonb not null,
  -- ISO weekday of the round: 1 Monday … 7 Sunday.
  weekday smallint not null check (weekday between 1 and 7),
  -- [{ "bin": "refuse", "everyWeeks": 2, "anchor": "2026-01-05", "months": [3, …, 11] }]:
  -- collected on the anchor date and every everyWeeks weeks before and after it.
  services jsonb not null default '[]' check (jsonb_typeof(services) = 'array'),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, code)
);

-- Collections due on original_date happen on new_date instead (bank holidays).
create table collection_changes (
  tenant_id uuid not null references tenants (id) on delete cascade,
  original_date date not null,
  new_date date not null,
  reason jsonb not null,
  primary key (tenant_id, original_date)
);
create index collection_changes_new_date on collection_changes (tenant_id, new_date);
