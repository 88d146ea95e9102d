import { type Database, databaseOf, inTransaction, type Queryable } from '../../db/database.ts';
import { processCache } from '../../db/process-cache.ts';

export interface StoredDefinition {
  slug: string;
  version: number;
  definition: unknown;
}

/** The newest published version of a form, or undefined. */
export async function latestPublished(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<StoredDefinition | undefined> {
  const [row] = await q.query<StoredDefinition>(
    `select slug, version, definition from form_definitions
      where tenant_id = $1 and slug = $2 and status = 'published' order by version desc limit 1`,
    [tenantId, slug],
  );
  return row;
}

export async function publishedSlugs(q: Queryable, tenantId: string): Promise<Set<string>> {
  const rows = await q.query<{ slug: string }>(
    `select distinct slug from form_definitions where tenant_id = $1 and status = 'published'`,
    [tenantId],
  );
  return new Set(rows.map((r) => r.slug));
}

export async function findVersion(
  q: Queryable,
  tenantId: string,
  slug: string,
  version: number,
): Promise<StoredDefinition | undefined> {
  const [row] = await q.query<StoredDefinition>(
    `select slug, version, definition from form_definitions where tenant_id = $1 and slug = $2 and version = $3`,
    [tenantId, slug, version],
  );
  return row;
}

export interface Draft {
  id: string;
  formSlug: string;
  formVersion: number;
  answers: Record<string, unknown>;
  submittedCaseId: string | null;
  email: string | null;
}

const draftColumns = `id, form_slug as "formSlug", form_version as "formVersion", answers,
  submitted_case_id as "submittedCaseId", email`;

/** Every form page reads its draft: kept in memory on the embedded database (see process-cache). */
interface CachedDraft {
  draft: Draft;
  expiresAt: number;
}

const drafts = (q: Queryable) => processCache<CachedDraft>(q, 'form-drafts');

/** After a write: the new row where it is known and committed, else forget the copy. */
function rememberDraft(q: Queryable, tenantId: string, id: string, row?: Draft & { expiresAt: Date }) {
  const cache = drafts(q);
  const key = `${tenantId}|${id}`;
  if (!row || inTransaction(q)) return cache.forget(key);
  const { expiresAt, ...draft } = row;
  cache.set(key, { draft, expiresAt: new Date(expiresAt).getTime() });
}

export async function createDraft(
  q: Queryable,
  tenantId: string,
  d: { formSlug: string; formVersion: number; answers: unknown; expiresAt: Date; accountId?: string | null },
): Promise<string> {
  const [row] = await q.query<Draft & { expiresAt: Date }>(
    `insert into form_drafts (tenant_id, form_slug, form_version, answers, expires_at, account_id)
     values ($1, $2, $3, $4, $5, $6)
     returning ${draftColumns}, expires_at as "expiresAt"`,
    [tenantId, d.formSlug, d.formVersion, JSON.stringify(d.answers), d.expiresAt, d.accountId ?? null],
  );
  rememberDraft(q, tenantId, row!.id, row);
  return row!.id;
}

export async function findDraft(
  q: Queryable,
  tenantId: string,
  id: string,
  now: Date,
): Promise<Draft | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const cache = drafts(q);
  const key = `${tenantId}|${id}`;
  const cached = cache.get(key);
  if (cached) return cached.expiresAt > now.getTime() ? cached.draft : undefined;
  const ticket = cache.ticket(key);
  const [row] = await q.query<Draft & { expiresAt: Date }>(
    `select ${draftColumns}, expires_at as "expiresAt" from form_drafts
      where tenant_id = $1 and id = $2 and expires_at > $3`,
    [tenantId, id, now],
  );
  if (!row) return undefined;
  const { expiresAt, ...draft } = row;
  if (!inTransaction(q)) cache.fill(ticket, { draft, expiresAt: new Date(expiresAt).getTime() });
  return draft;
}

/**
 * Saves a page's answers. Outside a transaction, saves that arrive together go to the
 * database as one statement (a group commit): each caller still waits for its own row to
 * be written, but many people answering at once cost one write, not one each.
 */
export async function saveDraftAnswers(
  q: Queryable,
  tenantId: string,
  id: string,
  answers: unknown,
  expiresAt: Date,
): Promise<void> {
  const database = databaseOf(q);
  if (!database || inTransaction(q)) {
    const [row] = await q.query<Draft & { expiresAt: Date }>(
      `update form_drafts set answers = $3, expires_at = $4, updated_at = now()
        where tenant_id = $1 and id = $2 and submitted_case_id is null
        returning ${draftColumns}, expires_at as "expiresAt"`,
      [tenantId, id, JSON.stringify(answers), expiresAt],
    );
    rememberDraft(q, tenantId, id, row);
    return;
  }
  let saves = draftSaves.get(database);
  if (!saves) {
    saves = new DraftSaves(database);
    draftSaves.set(database, saves);
  }
  await saves.save({ tenantId, id, answers, expiresAt });
}

