import type { Queryable } from '../../db/database.ts';
import type { Tenant } from './tenant.ts';

interface TenantRow {
  id: string;
  slug: string;
  prefix: string;
  name: Tenant['name'];
  brand: Tenant['brand'];
  contact: Tenant['contact'];
  footer_links: Tenant['footerLinks'];
  hosts: string[] | null;
}

export interface TenantWithHosts extends Tenant {
  hosts: string[];
}

export async function listTenants(db: Queryable): Promise<TenantWithHosts[]> {
  const rows = await db.query<TenantRow>(
    `select t.id, t.slug, t.prefix, t.name, t.brand, t.contact, t.footer_links,
            array_remove(array_agg(h.host order by h.host), null) as hosts
       from tenants t left join tenant_hosts h on h.tenant_id = t.id
      group by t.id
      order by t.slug`,
  );
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    prefix: r.prefix,
    name: r.name,
    brand: r.brand,
    contact: r.contact,
    footerLinks: r.footer_links,
    hosts: r.hosts ?? [],
  }));
}

export interface NewTenant extends Omit<Tenant, 'id'> {
  hosts: string[];
}

/** Creates the council, or updates it when its slug exists; hosts are added, never taken from another council. */
export async function upsertTenant(db: Queryable, t: NewTenant): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `insert into tenants (slug, prefix, name, brand, contact, footer_links)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (slug) do update set prefix = excluded.prefix, name = excluded.name, brand = excluded.brand,
       contact = excluded.contact, footer_links = excluded.footer_links, updated_at = now()
     returning id`,
    [t.slug, t.prefix, ...[t.name, t.brand, t.contact, t.footerLinks].map((v) => JSON.stringify(v))],
  );
  const id = row!.id;
  for (const host of t.hosts) {
    const [owner] = await db.query<{ tenant_id: string }>(
      `insert into tenant_hosts (host, tenant_id) values ($1, $2)
       on conflict (host) do update set host = excluded.host returning tenant_id`,
      [host.toLowerCase(), id],
    );
    if (owner?.tenant_id !== id) throw new Error(`Host ${host} already belongs to another council`);
  }
  return id;
}
