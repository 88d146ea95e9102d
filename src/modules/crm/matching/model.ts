import { jaroWinkler, levenshtein, soundex, trigramSimilarity } from './compare.ts';

/**
 * Duplicate people by the Fellegi–Sunter model: each field of a pair of records agrees at
 * some level (exact, close, sounds alike, different) or is missing; each level has m (its
 * chance among true matches) and u (among non-matches); the match weight is the sum of
 * log2(m/u) over fields, so every field's contribution can be shown to staff. m and u are
 * estimated from the data by expectation–maximisation over the candidate pairs that
 * blocking finds, with u started from random pairs. Exact agreement on a name is adjusted
 * for how common the name is (term frequency): two "Smith"s say less than two "Okonkwo"s.
 */

export interface MatchRecord {
  id: string;
  givenName: string;
  familyName: string;
  email: string;
  phone: string;
  /** YYYY-MM-DD or ''. */
  dateOfBirth: string;
  /** Street and town as one string. */
  address: string;
  postcode: string;
  uprn: string;
}

export const fields = [
  'givenName',
  'familyName',
  'dateOfBirth',
  'email',
  'phone',
  'address',
  'postcode',
  'uprn',
] as const;
export type Field = (typeof fields)[number];

/** Level names per field, best first; the last is "different". Missing is -1. */
export const levels: Record<Field, readonly string[]> = {
  givenName: ['exact', 'close', 'phonetic', 'different'],
  familyName: ['exact', 'close', 'phonetic', 'different'],
  dateOfBirth: ['exact', 'one-typo', 'different'],
  email: ['exact', 'close', 'different'],
  phone: ['exact', 'different'],
  address: ['exact', 'close', 'different'],
  postcode: ['exact', 'one-typo', 'different'],
  uprn: ['exact', 'different'],
};

export type Comparison = Record<Field, number>;

function nameLevel(a: string, b: string): number {
  if (a === b) return 0;
  if (jaroWinkler(a, b) >= 0.9 || trigramSimilarity(a, b) >= 0.5) return 1;
  if (soundex(a) === soundex(b)) return 2;
  return 3;
}

export function compare(a: MatchRecord, b: MatchRecord): Comparison {
  const missing = (x: string, y: string) => !x || !y;
  const out = {} as Comparison;
  // Given and family names written the other way round count as agreeing.
  const swapped = a.givenName && a.familyName && a.givenName === b.familyName && a.familyName === b.givenName;
  out.givenName = swapped ? 0 : missing(a.givenName, b.givenName) ? -1 : nameLevel(a.givenName, b.givenName);
  out.familyName = swapped
    ? 0
    : missing(a.familyName, b.familyName)
      ? -1
      : nameLevel(a.familyName, b.familyName);
  out.dateOfBirth = missing(a.dateOfBirth, b.dateOfBirth)
    ? -1
    : a.dateOfBirth === b.dateOfBirth
      ? 0
      : levenshtein(a.dateOfBirth, b.dateOfBirth, 1) <= 1 || swappedDayMonth(a.dateOfBirth, b.dateOfBirth)
        ? 1
        : 2;
  out.email = missing(a.email, b.email)
    ? -1
    : a.email === b.email
      ? 0
      : levenshtein(a.email, b.email, 2) <= 2
        ? 1
        : 2;
  out.phone = missing(a.phone, b.phone) ? -1 : a.phone === b.phone ? 0 : 1;
  out.address = missing(a.address, b.address)
    ? -1
    : a.address === b.address
      ? 0
      : trigramSimilarity(a.address, b.address) >= 0.5
        ? 1
        : 2;
  out.postcode = missing(a.postcode, b.postcode)
    ? -1
    : a.postcode === b.postcode
      ? 0
      : levenshtein(a.postcode, b.postcode, 1) <= 1
        ? 1
        : 2;
  out.uprn = missing(a.uprn, b.uprn) ? -1 : a.uprn === b.uprn ? 0 : 1;
  return out;
}

