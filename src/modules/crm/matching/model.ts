import { jaroWinkler, levenshtein, soundex, trigramSimilarity } from './compare.ts';

/**
 * Duplicate people by the Fellegi–Sunter model: each field of a pair of records agrees at
 * some level (exact, close, sounds alike, different) or is missing; each level has m (its
 * chance among true matches) and u (among non-matches); the match weight is the sum of
 * log2(m/u) over fields, so every field's contribution can be shown to staff. u comes from
 * random pairs, m from expectation–maximisation (see `estimate`). Exact agreement on a name
 * is adjusted for how common the name is (term frequency): two "Smith"s say less than two
 * "Okonkwo"s.
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
  'property',
  'postcode',
] as const;
export type Field = (typeof fields)[number];

/** Level names per field, best first; the last is "different". Missing is -1. */
export const levels: Record<Field, readonly string[]> = {
  givenName: ['exact', 'close', 'phonetic', 'different'],
  familyName: ['exact', 'close', 'phonetic', 'different'],
  dateOfBirth: ['exact', 'one-typo', 'different'],
  email: ['exact', 'close', 'different'],
  phone: ['exact', 'different'],
  // The UPRN, or else the address. With the postcode it says one thing (where the person
  // lives): counted twice or three times, the people of one household would be taken for one.
  property: ['exact', 'close', 'different'],
  postcode: ['exact', 'one-typo', 'different'],
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
  out.property = propertyLevel(a, b);
  out.postcode = missing(a.postcode, b.postcode)
    ? -1
    : a.postcode === b.postcode
      ? 0
      : levenshtein(a.postcode, b.postcode, 1) <= 1
        ? 1
        : 2;
  // The same property says where the postcode is; a landline (01, 02) belongs to the home,
  // not the person. Neither is counted again on top of the property.
  if (out.property === 0 || out.property === 1) out.postcode = -1;
  if (out.property === 0 && out.phone === 0 && /^0[12]/.test(a.phone)) out.phone = -1;
  return out;
}

function propertyLevel(a: MatchRecord, b: MatchRecord): number {
  const both = (x: string, y: string) => Boolean(x && y);
  if (both(a.uprn, b.uprn)) return a.uprn === b.uprn ? 0 : 2;
  if (!both(a.address, b.address)) return -1;
  if (a.address === b.address) return 0;
  return trigramSimilarity(a.address, b.address) >= 0.5 ? 1 : 2;
}

function swappedDayMonth(a: string, b: string): boolean {
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  return ya === yb && ma === db && da === mb;
}

export interface Model {
  /** The chance that two records taken at random are one person. */
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

/** The starting m counts as this many matches seen: with few records, m stays near it. */
const priorMatches = 20;

/**
 * Rules for estimating m, as Splink does: within the blocks of one rule every pair agrees on
 * the rule's fields, so those fields say nothing there and are left out, and each other
 * field's m is learnt by EM with u held at the random pairs' values. Between them the rules
 * leave no field out twice.
 */
const trainingRules: { key: (r: MatchRecord) => string | undefined; excludes: Field[] }[] = [
  { key: (r) => r.dateOfBirth || undefined, excludes: ['dateOfBirth'] },
  // The same full name, not names alike: a household's John and Jane sound alike, and its
  // members' shared phone and address would be learnt as what a match looks like.
  {
    key: (r) => (r.givenName && r.familyName ? `${r.givenName}|${r.familyName}` : undefined),
    excludes: ['givenName', 'familyName'],
  },
];

function levelCounts(start: number): Record<Field, number[]> {
  return Object.fromEntries(fields.map((f) => [f, levels[f].map(() => start)])) as Record<Field, number[]>;
}

/** u: how often two records taken at random agree at each level (nearly all are two people). */
function randomPairLevels(records: readonly MatchRecord[], samples: number, random: () => number) {
  const counts = levelCounts(1);
  const n = records.length;
  const pairs = (n * (n - 1)) / 2;
  const visit = (a: MatchRecord, b: MatchRecord) => {
    const c = compare(a, b);
    for (const f of fields) if (c[f] >= 0) counts[f][c[f]]!++;
  };
  if (pairs <= samples) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) visit(records[a]!, records[b]!);
  } else {
    for (let s = 0; s < samples; s++) {
      const a = Math.floor(random() * n);
      const b = Math.floor(random() * n);
      if (a !== b) visit(records[a]!, records[b]!);
    }
  }
  const u = {} as Record<Field, number[]>;
  for (const f of fields) {
    const total = counts[f].reduce((x, y) => x + y, 0);
    u[f] = counts[f].map((x) => clamp(x / total));
  }
  return u;
}

