import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { listTenants, type TenantWithHosts } from './store.ts';
import type { Tenant } from './tenant.ts';

/**
 * The councils of this deployment, held in memory: resolving the Host header happens on
 * every request and the list changes rarely. `refresh` reloads it after a change.
 */
export class TenantRegistry {
  #byHost = new Map<string, TenantWithHosts>();
  #bySlug = new Map<string, TenantWithHosts>();
  #byId = new Map<string, TenantWithHosts>();
  #brandVersions = new Map<string, string>();
  readonly #db: Queryable;
  readonly #fallbackSlug: string | undefined;

  constructor(db: Queryable, fallbackSlug: string | undefined) {
    this.#db = db;
    this.#fallbackSlug = fallbackSlug;
  }

  async refresh(): Promise<void> {
    const tenants = await listTenants(this.#db);
    this.#byHost = new Map(tenants.flatMap((t) => t.hosts.map((h) => [h, t] as const)));
    this.#bySlug = new Map(tenants.map((t) => [t.slug, t]));
    this.#byId = new Map(tenants.map((t) => [t.id, t]));
    this.#brandVersions = new Map(
      tenants.map((t) => [
        t.id,
        createHash('sha256').update(JSON.stringify(t.brand)).digest('hex').slice(0, 10),
      ]),
    );
  }

  /** Changes whenever the council's colours or logo change, to bust cached /brand.css and /logo.svg. */
  brandVersion(tenantId: string): string {
    return this.#brandVersions.get(tenantId) ?? '0';
  }

  /** The council serving a Host header (port ignored); in demo mode unknown hosts fall back. */
  forHost(hostHeader: string | undefined): Tenant | undefined {
    const host = (hostHeader ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    return this.#byHost.get(host) ?? (this.#fallbackSlug ? this.#bySlug.get(this.#fallbackSlug) : undefined);
  }

  bySlug(slug: string): Tenant | undefined {
    return this.#bySlug.get(slug);
  }

  byId(id: string): Tenant | undefined {
    return this.#byId.get(id);
  }

  all(): Tenant[] {
    return [...this.#bySlug.values()];
  }
}
