import type { Database, Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import {
  candidatePairs,
  compare,
  type Evidence,
  eachCandidatePair,
  estimate,
  forPopulation,
  isCurrent,
  type MatchRecord,
  type Model,
  sampleComparisons,
  score,
  toRecord,
} from './matching/model.ts';

/** Pairs at or above this score are offered to staff as likely duplicates. */
export const reviewThreshold = 0.5;

interface RecordRow {
  id: string;
  givenName: string;
  familyName: string;
  email: string | null;
  phone: string | null;
  dateOfBirth: string | null;
  address: string | null;
  postcode: string | null;
  uprn: string | null;
}

const recordSelect = `select p.id, p.given_name as "givenName", p.family_name as "familyName",
    (select min(e.email) from person_emails e where e.tenant_id = p.tenant_id and e.person_id = p.id) as email,
    (select min(ph.phone) from person_phones ph where ph.tenant_id = p.tenant_id and ph.person_id = p.id) as phone,
    to_char(p.date_of_birth, 'YYYY-MM-DD') as "dateOfBirth",
    concat_ws(' ', p.address->>'line1', p.address->>'line2', p.address->>'town') as address, p.postcode, p.uprn
  from people p`;

const toMatch = (r: RecordRow): MatchRecord =>
  toRecord({
    id: r.id,
    givenName: r.givenName,
    familyName: r.familyName,
    email: r.email,
    phone: r.phone,
    dateOfBirth: r.dateOfBirth,
    address: r.address,
    postcode: r.postcode,
    uprn: r.uprn,
  });

async function loadRecords(q: Queryable, tenantId: string, ids: readonly string[]): Promise<MatchRecord[]> {
  if (!ids.length) return [];
  const rows = await q.query<RecordRow>(`${recordSelect} where p.tenant_id = $1 and p.id = any($2::uuid[])`, [
    tenantId,
    ids,
  ]);
  return rows.map(toMatch);
}

/** The council's model: the last batch run's, else estimated from (a sample of) its people. */
const models = new Map<string, { model: Model; at: number }>();
export async function modelFor(q: Queryable, tenantId: string): Promise<Model> {
  const cached = models.get(tenantId);
  if (cached && Date.now() - cached.at < 10 * 60_000) return cached.model;
  const [run] = await q.query<{ model: Model }>(
    `select model from person_match_runs where tenant_id = $1 and model is not null order by id desc limit 1`,
    [tenantId],
  );
  const model = isCurrent(run?.model) ? run.model : await estimateFromSample(q, tenantId);
  models.set(tenantId, { model, at: Date.now() });
  return model;
}

/**
 * Before the first batch run: a model from up to `size` people. Among many more, a random
 * sample would hold almost no duplicate pairs, so m and lambda come from whole clusters of
 * people (those born on a sample of days, or without a date those at a sample of postcodes,
 * where a person's duplicates almost always are too), u from a random sample, and lambda is
 * then scaled to the council's number of people.
 */
export async function estimateFromSample(q: Queryable, tenantId: string, size = 20000): Promise<Model> {
  const [{ people } = { people: 0 }] = await q.query<{ people: number }>(
    'select count(*)::int as people from people where tenant_id = $1 and merged_into is null',
    [tenantId],
  );
  const live = `${recordSelect} where p.tenant_id = $1 and p.merged_into is null`;
  if (people <= size) {
    const records = (await q.query<RecordRow>(live, [tenantId])).map(toMatch);
    const pairs = candidatePairs(records);
    return estimate(
      records,
      pairs.map(([a, b]) => compare(records[a]!, records[b]!)),
    );
  }
  const every = Math.ceil(people / size);
  const clustered = (
    await q.query<RecordRow>(
      `${live} and abs(hashtext(coalesce(p.date_of_birth::text, p.postcode, p.family_name))) % $2 = 0 limit $3`,
      [tenantId, every, size * 2],
    )
  ).map(toMatch);
  const random = (
    await q.query<RecordRow>(`${live} and random() < $2 limit $3`, [tenantId, (size / people) * 1.2, size])
  ).map(toMatch);
  const { count, sample } = sampleComparisons(clustered);
  return forPopulation(estimate(clustered, sample, { candidateCount: count, uRecords: random }), people);
}

export function forgetModel(tenantId: string): void {
  models.delete(tenantId);
}

/**
 * Scores one person against those who share a blocking key with them (email, phone, UPRN,
 * date of birth, postcode, a name alike in spelling or sound) and keeps the likely pairs.
 */
export async function findDuplicatesOf(q: Queryable, tenantId: string, personId: string): Promise<number> {
  const [me] = await loadRecords(q, tenantId, [personId]);
  if (!me) return 0;
  const rows = await q.query<{ id: string }>(
    `select id from (
       select e2.person_id as id from person_emails e1
         join person_emails e2 on e2.tenant_id = e1.tenant_id and e2.email = e1.email
        where e1.tenant_id = $1 and e1.person_id = $2
       union select ph2.person_id from person_phones ph1
         join person_phones ph2 on ph2.tenant_id = ph1.tenant_id and ph2.phone = ph1.phone
        where ph1.tenant_id = $1 and ph1.person_id = $2
       union select id from people where tenant_id = $1 and $3::text is not null and uprn = $3
       union select id from people where tenant_id = $1 and $4::date is not null and date_of_birth = $4::date
       union select id from people where tenant_id = $1 and $5::text is not null and postcode = $5
       -- The closest 100: ordered, so the planner reads the trigram index, not the whole table
       -- in the hope of finding 100 early.
       union (select id from people where tenant_id = $1 and length($6) > 2 and $6 <% name_key
               order by word_similarity($6, name_key) desc limit 100)
       union (select id from people where tenant_id = $1 and length($7) > 1
               and dmetaphone(family_name) = dmetaphone($7) and left(name_key, 1) = left($6, 1) limit 100)
     ) c where id <> $2
     limit 300`,
    [
      tenantId,
      personId,
      me.uprn || null,
      me.dateOfBirth || null,
      me.postcode ? me.postcode.replace(/^(.*)(\d[A-Z]{2})$/, '$1 $2') : null,
      `${me.givenName} ${me.familyName}`.trim(),
      me.familyName,
    ],
  );
  const others = await loadRecords(
    q,
    tenantId,
    rows.map((r) => r.id),
  );
  const live = new Set(
    (
      await q.query<{ id: string }>(
        'select id from people where tenant_id = $1 and id = any($2::uuid[]) and merged_into is null',
        [tenantId, others.map((o) => o.id)],
      )
    ).map((r) => r.id),
  );
  const model = await modelFor(q, tenantId);
  let kept = 0;
  for (const other of others) {
    if (!live.has(other.id)) continue;
    const result = score(model, me, other);
    if (result.score < reviewThreshold) continue;
    await saveCandidate(q, tenantId, me.id, other.id, result.score, result.evidence);
    kept++;
  }
  return kept;
}

export async function saveCandidate(
  q: Queryable,
  tenantId: string,
  x: string,
  y: string,
  value: number,
  evidence: Evidence[],
): Promise<void> {
  const [a, b] = x < y ? [x, y] : [y, x];
  await q.query(
    `insert into person_match_candidates (tenant_id, person_a, person_b, score, evidence) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, person_a, person_b) do update set score = excluded.score, evidence = excluded.evidence`,
    [tenantId, a, b, value, JSON.stringify(evidence)],
  );
}

export interface Candidate {
  personA: string;
  personB: string;
  score: number;
  evidence: Evidence[];
  status: string;
  nameA: string;
  nameB: string;
}

const candidateSelect = `select c.person_a as "personA", c.person_b as "personB", c.score, c.evidence, c.status,
    trim(a.given_name || ' ' || a.family_name) as "nameA", trim(b.given_name || ' ' || b.family_name) as "nameB"
  from person_match_candidates c
  join people a on a.tenant_id = c.tenant_id and a.id = c.person_a
  join people b on b.tenant_id = c.tenant_id and b.id = c.person_b`;

/** Open likely duplicates of one person, best first. */
export async function duplicatesFor(q: Queryable, tenantId: string, personId: string): Promise<Candidate[]> {
  return q.query<Candidate>(
    `${candidateSelect} where c.tenant_id = $1 and (c.person_a = $2 or c.person_b = $2) and c.status = 'open'
       and a.merged_into is null and b.merged_into is null order by c.score desc limit 10`,
    [tenantId, personId],
  );
}

export async function openCandidates(q: Queryable, tenantId: string, limit = 50): Promise<Candidate[]> {
  return q.query<Candidate>(
    `${candidateSelect} where c.tenant_id = $1 and c.status = 'open' and a.merged_into is null and b.merged_into is null
      order by c.score desc limit $2`,
    [tenantId, limit],
  );
}

export async function findCandidate(
  q: Queryable,
  tenantId: string,
  x: string,
  y: string,
): Promise<Candidate | undefined> {
  const [a, b] = x < y ? [x, y] : [y, x];
  const [row] = await q.query<Candidate>(
    `${candidateSelect} where c.tenant_id = $1 and c.person_a = $2 and c.person_b = $3`,
    [tenantId, a, b],
  );
  return row;
}

export async function markCandidate(
  q: Queryable,
  tenantId: string,
  x: string,
  y: string,
  status: 'open' | 'merged' | 'not-duplicate',
): Promise<void> {
  const [a, b] = x < y ? [x, y] : [y, x];
  await q.query(
    'update person_match_candidates set status = $4 where tenant_id = $1 and person_a = $2 and person_b = $3',
    [tenantId, a, b, status],
  );
}

interface Moved {
  interactions: string[];
  cases: string[];
  emails: string[];
  phones: string[];
  organisations: string[];
  /** The merged record's own details, so the undo can put them back. */
  merged: { uprn: string | null; accountId: string | null };
}

/**
 * Merges one person into another: their interactions, cases, contact points and
 * organisations move to the kept record, and the merged record points at it. What moved is
 * kept, so `undoMerge` puts back exactly that; both are audited.
 */
export async function mergePeople(
  db: Database,
  tenantId: string,
  keptId: string,
  mergedId: string,
  staff: { id: string; ip?: string },
): Promise<string> {
  if (keptId === mergedId) throw new Error('merge: a record cannot be merged into itself');
  return db.transaction(async (tx) => {
    const live = await tx.query<{ id: string; accountId: string | null; uprn: string | null }>(
      `select id, account_id as "accountId", uprn from people
        where tenant_id = $1 and id = any($2::uuid[]) and merged_into is null for update`,
      [tenantId, [keptId, mergedId]],
    );
    if (live.length !== 2) throw new Error('merge: both records must exist and not be merged already');
    const merged = live.find((p) => p.id === mergedId)!;
    const kept = live.find((p) => p.id === keptId)!;
    const ids = async (sql: string) =>
      (await tx.query<{ id: string }>(sql, [tenantId, mergedId])).map((r) => r.id);
    const moved: Moved = {
      interactions: await ids(
        `update interactions set person_id = ${lit(keptId)} where tenant_id = $1 and person_id = $2 returning id::text as id`,
      ),
      cases: await ids(
        `update cases set person_id = ${lit(keptId)} where tenant_id = $1 and person_id = $2 returning id`,
      ),
      emails: await ids(
        `insert into person_emails (tenant_id, person_id, email, verified)
         select tenant_id, ${lit(keptId)}, email, verified from person_emails where tenant_id = $1 and person_id = $2
         on conflict do nothing returning email as id`,
      ),
      phones: await ids(
        `insert into person_phones (tenant_id, person_id, phone)
         select tenant_id, ${lit(keptId)}, phone from person_phones where tenant_id = $1 and person_id = $2
         on conflict do nothing returning phone as id`,
      ),
      organisations: await ids(
        `insert into organisation_contacts (tenant_id, organisation_id, person_id, role)
         select tenant_id, organisation_id, ${lit(keptId)}, role from organisation_contacts where tenant_id = $1 and person_id = $2
         on conflict do nothing returning organisation_id as id`,
      ),
      merged: { uprn: merged.uprn, accountId: merged.accountId },
    };
    // An account follows the record it moves to, when that record has none.
    await tx.query(
      'update people set merged_into = $3, account_id = null, updated_at = now() where tenant_id = $1 and id = $2',
      [tenantId, mergedId, keptId],
    );
    if (merged.accountId && !kept.accountId)
      await tx.query('update people set account_id = $3 where tenant_id = $1 and id = $2', [
        tenantId,
        keptId,
        merged.accountId,
      ]);
    if (merged.uprn && !kept.uprn)
      await tx.query(
        `update people k set uprn = m.uprn, address = m.address, postcode = m.postcode
           from people m where k.tenant_id = $1 and k.id = $2 and m.tenant_id = $1 and m.id = $3`,
        [tenantId, keptId, mergedId],
      );
    const candidate = await findCandidate(tx, tenantId, keptId, mergedId);
    const [row] = await tx.query<{ id: string }>(
      `insert into person_merges (tenant_id, kept_id, merged_id, moved, score, staff_id)
       values ($1, $2, $3, $4, $5, $6) returning id::text as id`,
      [tenantId, keptId, mergedId, JSON.stringify(moved), candidate?.score ?? null, staff.id],
    );
    await markCandidate(tx, tenantId, keptId, mergedId, 'merged');
    await recordAudit(tx, {
      tenantId,
      actor: { type: 'staff', id: staff.id },
      action: 'crm.person.merge',
      subject: { type: 'person', id: keptId },
      ...(staff.ip ? { ip: staff.ip } : {}),
      details: {
        merged: mergedId,
        merge: row!.id,
        interactions: moved.interactions.length,
        cases: moved.cases.length,
      },
    });
    return row!.id;
  });
}

// A uuid checked before it is written into SQL (the ids come from rows just read).
function lit(id: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error('not a uuid');
  return `'${id}'::uuid`;
}

export async function undoMerge(
  db: Database,
  tenantId: string,
  mergeId: string,
  staff: { id: string; ip?: string },
): Promise<{ keptId: string; mergedId: string } | undefined> {
  return db.transaction(async (tx) => {
    const [merge] = await tx.query<{ keptId: string; mergedId: string; moved: Moved }>(
      `select kept_id as "keptId", merged_id as "mergedId", moved from person_merges
        where tenant_id = $1 and id = $2 and undone_at is null for update`,
      [tenantId, mergeId],
    );
    if (!merge) return undefined;
    const { moved } = merge;
    await tx.query(
      'update interactions set person_id = $3 where tenant_id = $1 and id = any($2::bigint[]) and person_id = $4',
      [tenantId, moved.interactions, merge.mergedId, merge.keptId],
    );
    await tx.query(
      'update cases set person_id = $3 where tenant_id = $1 and id = any($2::uuid[]) and person_id = $4',
      [tenantId, moved.cases, merge.mergedId, merge.keptId],
    );
    await tx.query(
      'delete from person_emails where tenant_id = $1 and person_id = $2 and email = any($3::text[])',
      [tenantId, merge.keptId, moved.emails],
    );
    await tx.query(
      'delete from person_phones where tenant_id = $1 and person_id = $2 and phone = any($3::text[])',
      [tenantId, merge.keptId, moved.phones],
    );
    await tx.query(
      'delete from organisation_contacts where tenant_id = $1 and person_id = $2 and organisation_id = any($3::uuid[])',
      [tenantId, merge.keptId, moved.organisations],
    );
    if (moved.merged.accountId)
      await tx.query(
        'update people set account_id = null where tenant_id = $1 and id = $2 and account_id = $3',
        [tenantId, merge.keptId, moved.merged.accountId],
      );
    await tx.query(
      'update people set merged_into = null, account_id = $3, updated_at = now() where tenant_id = $1 and id = $2',
      [tenantId, merge.mergedId, moved.merged.accountId],
    );
    await tx.query('update person_merges set undone_at = now() where tenant_id = $1 and id = $2', [
      tenantId,
      mergeId,
    ]);
    await markCandidate(tx, tenantId, merge.keptId, merge.mergedId, 'open');
    await recordAudit(tx, {
      tenantId,
      actor: { type: 'staff', id: staff.id },
      action: 'crm.person.unmerge',
      subject: { type: 'person', id: merge.keptId },
      ...(staff.ip ? { ip: staff.ip } : {}),
      details: { merged: merge.mergedId, merge: mergeId },
    });
    return { keptId: merge.keptId, mergedId: merge.mergedId };
  });
}

/**
 * The batch job: every live person of a council, compared within blocks, model estimated
 * by EM first. It keeps its place (blocks done) in person_match_runs, so a run that is
 * stopped resumes where it was; candidates are upserted, so running it again harms nothing.
 */
export async function runPeopleMatch(
  db: Database,
  tenantId: string,
  options: { log: (line: string) => void; signal?: AbortSignal; pageSize?: number },
): Promise<{ pairs: number; finished: boolean }> {
  const pageSize = options.pageSize ?? 50000;
  const records: MatchRecord[] = [];
  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const rows = await db.query<RecordRow>(
      `${recordSelect} where p.tenant_id = $1 and p.merged_into is null and p.id > $2 order by p.id limit $3`,
      [tenantId, after, pageSize],
    );
    for (const r of rows) records.push(toMatch(r));
    options.log(`read ${records.length} people`);
    if (rows.length < pageSize) break;
    after = rows.at(-1)!.id;
    if (options.signal?.aborted) return { pairs: 0, finished: false };
  }
  // Streamed twice (a count with a sample for the model, then the scoring): a million people
  // give more pairs than memory should hold at once.
  const { count, sample } = sampleComparisons(records);
  options.log(`${count} candidate pairs`);
  const [unfinished] = await db.query<{ id: string; model: Model | null; done: number }>(
    `select id::text as id, model, pairs as done from person_match_runs
      where tenant_id = $1 and finished_at is null order by id desc limit 1`,
    [tenantId],
  );
  // A run stopped under an earlier version of the model starts again.
  const open =
    unfinished && isCurrent(unfinished.model) ? { ...unfinished, model: unfinished.model } : undefined;
  const model = open?.model ?? estimate(records, sample, { candidateCount: count });
  const runId =
    open?.id ??
    (
      await db.query<{ id: string }>(
        'insert into person_match_runs (tenant_id, model) values ($1, $2) returning id::text as id',
        [tenantId, JSON.stringify(model)],
      )
    )[0]!.id;
  // Pairs come in a fixed order (records by id, blocks by first sight): the count done is a place.
  let done = open?.done ?? 0;
  if (done > count) done = 0;
  const batch = 2000;
  let kept = 0;
  const pairs = eachCandidatePair(records);
  for (let skipped = 0; skipped < done && !pairs.next().done; skipped++);
  for (let start = done; start < count; start += batch) {
    if (options.signal?.aborted) {
      options.log(`stopped after ${start} of ${count} pairs; run again to carry on`);
      return { pairs: kept, finished: false };
    }
    const end = Math.min(start + batch, count);
    await db.transaction(async (tx) => {
      for (let i = start; i < end; i++) {
        const next = pairs.next();
        if (next.done) break;
        const [a, b] = next.value;
        const result = score(model, records[a]!, records[b]!);
        if (result.score < reviewThreshold) continue;
        await saveCandidate(tx, tenantId, records[a]!.id, records[b]!.id, result.score, result.evidence);
        kept++;
      }
      await tx.query('update person_match_runs set pairs = $3 where tenant_id = $1 and id = $2', [
        tenantId,
        runId,
        end,
      ]);
    });
    options.log(`scored ${end} of ${count} pairs`);
  }
  await db.query('update person_match_runs set finished_at = now() where tenant_id = $1 and id = $2', [
    tenantId,
    runId,
  ]);
  forgetModel(tenantId);
  return { pairs: kept, finished: true };
}
