-- Secrets that sign a council's outgoing webhooks, referred to by name from form outputs
-- (a definition is exported and imported as JSON, so it never holds the secret itself).
create table webhook_secrets (
  tenant_id uuid not null references tenants (id) on delete cascade,
  name text not null check (name ~ '^[a-z0-9][a-z0-9-]*$'),
  secret text not null check (length(secret) >= 16),
  created_at timestamptz not null default now(),
  primary key (tenant_id, name)
);
