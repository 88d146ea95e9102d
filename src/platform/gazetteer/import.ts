import type { Database } from '../../db/database.ts';
import { readCsv } from './csv.ts';
import { parsePostcode } from './postcode.ts';
import { type Address, type AddressFacts, upsertAddresses } from './store.ts';

/**
 * Loading a council's gazetteer from CSV: one row per property, with its UPRN, address lines,
 * town, postcode, latitude and longitude; any other column is a fact about the property
 * (bin_round becomes the fact binRound). Bad rows are skipped and reported by line; good
 * rows are upserted in batches, each in its own transaction, so an import stopped half way
 * can simply be run again.
 */

export class GazetteerImportError extends Error {}

export interface ColumnMap {
  uprn: number;
  line1: number;
  line2: number | undefined;
  line3: number | undefined;
  town: number;
  postcode: number;
  lat: number;
  lng: number;
  /** [fact name, column] of every other column. */
  facts: [string, number][];
}

const aliases: Record<Exclude<keyof ColumnMap, 'facts'>, string[]> = {
  uprn: ['uprn'],
  line1: ['line1', 'line_1', 'address_line_1', 'address_line1', 'address1', 'address_1', 'addr1'],
  line2: ['line2', 'line_2', 'address_line_2', 'address_line2', 'address2', 'address_2', 'addr2'],
  line3: ['line3', 'line_3', 'address_line_3', 'address_line3', 'address3', 'address_3', 'addr3'],
  town: ['town', 'post_town', 'posttown', 'town_city', 'city'],
  postcode: ['postcode', 'post_code', 'postal_code'],
  lat: ['latitude', 'lat'],
  lng: ['longitude', 'lng', 'lon', 'long'],
};
const required = ['uprn', 'line1', 'town', 'postcode', 'lat', 'lng'] as const;
const labels: Record<(typeof required)[number], string> = {
  uprn: 'UPRN',
  line1: 'address line 1',
  town: 'town',
  postcode: 'postcode',
  lat: 'latitude',
  lng: 'longitude',
};

const normaliseHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
const camelCase = (h: string) => h.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Which column holds what, from the header row; names are read case-blind, spaces or underscores alike. */
export function mapColumns(header: readonly string[]): ColumnMap {
  const names = header.map(normaliseHeader);
  const seen = new Set<string>();
  for (const name of names) {
    if (!name) throw new GazetteerImportError('the header row has an empty column name');
    if (seen.has(name)) throw new GazetteerImportError(`the header row names column "${name}" twice`);
    seen.add(name);
  }
  const find = (key: keyof typeof aliases) => {
    const index = names.findIndex((n) => aliases[key].includes(n));
    return index < 0 ? undefined : index;
  };
  const missing = required.filter((key) => find(key) === undefined);
  if (missing.length) {
    throw new GazetteerImportError(
      `the header row lacks ${missing.map((k) => `${labels[k]} (${aliases[k][0]})`).join(', ')}; it has ${names.join(', ')}`,
    );
  }
  const known = new Set(Object.values(aliases).flat());
  return {
    uprn: find('uprn')!,
    line1: find('line1')!,
    line2: find('line2'),
    line3: find('line3'),
    town: find('town')!,
    postcode: find('postcode')!,
    lat: find('lat')!,
    lng: find('lng')!,
    facts: names.flatMap((n, i) => (known.has(n) ? [] : [[camelCase(n), i] as [string, number]])),
  };
}

const maxLength = 200;

