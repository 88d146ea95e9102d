-- Staff users of a council. A platform administrator is a staff user of one council who may
-- also see every other council's staff (the one listing that reads across councils).
create table staff_users (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  email text not null check (email = lower(email)),
  name text not null,
  role text not null check (role in ('administrator', 'service-manager', 'case-officer', 'contact-centre-agent', 'analyst')),
  platform_admin boolean not null default false,
  -- The authenticator secret (base32), set once the person has proved their app works.
  totp_secret text,
  totp_enrolled_at timestamptz,
  -- The last TOTP time step accepted: a code is never accepted twice.
  totp_last_step bigint,
  -- Off: the account may not sign in. Only an administrator turns it off; failures never do.
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, email)
);

-- Single-use recovery codes, kept as HMACs.
create table staff_recovery_codes (
  tenant_id uuid not null,
  user_id uuid not null,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, user_id, code_hash),
  foreign key (tenant_id, user_id) references staff_users (tenant_id, id) on delete cascade
);
