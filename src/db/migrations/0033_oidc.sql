-- Doorstep as OpenID Provider (src/modules/oidc): council apps, the provider's own state and
-- its signing keys, every row belonging to one council (one issuer per council).

-- Apps registered by the council's administrators. A confidential app's secret is kept
-- encrypted (AES-256-GCM, key derived from the session secret), not hashed: oidc-provider
-- compares the secret it is given with the client's, and client_secret_jwt needs it too.
create table oidc_clients (
  tenant_id uuid not null references tenants (id) on delete cascade,
  client_id text not null,
  -- { "en": "…", "cy": "…" }, shown on the consent page and in My Account.
  name jsonb not null,
  kind text not null check (kind in ('confidential', 'public')),
  secret_encrypted text,
  redirect_uris text[] not null,
  post_logout_redirect_uris text[] not null default '{}',
  backchannel_logout_uri text,
  allowed_scopes text[] not null,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, client_id),
  check ((kind = 'confidential') = (secret_encrypted is not null))
);

-- oidc-provider's models (sessions, interactions, grants, codes, tokens), one row each.
create table oidc_payloads (
  tenant_id uuid not null references tenants (id) on delete cascade,
  model text not null,
  id text not null,
  payload jsonb not null,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed_at timestamptz,
  primary key (tenant_id, model, id)
);
create index oidc_payloads_by_grant on oidc_payloads (tenant_id, grant_id) where grant_id is not null;
create index oidc_payloads_by_uid on oidc_payloads (tenant_id, uid) where uid is not null;
create index oidc_payloads_by_user_code on oidc_payloads (tenant_id, user_code) where user_code is not null;
create index oidc_payloads_expiry on oidc_payloads (expires_at) where expires_at is not null;
-- A person's grants, for "apps you have allowed" in My Account.
create index oidc_payloads_grants_by_account on oidc_payloads (tenant_id, (payload->>'accountId'))
  where model = 'Grant';

-- Signing keys (private JWKs, encrypted like client secrets). The newest of each algorithm
-- signs; a retired key stays published in the JWKS until tokens signed with it have expired.
create table oidc_keys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  kid text not null,
  alg text not null check (alg in ('RS256', 'ES256')),
  private_jwk_encrypted text not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz,
  primary key (tenant_id, kid)
);