function swappedDayMonth(a: string, b: string): boolean {
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  return ya === yb && ma === db && da === mb;
}

export interface Model {
  /** The share of candidate pairs that are matches. */
  lambda: number;
  m: Record<Field, number[]>;
  u: Record<Field, number[]>;
  /** Relative frequency of each name value, for the term-frequency adjustment. */
  tf: { givenName: Record<string, number>; familyName: Record<string, number> };
  /** How many records the frequencies were counted over. */
  records: number;
}

const clamp = (x: number) => Math.min(Math.max(x, 1e-6), 1 - 1e-6);

function starting(): Pick<Model, 'm' | 'u'> {
  const m = {} as Record<Field, number[]>;
  const u = {} as Record<Field, number[]>;
  for (const f of fields) {
    const n = levels[f].length;
    // Matches mostly agree exactly; non-matches mostly differ.
    m[f] = levels[f].map((_, i) => (i === 0 ? 0.85 : 0.15 / (n - 1)));
    u[f] = levels[f].map((_, i) => (i === n - 1 ? 0.9 : 0.1 / (n - 1)));
  }
  return { m, u };
}

function termFrequencies(records: readonly MatchRecord[]) {
  const tf = { givenName: {} as Record<string, number>, familyName: {} as Record<string, number> };
  for (const field of ['givenName', 'familyName'] as const) {
    const counts = new Map<string, number>();
    let n = 0;
    for (const r of records) {
      if (!r[field]) continue;
      counts.set(r[field], (counts.get(r[field]) ?? 0) + 1);
      n++;
    }
    // Only names common enough to matter are kept: the model stays small.
    for (const [v, c] of counts) if (c >= 3) tf[field][v] = c / n;
    tf[field][''] = 1 / Math.max(n, 1);
  }
  return tf;
}

/**
 * Estimates the model: u from random pairs, then EM over the comparisons of the candidate
 * pairs for m, u and lambda.
 */
export function estimate(
  records: readonly MatchRecord[],
  candidatePairs: readonly Comparison[],
  options: {
    iterations?: number;
    randomPairs?: number;
    random?: () => number;
    updateU?: boolean;
    maxPairs?: number;
  } = {},
): Model {
  const random = options.random ?? mulberry32(42);
  const { m, u } = starting();
  // u from random pairs: nearly all of them are different people.
  const samples = Math.min(options.randomPairs ?? 20000, (records.length * (records.length - 1)) / 2);
  if (records.length > 1 && samples > 0) {
    const counts = Object.fromEntries(fields.map((f) => [f, levels[f].map(() => 1)])) as Record<
      Field,
      number[]
    >;
    for (let s = 0; s < samples; s++) {
      const a = records[Math.floor(random() * records.length)]!;
      const b = records[Math.floor(random() * records.length)]!;
      if (a === b) continue;
      const c = compare(a, b);
      for (const f of fields) if (c[f] >= 0) counts[f][c[f]]!++;
    }
    for (const f of fields) {
      const total = counts[f].reduce((x, y) => x + y, 0);
      u[f] = counts[f].map((x) => clamp(x / total));
    }
  }
  // EM converges as well on a fair sample of the candidate pairs, and a million people can
  // give tens of millions of them: 30 passes over a fixed-size sample bound the time.
  const maxPairs = options.maxPairs ?? 200_000;
  const candidates =
    candidatePairs.length <= maxPairs
      ? candidatePairs
      : Array.from({ length: maxPairs }, () => candidatePairs[Math.floor(random() * candidatePairs.length)]!);
  let lambda = 0.3;
  for (let iteration = 0; iteration < (options.iterations ?? 30); iteration++) {
    const mSum = Object.fromEntries(fields.map((f) => [f, levels[f].map(() => 0.01)])) as Record<
      Field,
      number[]
    >;
    const uSum = Object.fromEntries(fields.map((f) => [f, levels[f].map(() => 0.01)])) as Record<
      Field,
      number[]
    >;
    let gTotal = 0;
    for (const c of candidates) {
      let pm = lambda;
      let pu = 1 - lambda;
      for (const f of fields) {
        if (c[f] < 0) continue;
        pm *= m[f][c[f]]!;
        pu *= u[f][c[f]]!;
      }
      const g = pm / (pm + pu);
      gTotal += g;
      for (const f of fields) {
        if (c[f] < 0) continue;
        mSum[f][c[f]]! += g;
        uSum[f][c[f]]! += 1 - g;
      }
    }
    if (!candidates.length) break;
    lambda = clamp(gTotal / candidates.length);
    for (const f of fields) {
      const mt = mSum[f].reduce((x, y) => x + y, 0);
      m[f] = mSum[f].map((x) => clamp(x / mt));
      // u too: blocked non-matches agree more often than random pairs (they share a key),
      // and with u held at the random pairs' values EM calls every candidate a match.
      if (options.updateU ?? true) {
        const ut = uSum[f].reduce((x, y) => x + y, 0);
        u[f] = uSum[f].map((x) => clamp(x / ut));
      }
    }
  }
  return { lambda, m, u, tf: termFrequencies(records), records: records.length };
}

