import { createReadStream } from 'node:fs';
import { readCsv } from '../../../platform/gazetteer/csv.ts';
import { normalisePhone } from '../contact.ts';
import {
  eachCandidatePair,
  estimate,
  type MatchRecord,
  sampleComparisons,
  score,
  toRecord,
} from './model.ts';

/**
 * `people:match FILE.csv`: scores every candidate pair of a file's records. Columns are
 * Doorstep's (id, given_name, family_name, email, phone, date_of_birth, address, postcode,
 * uprn) or FEBRL's (rec_id, given_name, surname, street_number, address_1, address_2,
 * suburb, postcode, state, date_of_birth as YYYYMMDD); soc_sec_id is ignored, since
 * councils hold no such number.
 */
export async function readMatchFile(file: string, log: (line: string) => void): Promise<MatchRecord[]> {
  const records: MatchRecord[] = [];
  let header: string[] | undefined;
  for await (const row of readCsv(createReadStream(file))) {
    const values = row.fields.map((f) => f.trim());
    if (!header) {
      header = values.map((h) => h.toLowerCase());
      if (!header.includes('id') && !header.includes('rec_id'))
        throw new Error(`${file}: the header needs an id (or rec_id) column`);
      continue;
    }
    if (values.length === 1 && values[0] === '') continue;
    const get = (name: string) => {
      const i = header!.indexOf(name);
      return i >= 0 ? (values[i] ?? '') : '';
    };
    const dob = get('date_of_birth').replace(/\D/g, '');
    const dateOfBirth = /^\d{8}$/.test(dob) ? `${dob.slice(0, 4)}-${dob.slice(4, 6)}-${dob.slice(6, 8)}` : '';
    const address =
      get('address') ||
      [get('street_number'), get('address_1'), get('address_2'), get('suburb'), get('state')]
        .filter(Boolean)
        .join(' ');
    records.push(
      toRecord({
        id: get('id') || get('rec_id'),
        givenName: get('given_name'),
        familyName: get('family_name') || get('surname'),
        email: get('email'),
        phone: normalisePhone(get('phone')) ?? get('phone'),
        dateOfBirth,
        address,
        postcode: get('postcode'),
        uprn: get('uprn'),
      }),
    );
    if (records.length % 100000 === 0) log(`read ${records.length} records`);
  }
  return records;
}

/** Every candidate pair scoring at least the threshold, as `id_a,id_b,score`. */
export function matchRecords(
  records: readonly MatchRecord[],
  threshold: number,
  log: (line: string) => void,
): { a: string; b: string; score: number }[] {
  const { count, sample } = sampleComparisons(records);
  log(`${records.length} records, ${count} candidate pairs`);
  log('estimating m and u (EM)');
  const model = estimate(records, sample, { candidateCount: count });
  log(`chance two records at random are one person: ${model.lambda.toExponential(2)}`);
  const out: { a: string; b: string; score: number }[] = [];
  let i = 0;
  for (const [a, b] of eachCandidatePair(records)) {
    const s = score(model, records[a]!, records[b]!).score;
    if (s >= threshold) out.push({ a: records[a]!.id, b: records[b]!.id, score: s });
    if (++i % 500000 === 0) log(`scored ${i} of ${count} pairs`);
  }
  return out;
}