/** A fair sample (reservoir) of the comparisons of pairs that share a key. */
function blockedComparisons(
  records: readonly MatchRecord[],
  key: (r: MatchRecord) => string | undefined,
  size: number,
  random: () => number,
  maxBlock = 200,
): Comparison[] {
  const blocks = new Map<string, number[]>();
  records.forEach((r, i) => {
    const k = key(r);
    if (k === undefined) return;
    const list = blocks.get(k);
    if (list) list.push(i);
    else blocks.set(k, [i]);
  });
  const sample: Comparison[] = [];
  let seen = 0;
  for (const list of blocks.values()) {
    if (list.length < 2 || list.length > maxBlock) continue;
    for (let x = 0; x < list.length; x++)
      for (let y = x + 1; y < list.length; y++) {
        seen++;
        const slot = sample.length < size ? sample.length : Math.floor(random() * seen);
        if (slot < size) sample[slot] = compare(records[list[x]!]!, records[list[y]!]!);
      }
  }
  return sample;
}

/**
 * Comparisons grouped by pattern: there are a few hundred patterns among millions of pairs,
 * so each EM pass costs the patterns, not the pairs.
 */
function patterns(comparisons: Iterable<Comparison>): { c: Comparison; count: number }[] {
  const grouped = new Map<string, { c: Comparison; count: number }>();
  for (const c of comparisons) {
    const key = fields.map((f) => c[f]).join();
    const seen = grouped.get(key);
    if (seen) seen.count++;
    else grouped.set(key, { c, count: 1 });
  }
  return [...grouped.values()];
}

/** The posterior that a pair is one person, from the fields `use` allows. */
function posterior(
  c: Comparison,
  lambda: number,
  m: Record<Field, number[]>,
  u: Record<Field, number[]>,
  use: (f: Field) => boolean = () => true,
): number {
  let pm = lambda;
  let pu = 1 - lambda;
  for (const f of fields) {
    if (c[f] < 0 || !use(f)) continue;
    pm *= m[f][c[f]]!;
    pu *= u[f][c[f]]!;
  }
  return pm / (pm + pu);
}

/**
 * Estimates the model from the data, as Splink does:
 * - u from random pairs of records (options.uRecords, when the records are not a fair sample);
 * - m by EM within the blocks of each training rule, leaving out the rule's own fields;
 * - lambda, the chance that two records taken at random are one person, by EM over the
 *   candidate pairs (a sample of `candidateCount`) with m and u held: pairs that meet under no
 *   blocking key are as good as never one person.
 * So a score is the probability that a pair is one person given how its fields compare, and
 * agreeing on the very field that made two records candidates is not counted twice.
 */