export interface Evidence {
  field: Field;
  level: string;
  /** log2(m/u): positive for evidence of one person, negative against. */
  weight: number;
}

export interface Scored {
  /** Posterior probability that the two records are one person, 0..1. */
  score: number;
  evidence: Evidence[];
}

export function score(model: Model, a: MatchRecord, b: MatchRecord, c = compare(a, b)): Scored {
  let weight = Math.log2(model.lambda / (1 - model.lambda));
  const evidence: Evidence[] = [];
  for (const f of fields) {
    const level = c[f];
    if (level < 0) continue;
    let u = model.u[f][level]!;
    if (level === 0 && (f === 'givenName' || f === 'familyName')) {
      // Term frequency: agreeing on a common name is weaker evidence than on a rare one.
      const freq = model.tf[f][a[f]] ?? model.tf[f][''] ?? u;
      u = Math.min(Math.max(freq, u / 10), u * 10);
    }
    const w = Math.log2(model.m[f][level]! / u);
    weight += w;
    evidence.push({ field: f, level: levels[f][level]!, weight: Math.round(w * 100) / 100 });
  }
  return { score: 1 / (1 + 2 ** -weight), evidence };
}

/**
 * Blocking: the keys under which two records must meet to be compared at all, so the work
 * grows with the records, not their square. A pair meeting under any key is a candidate.
 */
export function blockingKeys(r: MatchRecord): string[] {
  const keys: string[] = [];
  if (r.email) keys.push(`e:${r.email}`);
  if (r.phone) keys.push(`p:${r.phone}`);
  if (r.uprn) keys.push(`u:${r.uprn}`);
  // A date of birth is shared by dozens in a large council: with either initial it stays a
  // small block, and a typo or a swap in one name still meets on the other.
  if (r.dateOfBirth) {
    if (r.givenName) keys.push(`d:${r.dateOfBirth}:${r.givenName.slice(0, 1)}`);
    if (r.familyName) keys.push(`d:${r.dateOfBirth}:${r.familyName.slice(0, 1)}`);
    if (!r.givenName && !r.familyName) keys.push(`d:${r.dateOfBirth}`);
  }
  if (r.postcode && r.familyName) keys.push(`pf:${r.postcode}:${r.familyName.slice(0, 1)}`);
  if (r.postcode && r.givenName) keys.push(`pg:${r.postcode}:${r.givenName.slice(0, 1)}`);
  if (r.familyName && r.givenName) keys.push(`n:${soundex(r.familyName)}:${soundex(r.givenName)}`);
  if (r.familyName && r.givenName) keys.push(`n:${soundex(r.givenName)}:${soundex(r.familyName)}`);
  if (r.familyName && r.dateOfBirth) keys.push(`fy:${soundex(r.familyName)}:${r.dateOfBirth.slice(0, 4)}`);
  if (r.givenName && r.dateOfBirth) keys.push(`gy:${soundex(r.givenName)}:${r.dateOfBirth.slice(0, 4)}`);
  if (r.address) keys.push(`a:${r.address.split(' ').slice(0, 3).join(' ')}`);
  // Two rules can give one key (both initials alike): a record must not meet itself.
  return [...new Set(keys)];
}

