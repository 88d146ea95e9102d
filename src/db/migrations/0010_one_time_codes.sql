-- Emailed sign-in codes for any audience (staff, residents). A code row is written for every
-- request, known address or not, so that both do the same work; the code itself is kept only
-- as an HMAC (keyed by the session secret, salted by the row id), the address only as a hash.
create table one_time_codes (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null,
  audience text not null check (audience ~ '^[a-z][a-z-]{0,31}$'),
  address_hash text not null,
  code_hash text not null,
  attempts integer not null default 0,
  max_attempts integer not null check (max_attempts > 0),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  consumed_at timestamptz,
  primary key (tenant_id, id)
);
create index one_time_codes_expiry on one_time_codes (expires_at);