export function estimate(
  records: readonly MatchRecord[],
  candidateSample: readonly Comparison[],
  options: {
    iterations?: number;
    randomPairs?: number;
    random?: () => number;
    /** How many candidate pairs the sample stands for; the sample's length by default. */
    candidateCount?: number;
    uRecords?: readonly MatchRecord[];
    trainingPairs?: number;
  } = {},
): Model {
  const random = options.random ?? mulberry32(42);
  const iterations = options.iterations ?? 30;
  const start = starting();
  const m = { ...start.m };
  const uSource = options.uRecords ?? records;
  const u = uSource.length > 1 ? randomPairLevels(uSource, options.randomPairs ?? 300_000, random) : start.u;
  // m per rule, weighted by the matches each rule's EM found where the field was known.
  const mSums = levelCounts(0);
  const mWeights = Object.fromEntries(fields.map((f) => [f, 0])) as Record<Field, number>;
  for (const rule of trainingRules) {
    const sample = blockedComparisons(records, rule.key, options.trainingPairs ?? 200_000, random);
    if (sample.length < 2) continue;
    const pairs = patterns(sample);
    const use = (f: Field) => !rule.excludes.includes(f);
    const ruleM = starting().m;
    let lambda = 0.1;
    // The starting m, as if seen on a few matches: with few records (a new council, a short
    // file) EM learns little, and m stays near what matches usually look like.
    const prior = () =>
      Object.fromEntries(fields.map((f) => [f, start.m[f].map((x) => x * priorMatches)])) as Record<
        Field,
        number[]
      >;
    let sums = prior();
    for (let iteration = 0; iteration < iterations; iteration++) {
      sums = prior();
      let gTotal = 0;
      for (const { c, count } of pairs) {
        const g = posterior(c, lambda, ruleM, u, use) * count;
        gTotal += g;
        for (const f of fields) if (c[f] >= 0 && use(f)) sums[f][c[f]]! += g;
      }
      lambda = clamp(gTotal / sample.length);
      for (const f of fields) {
        if (!use(f)) continue;
        const total = sums[f].reduce((x, y) => x + y, 0);
        ruleM[f] = sums[f].map((x) => clamp(x / total));
      }
    }
    for (const f of fields) {
      if (!use(f)) continue;
      const weight = sums[f].reduce((x, y) => x + y, 0) - priorMatches;
      if (weight < 1) continue;
      mWeights[f] += weight;
      ruleM[f].forEach((x, i) => {
        mSums[f][i]! += x * weight;
      });
    }
  }
  for (const f of fields) if (mWeights[f] > 0) m[f] = mSums[f].map((x) => clamp(x / mWeights[f]));
  // lambda over all pairs: the candidates hold (nearly) every match, the rest add nothing.
  const n = records.length;
  const allPairs = Math.max((n * (n - 1)) / 2, 1);
  const scale = candidateSample.length
    ? (options.candidateCount ?? candidateSample.length) / candidateSample.length
    : 0;
  const candidates = patterns(candidateSample);
  let lambda = Math.min(0.5, n / allPairs);
  for (let iteration = 0; iteration < iterations && candidates.length; iteration++) {
    let gTotal = 0;
    for (const { c, count } of candidates) gTotal += posterior(c, lambda, m, u) * count;
    // Not clamped like m and u: among a million people it is about one in ten billion.
    lambda = Math.min(Math.max((gTotal * scale) / allPairs, 1e-15), 0.5);
  }
  return { lambda, m, u, tf: termFrequencies(records), records: n };
}

/** False for a model kept from an earlier version, with other fields or levels: it is made again. */
export function isCurrent(model: Model | null | undefined): model is Model {
  return Boolean(
    model &&
      fields.every((f) => model.m[f]?.length === levels[f].length && model.u[f]?.length === levels[f].length),
  );
}

/**
 * The model for a larger population than it was estimated on: two records taken at random
 * from more people are less likely to be one person, as each has about the same number of
 * duplicates.
 */
export function forPopulation(model: Model, population: number): Model {
  if (population <= model.records || model.records < 2) return model;
  return { ...model, lambda: (model.lambda * (model.records - 1)) / (population - 1), records: population };
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
  // Names alike in sound, in either order, within the decade of birth where it is known: a
  // pair with a slip in the date and a move of house still meets, and the blocks stay small
  // among a million people.
  if (r.familyName && r.givenName) {
    const decade = r.dateOfBirth.slice(0, 3);
    keys.push(`n:${soundex(r.familyName)}:${soundex(r.givenName)}:${decade}`);
    keys.push(`n:${soundex(r.givenName)}:${soundex(r.familyName)}:${decade}`);
  }
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