/**
 * Candidate pairs (indexes, a < b) from records sharing a blocking key; huge blocks are
 * skipped. Each pair comes once, from the first key both records share whose block is
 * compared, so no set of pairs already seen is kept: a million people give tens of millions
 * of pairs, more than a Set can hold. Streamed, in the same order every run.
 */
export function* eachCandidatePair(
  records: readonly MatchRecord[],
  maxBlock = 200,
): Generator<[number, number]> {
  const keysOf = records.map((r) => blockingKeys(r));
  const blocks = new Map<string, number[]>();
  keysOf.forEach((keys, i) => {
    for (const k of keys) {
      const list = blocks.get(k);
      if (list) list.push(i);
      else blocks.set(k, [i]);
    }
  });
  const compared = (k: string) => {
    const size = blocks.get(k)!.length;
    return size >= 2 && size <= maxBlock;
  };
  for (const [key, list] of blocks) {
    if (list.length < 2 || list.length > maxBlock) continue;
    for (let x = 0; x < list.length; x++)
      for (let y = x + 1; y < list.length; y++) {
        const a = Math.min(list[x]!, list[y]!);
        const b = Math.max(list[x]!, list[y]!);
        if (a === b) continue;
        const theirs = keysOf[b]!;
        const first = keysOf[a]!.find((k) => theirs.includes(k) && compared(k));
        if (first === key) yield [a, b];
      }
  }
}

export function candidatePairs(records: readonly MatchRecord[], maxBlock = 200): [number, number][] {
  return [...eachCandidatePair(records, maxBlock)];
}

/**
 * Counts the candidate pairs and keeps a fair sample of their comparisons (reservoir), for
 * EM: the model is estimated without holding every comparison in memory.
 */
export function sampleComparisons(
  records: readonly MatchRecord[],
  size = 200_000,
): { count: number; sample: Comparison[] } {
  const random = mulberry32(7);
  const sample: Comparison[] = [];
  let count = 0;
  for (const [a, b] of eachCandidatePair(records)) {
    count++;
    if (sample.length < size) sample.push(compare(records[a]!, records[b]!));
    else {
      const slot = Math.floor(random() * count);
      if (slot < size) sample[slot] = compare(records[a]!, records[b]!);
    }
  }
  return { count, sample };
}

/** A small seeded random number generator: the same estimate every run. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normalises raw values into a record: lower case, no accents or punctuation. */
export function toRecord(
  raw: Partial<Record<keyof MatchRecord, string | null | undefined>> & { id: string },
): MatchRecord {
  const clean = (s: string | null | undefined) =>
    (s ?? '')
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9@.' -]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  return {
    id: raw.id,
    givenName: clean(raw.givenName).replace(/[@.]/g, ''),
    familyName: clean(raw.familyName).replace(/[@.]/g, ''),
    email: (raw.email ?? '').trim().toLowerCase(),
    phone: (raw.phone ?? '').replace(/\D/g, ''),
    dateOfBirth: raw.dateOfBirth ?? '',
    address: clean(raw.address).replace(/[@.]/g, ''),
    postcode: (raw.postcode ?? '').replace(/\s+/g, '').toUpperCase(),
    uprn: (raw.uprn ?? '').trim(),
  };
}