function coordinate(value: string, min: number, max: number): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/** One data row as an address, or what is wrong with it. */
export function readRow(
  fields: readonly string[],
  columns: ColumnMap,
  width: number,
): { address: Address } | { errors: string[] } {
  if (fields.length !== width) return { errors: [`has ${fields.length} values, expected ${width}`] };
  const get = (i: number | undefined) => (i === undefined ? '' : (fields[i] ?? '').trim());
  const errors: string[] = [];
  const uprnText = get(columns.uprn);
  const uprn = uprnText.replace(/^0+(?=\d)/, '');
  if (!/^[1-9]\d{0,11}$/.test(uprn)) errors.push(`UPRN "${uprnText}" is not a number of up to 12 digits`);
  const line1 = get(columns.line1);
  const line2 = [get(columns.line2), get(columns.line3)].filter(Boolean).join(', ');
  const town = get(columns.town);
  if (!line1) errors.push('address line 1 is empty');
  if (!town) errors.push('town is empty');
  for (const [label, value] of [
    ['address line 1', line1],
    ['address lines 2 and 3', line2],
    ['town', town],
  ] as const) {
    if (value.length > maxLength) errors.push(`${label} is longer than ${maxLength} characters`);
  }
  const postcodeText = get(columns.postcode);
  const postcode = parsePostcode(postcodeText);
  if ('error' in postcode) {
    errors.push(postcodeText ? `postcode "${postcodeText}" is not a UK postcode` : 'postcode is empty');
  }
  // The UK and its waters, generously: a point outside is a swapped or projected coordinate.
  const lat = coordinate(get(columns.lat), 49, 61);
  const lng = coordinate(get(columns.lng), -9, 2);
  if (lat === undefined) errors.push(`latitude "${get(columns.lat)}" is not a number between 49 and 61`);
  if (lng === undefined) errors.push(`longitude "${get(columns.lng)}" is not a number between -9 and 2`);
  const facts: AddressFacts = {};
  for (const [name, index] of columns.facts) {
    const value = get(index);
    if (value.length > maxLength) errors.push(`${name} is longer than ${maxLength} characters`);
    else if (value) facts[name] = value;
  }
  if (errors.length || 'error' in postcode || lat === undefined || lng === undefined) return { errors };
  return {
    address: { uprn, line1, line2: line2 || null, town, postcode: postcode.postcode, lat, lng, facts },
  };
}

export interface RowError {
  line: number;
  errors: string[];
}

export interface ImportProgress {
  /** Data rows read so far, good and bad. */
  rows: number;
  imported: number;
  skipped: number;
}

export interface ImportReport extends ImportProgress {
  inserted: number;
  updated: number;
  unchanged: number;
  /** The first bad rows (up to `maxErrors`); `skipped` counts them all. */
  errors: RowError[];
  /** Stopped by the signal before the end of the file; the batches written so far are kept. */
  stopped: boolean;
}

export interface ImportOptions {
  batchSize?: number;
  /** Stops after the batch being written. */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  maxErrors?: number;
  /** `merge` (the default) keeps facts the file does not mention; `replace` drops them. */
  facts?: 'merge' | 'replace';
}

export async function importGazetteer(
  db: Database,
  tenantId: string,
  source: AsyncIterable<string | Uint8Array>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 2000;
  const maxErrors = options.maxErrors ?? 100;
  const report: ImportReport = {
    rows: 0,
    imported: 0,
    skipped: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    errors: [],
    stopped: false,
  };
  const skip = (line: number, errors: string[]) => {
    report.skipped++;
    if (report.errors.length < maxErrors) report.errors.push({ line, errors });
  };
  let columns: ColumnMap | undefined;
  let width = 0;
  let batch: Address[] = [];

  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    const result = await db.transaction((tx) =>
      upsertAddresses(tx, tenantId, rows, { facts: options.facts ?? 'merge' }),
    );
    report.inserted += result.inserted;
    report.updated += result.updated;
    report.unchanged += result.unchanged;
    report.imported += rows.length;
    options.onProgress?.({ rows: report.rows, imported: report.imported, skipped: report.skipped });
  };

  for await (const record of readCsv(source)) {
    if (!columns) {
      columns = mapColumns(record.fields);
      width = record.fields.length;
      continue;
    }
    report.rows++;
    if (record.problem) {
      skip(record.line, [`is not valid CSV: ${record.problem}`]);
      continue;
    }
    const row = readRow(record.fields, columns, width);
    if ('errors' in row) skip(record.line, row.errors);
    else batch.push(row.address);
    if (batch.length >= batchSize) {
      await flush();
      if (options.signal?.aborted) {
        report.stopped = true;
        return report;
      }
    }
  }
  if (!columns) throw new GazetteerImportError('the file is empty: it needs a header row');
  // The end of the file: the last batch is written even when asked to stop, being the last.
  await flush();
  return report;
}
