import type { Queryable } from '../../db/database.ts';
import type { TenantRegistry } from '../../platform/tenancy/registry.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import { contains, type Geometry, type Point } from './geo.ts';
import {
  type Category,
  insertAreaAlert,
  listCategories,
  type NearbyReport,
  openStatuses,
  reportsNear,
} from './store.ts';

/**
 * The area service: the ONE sanctioned path across councils (architecture.md, "The spine").
 * It knows which councils cover a place, which of them is responsible for a category there,
 * and answers "reports near here" from every council covering the place. Every other query
 * names one council.
 */
export class AreaService {
  readonly #db: Queryable;
  readonly #tenants: TenantRegistry;

  constructor(db: Queryable, tenants: TenantRegistry) {
    this.#db = db;
    this.#tenants = tenants;
  }

  /** The councils whose boundary holds the point, the smallest area (the lower tier) first. */
  async councilsAt(p: Point, q: Queryable = this.#db): Promise<Tenant[]> {
    const rows = await q.query<{ tenant_id: string; geometry: Geometry; area: number }>(
      `select tenant_id, geometry, (max_lat - min_lat) * (max_lng - min_lng) as area from boundaries
        where min_lat <= $1 and max_lat >= $1 and min_lng <= $2 and max_lng >= $2
        order by area, tenant_id`,
      [p.lat, p.lng],
    );
    const seen = new Set<string>();
    const out: Tenant[] = [];
    for (const row of rows) {
      if (seen.has(row.tenant_id) || !contains(row.geometry, p)) continue;
      const tenant = this.#tenants.byId(row.tenant_id);
      if (!tenant) continue;
      seen.add(row.tenant_id);
      out.push(tenant);
    }
    return out;
  }

  /**
   * Every category offered at the place, each with the council responsible for it: where
   * two councils offer the same code, the first council (the lower tier) has it.
   */
  async categoriesAt(p: Point): Promise<{ council: Tenant; category: Category }[]> {
    const councils = await this.councilsAt(p);
    const taken = new Set<string>();
    const out: { council: Tenant; category: Category }[] = [];
    for (const council of councils) {
      for (const category of await listCategories(this.#db, council.id)) {
        if (taken.has(category.code)) continue;
        taken.add(category.code);
        out.push({ council, category });
      }
    }
    return out.sort(
      (a, b) => a.category.sort - b.category.sort || a.category.code.localeCompare(b.category.code),
    );
  }

  /** The council responsible for `code` at the place, or undefined (outside every boundary, or nobody does it). */
  async responsibleFor(p: Point, code: string): Promise<{ council: Tenant; category: Category } | undefined> {
    return (await this.categoriesAt(p)).find((c) => c.category.code === code);
  }

  /** Visible reports near the place, from every council covering it, nearest first. */
  async reportsNear(
    p: Point,
    metres: number,
    filter: { category?: string; open?: boolean; closed?: boolean; limit?: number; offset?: number } = {},
  ): Promise<(NearbyReport & { council: Tenant })[]> {
    const councils = await this.councilsAt(p);
    const statuses = filter.open ? openStatuses : filter.closed ? ['completed', 'closed'] : undefined;
    const want = (filter.limit ?? 50) + (filter.offset ?? 0);
    const lists = await Promise.all(
      councils.map(async (council) =>
        (
          await reportsNear(this.#db, council.id, p, metres, {
            category: filter.category,
            statuses,
            limit: want,
          })
        ).map((r) => ({ ...r, council })),
      ),
    );
    return lists
      .flat()
      .sort((a, b) => a.distanceM - b.distanceM || b.createdAt.getTime() - a.createdAt.getTime())
      .slice(filter.offset ?? 0, want);
  }

  /** An area alert in every council covering the place, under one group id; false outside every council. */
  async subscribe(
    q: Queryable,
    a: { email: string; postcode: string; lat: number; lng: number; radiusM: number; groupId: string },
  ): Promise<Tenant[]> {
    const councils = await this.councilsAt(a, q);
    for (const council of councils) await insertAreaAlert(q, council.id, a);
    return councils;
  }

  /** Confirms or stops an alert group in every council that holds part of it. */
  async setAlertGroup(groupId: string, action: 'confirm' | 'stop'): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(groupId)) return false;
    const rows = await this.#db.query(
      action === 'confirm'
        ? `update report_area_alerts set confirmed_at = coalesce(confirmed_at, now()) where group_id = $1 and stopped_at is null returning 1`
        : `update report_area_alerts set stopped_at = coalesce(stopped_at, now()) where group_id = $1 returning 1`,
      [groupId],
    );
    return rows.length > 0;
  }
}