interface PendingSave {
  tenantId: string;
  id: string;
  answers: unknown;
  expiresAt: Date;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const draftSaves = new WeakMap<Database, DraftSaves>();

/** One statement in flight at a time; saves arriving meanwhile wait for the next one. */
class DraftSaves {
  readonly #db: Database;
  #pending: PendingSave[] = [];
  #running = false;

  constructor(db: Database) {
    this.#db = db;
  }

  save(item: Omit<PendingSave, 'resolve' | 'reject'>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ ...item, resolve, reject });
      // PGlite runs a statement synchronously, so requests that came in together are only
      // read once it returns: start after this turn's requests have all had their say.
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush() {
    while (this.#pending.length) {
      const batch = this.#pending.splice(0);
      // Two saves of one draft in a batch: the later one is what the person last sent.
      const latest = new Map<string, PendingSave>();
      for (const item of batch) latest.set(`${item.tenantId}|${item.id}`, item);
      try {
        const rows = await this.#db.query<Draft & { tenantId: string; expiresAt: Date }>(
          `update form_drafts d set answers = v.answers, expires_at = v.expires_at, updated_at = now()
             from jsonb_to_recordset($1::jsonb) as v(tenant_id uuid, id uuid, answers jsonb, expires_at timestamptz)
            where d.tenant_id = v.tenant_id and d.id = v.id and d.submitted_case_id is null
            returning d.tenant_id as "tenantId", d.id, d.form_slug as "formSlug", d.form_version as "formVersion",
              d.answers, d.submitted_case_id as "submittedCaseId", d.email, d.expires_at as "expiresAt"`,
          [
            JSON.stringify(
              [...latest.values()].map((s) => ({
                tenant_id: s.tenantId,
                id: s.id,
                answers: s.answers,
                expires_at: s.expiresAt.toISOString(),
              })),
            ),
          ],
        );
        const written = new Map(rows.map((r) => [`${r.tenantId}|${r.id}`, r]));
        for (const key of latest.keys()) {
          const row = written.get(key);
          const [tenantId, id] = key.split('|') as [string, string];
          if (!row) rememberDraft(this.#db, tenantId, id);
          else {
            const { tenantId: _, ...draft } = row;
            rememberDraft(this.#db, tenantId, id, draft);
          }
        }
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.#running = false;
  }
}

/** Locks the draft for its submission, so two requests sending it cannot both make a case. */
export async function lockDraft(q: Queryable, tenantId: string, id: string): Promise<Draft | undefined> {
  const [row] = await q.query<Draft>(
    `select ${draftColumns} from form_drafts where tenant_id = $1 and id = $2 for update`,
    [tenantId, id],
  );
  return row;
}

export async function markDraftSubmitted(
  q: Queryable,
  tenantId: string,
  id: string,
  caseId: string,
): Promise<void> {
  await q.query(
    `update form_drafts set submitted_case_id = $3, updated_at = now() where tenant_id = $1 and id = $2`,
    [tenantId, id, caseId],
  );
  rememberDraft(q, tenantId, id);
}

export async function deleteExpiredDrafts(q: Queryable, at: Date): Promise<number> {
  return (await q.query('delete from form_drafts where expires_at <= $1 returning 1', [at])).length;
}

/** Keeps the draft for its owner's return: one link, by email, usable once before it expires. */
export async function setResumeToken(
  q: Queryable,
  tenantId: string,
  id: string,
  r: { email: string; tokenHash: string; expiresAt: Date; draftExpiresAt: Date },
): Promise<void> {
  await q.query(
    `update form_drafts set email = $3, resume_token_hash = $4, resume_expires_at = $5,
       expires_at = greatest(expires_at, $6), updated_at = now()
      where tenant_id = $1 and id = $2 and submitted_case_id is null`,
    [tenantId, id, r.email, r.tokenHash, r.expiresAt, r.draftExpiresAt],
  );
  rememberDraft(q, tenantId, id);
}

/** Uses up a resume link: returns its draft once, and never again. */
export async function takeResumeToken(
  q: Queryable,
  tenantId: string,
  tokenHash: string,
  now: Date,
): Promise<Draft | undefined> {
  const [row] = await q.query<Draft>(
    `update form_drafts set resume_token_hash = null, resume_expires_at = null, updated_at = now()
      where tenant_id = $1 and resume_token_hash = $2 and resume_expires_at > $3 and expires_at > $3
        and submitted_case_id is null
      returning ${draftColumns}`,
    [tenantId, tokenHash, now],
  );
  if (row) rememberDraft(q, tenantId, row.id);
  return row;
}
