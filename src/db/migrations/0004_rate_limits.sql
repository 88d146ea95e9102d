-- Rate-limit counters shared by every process, so that limits hold behind a load balancer.
create table rate_limits (
  tenant_id uuid not null references tenants (id) on delete cascade,
  key text not null,
  hits integer not null,
  window_ends_at timestamptz not null,
  primary key (tenant_id, key)
);
create index rate_limits_expiry on rate_limits (window_ends_at);
