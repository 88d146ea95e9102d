import type { Queryable } from '../../db/database.ts';
import { normalisePostcode } from '../../platform/gazetteer/postcode.ts';
import { searchAddresses } from '../../platform/gazetteer/store.ts';
import { parseReference } from '../../platform/references/reference.ts';
import { type Contact, nameKey, normaliseEmail, normalisePhone } from './contact.ts';
import { findDuplicatesOf } from './duplicates.ts';
import {
  addEmail,
  addPhone,
  findPerson,
  insertInteraction,
  insertPerson,
  type NewInteraction,
  type PersonHit,
  peopleByEmail,
  peopleByPhone,
  personByAccount,
  searchOrganisations,
  searchPeopleByEmail,
  searchPeopleByName,
  searchPeopleByPhone,
  searchPeopleByPostcode,
  setAccount,
  setPersonAddress,
} from './store.ts';

/**
 * The person a submission, report or sign-in belongs to, found without staff effort: by
 * account, then email, then phone; a new record when nobody matches. Contact points the
 * record lacks are added. Returns undefined for an anonymous contact (nothing to go on).
 * Likely duplicates are left to the matcher, which staff review.
 */
export async function linkContact(
  tx: Queryable,
  tenantId: string,
  c: Contact & { accountId?: string | null; verifiedEmail?: boolean },
): Promise<string | undefined> {
  const email = normaliseEmail(c.email);
  const phone = normalisePhone(c.phone);
  let personId = c.accountId ? await personByAccount(tx, tenantId, c.accountId) : undefined;
  if (!personId && email) [personId] = await peopleByEmail(tx, tenantId, email);
  if (!personId && phone) [personId] = await peopleByPhone(tx, tenantId, phone);
  if (!personId && !email && !phone && !c.accountId) return undefined;
  const created = !personId;
  if (!personId) {
    personId = await insertPerson(tx, tenantId, {
      givenName: c.givenName ?? '',
      familyName: c.familyName ?? '',
      accountId: c.accountId ?? null,
      address: c.address ?? null,
    });
  } else {
    const person = await findPerson(tx, tenantId, personId);
    if (person && !person.uprn && c.address?.uprn) await setPersonAddress(tx, tenantId, personId, c.address);
    if (person && c.accountId && !person.accountId) await setAccount(tx, tenantId, personId, c.accountId);
  }
  if (email) await addEmail(tx, tenantId, personId, email, c.verifiedEmail ?? false);
  if (phone) await addPhone(tx, tenantId, personId, phone);
  if (created) await findDuplicatesOf(tx, tenantId, personId);
  return personId;
}

export type SearchResult =
  | { kind: 'person'; person: PersonHit }
  | { kind: 'case'; reference: string; personId: string | null }
  | { kind: 'property'; uprn: string; line1: string; line2: string | null; town: string; postcode: string }
  | { kind: 'organisation'; id: string; name: string; organisationKind: string };

/**
 * The contact centre's one search box: a reference, an email, a phone number in any format,
 * a postcode, an address or a name, each forgiving typos. What the text looks like decides
 * which searches run; a name search always runs as well, since "Smith 07700" is rare but
 * "Jon Smith" is the common case.
 */
export async function search(q: Queryable, tenantId: string, input: string): Promise<SearchResult[]> {
  const text = input.trim().slice(0, 200);
  if (text.length < 2) return [];
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  const addPeople = (hits: PersonHit[]) => {
    for (const h of hits) {
      if (seen.has(h.id)) continue;
      seen.add(h.id);
      results.push({ kind: 'person', person: h });
    }
  };
  const reference = parseReference(text);
  if (reference) {
    const [row] = await q.query<{ reference: string; personId: string | null }>(
      'select reference, person_id as "personId" from cases where tenant_id = $1 and reference = $2',
      [tenantId, reference.formatted],
    );
    if (row) results.push({ kind: 'case', reference: row.reference, personId: row.personId });
  }
  const email = normaliseEmail(text);
  if (email || text.includes('@')) addPeople(await searchPeopleByEmail(q, tenantId, text.toLowerCase()));
  const digits = text.replace(/[\s()+-.]/g, '');
  if (/^[0-9]{6,15}$/.test(digits)) {
    const phone = normalisePhone(text) ?? digits;
    addPeople(await searchPeopleByPhone(q, tenantId, phone));
  }
  const postcode = normalisePostcode(text);
  if (postcode) addPeople(await searchPeopleByPostcode(q, tenantId, postcode));
  if (!email && !/^[0-9\s()+-.]+$/.test(text)) {
    const key = nameKey(text, '');
    if (key.length >= 2 && !postcode) addPeople(await searchPeopleByName(q, tenantId, key));
    for (const o of await searchOrganisations(q, tenantId, key))
      results.push({ kind: 'organisation', id: o.id, name: o.name, organisationKind: o.kind });
    for (const a of await searchAddresses(q, tenantId, text, 8))
      results.push({
        kind: 'property',
        uprn: a.uprn,
        line1: a.line1,
        line2: a.line2,
        town: a.town,
        postcode: a.postcode,
      });
  }
  return results;
}

/** One row on the timeline, for other modules (casework): every contact, every channel. */
export async function recordInteraction(q: Queryable, tenantId: string, i: NewInteraction): Promise<string> {
  return insertInteraction(q, tenantId, i);
}
