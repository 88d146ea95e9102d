import type { Queryable } from '../../db/database.ts';
import { parsePostcode } from '../../platform/gazetteer/postcode.ts';
import { type Address, findByPostcode, findByUprn } from '../../platform/gazetteer/store.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import { addDays, type BinRound, type Collection, collectionsFor, ukDateOf } from './schedule.ts';
import { collectsBins, findRound, listChanges } from './store.ts';

/** What the pages show by default: the next four weeks, today included. */
export const upcomingDays = 28;
/** What the calendar file holds. */
export const calendarDays = 366;

export type AddressLookup =
  | { postcode: string; addresses: Address[] }
  | { error: 'empty' | 'invalid' | 'unknown'; postcode?: string };

/** The addresses at a postcode as a person typed it, or why there are none. */
export async function lookUpPostcode(q: Queryable, tenantId: string, input: unknown): Promise<AddressLookup> {
  const parsed = parsePostcode(input);
  if ('error' in parsed) return { error: parsed.error };
  const addresses = await findByPostcode(q, tenantId, parsed.postcode);
  if (!addresses.length) return { error: 'unknown', postcode: parsed.postcode };
  return { postcode: parsed.postcode, addresses };
}

/** Who collects the bins at an address, when it is not the council asked. */
export interface Collector {
  /** The council, when it is on this Doorstep site. */
  tenant?: Tenant;
  /** The name the gazetteer gives, when the council is not on this site. */
  name?: string;
}

export type BinDay =
  | { kind: 'collections'; address: Address; today: string; round: BinRound; collections: Collection[] }
  | { kind: 'no-round'; address: Address; today: string }
  | { kind: 'elsewhere'; address: Address; today: string; collector: Collector | undefined };

export interface Tenants {
  bySlug(slug: string): Tenant | undefined;
  all(): Tenant[];
}

/**
 * "When is my bin day": the collections at a property from today (the UK date at `now`) for
 * `days` days, bank-holiday changes applied. A council that does not collect bins (a county)
 * says which council does, from the `district` fact of its own gazetteer.
 */
export async function binDayFor(
  q: Queryable,
  tenants: Tenants,
  tenant: Tenant,
  uprn: string,
  now: Date,
  days = upcomingDays,
): Promise<BinDay | undefined> {
  const address = await findByUprn(q, tenant.id, uprn);
  if (!address) return undefined;
  const today = ukDateOf(now);
  if (!(await collectsBins(q, tenant.id))) {
    return { kind: 'elsewhere', address, today, collector: collectorOf(address, tenants, tenant) };
  }
  const code = address.facts.binRound;
  const round = code ? await findRound(q, tenant.id, code) : undefined;
  if (!round) return { kind: 'no-round', address, today };
  const changes = await listChanges(q, tenant.id, addDays(today, -21), addDays(today, days + 21));
  return {
    kind: 'collections',
    address,
    today,
    round,
    collections: collectionsFor(round, changes, today, days),
  };
}

function collectorOf(address: Address, tenants: Tenants, asked: Tenant): Collector | undefined {
  const district = address.facts.district?.trim();
  if (!district) return undefined;
  const wanted = district.toLowerCase();
  const tenant =
    tenants.bySlug(wanted) ?? tenants.all().find((t) => t.name.en.trim().toLowerCase() === wanted);
  if (tenant && tenant.id !== asked.id) return { tenant };
  return { name: district };
}
