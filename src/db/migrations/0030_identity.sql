-- Further ways into the same account (residents) or staff user: passkeys and external
-- OpenID Connect providers. No method is ever mandatory; the emailed code always remains.

-- WebAuthn credentials. A passkey belongs to one council (its host is the relying party)
-- and to either a resident's account or a member of staff.
create table passkeys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  account_id uuid,
  staff_user_id uuid,
  -- base64url, as the browser gives it
  credential_id text not null,
  -- COSE public key, base64url
  public_key text not null,
  counter bigint not null default 0,
  transports jsonb not null default '[]',
  name text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, credential_id),
  check ((account_id is null) <> (staff_user_id is null)),
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade,
  foreign key (tenant_id, staff_user_id) references staff_users (tenant_id, id) on delete cascade
);
create index passkeys_by_account on passkeys (tenant_id, account_id) where account_id is not null;
create index passkeys_by_staff on passkeys (tenant_id, staff_user_id) where staff_user_id is not null;

-- OpenID providers an administrator configured: for residents (a further way to sign in)
-- or for staff (single sign-on through the council's own provider).
create table identity_providers (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- In the callback address, so it can be registered with the provider before first use.
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  audience text not null check (audience in ('residents', 'staff')),
  issuer text not null,
  client_id text not null,
  auth_method text not null check (auth_method in ('client_secret_basic', 'client_secret_post', 'private_key_jwt')),
  -- AES-256-GCM under a key derived from the session secret; never shown back.
  client_secret_enc text,
  private_key_enc text,
  public_jwk jsonb,
  scopes text not null default 'openid email',
  -- { "en": "…", "cy": "…" }: the button's words
  label jsonb not null,
  -- Sent on every authorization request, e.g. GOV.UK One Login's { "vtr": "[\"Cl.Cm\"]" }
  extra_params jsonb not null default '{}',
  enabled boolean not null default true,
  -- Staff only: the claim holding roles or groups, and which claim value means which role.
  role_claim text,
  role_map jsonb not null default '{}',
  -- Staff only: the provider's own second factor counts; ours is not asked.
  trust_second_factor boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, slug)
);

-- A person at a provider (issuer + subject) linked to a resident's account.
create table account_identities (
  tenant_id uuid not null references tenants (id) on delete cascade,
  account_id uuid not null,
  provider_id uuid,
  issuer text not null,
  subject text not null,
  email text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  primary key (tenant_id, issuer, subject),
  foreign key (tenant_id, account_id) references accounts (tenant_id, id) on delete cascade,
  foreign key (tenant_id, provider_id) references identity_providers (tenant_id, id) on delete set null (provider_id)
);
create index account_identities_by_account on account_identities (tenant_id, account_id);

-- The same for staff single sign-on.
create table staff_identities (
  tenant_id uuid not null references tenants (id) on delete cascade,
  staff_user_id uuid not null,
  issuer text not null,
  subject text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  primary key (tenant_id, issuer, subject),
  foreign key (tenant_id, staff_user_id) references staff_users (tenant_id, id) on delete cascade
);
