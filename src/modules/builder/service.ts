/**
 * The form builder's rules: staff edit a working copy; publishing checks it with the form
 * engine and stores it as the next version (drafts in progress keep theirs); a rollback
 * publishes a copy of an old version as the newest. Every change is audited in the same
 * transaction as the change, with what it touched before and after.
 */
import type { Database, Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { PageCache } from '../../platform/views/page-cache.ts';
import { validateDefinition } from '../forms/engine/index.ts';
import { latestPublished } from '../forms/store.ts';
import { differences, newForm, type Problem, problemsOf, type WorkingCopy } from './edit.ts';
import { findWorkingCopy, insertVersion, listVersions, saveWorkingCopy } from './store.ts';

export interface Actor {
  id: string;
  ip?: string;
}

export interface LoadedCopy {
  copy: WorkingCopy;
  basedOnVersion: number | null;
  /** Whether the copy is stored (false: it is the newest published version, not yet edited). */
  stored: boolean;
}

export class FormBuilder {
  readonly #db: Database;
  readonly #pageCache: PageCache;

  constructor(deps: { db: Database; pageCache: PageCache }) {
    this.#db = deps.db;
    this.#pageCache = deps.pageCache;
  }

  /** The copy staff edit: the stored working copy, else the newest published version. */
  async load(
    tenantId: string,
    slug: string,
    q: Queryable = this.#db,
    lock = false,
  ): Promise<LoadedCopy | undefined> {
    const stored = await findWorkingCopy(q, tenantId, slug, lock);
    if (stored) return { copy: stored.definition, basedOnVersion: stored.basedOnVersion, stored: true };
    const live = await latestPublished(q, tenantId, slug);
    if (!live) return undefined;
    return { copy: live.definition as WorkingCopy, basedOnVersion: live.version, stored: false };
  }

  async #audit(q: Queryable, tenantId: string, actor: Actor, action: string, slug: string, details: object) {
    await recordAudit(q, {
      tenantId,
      actor: { type: 'staff', id: actor.id },
      action,
      subject: { type: 'form', id: slug },
      ...(actor.ip ? { ip: actor.ip } : {}),
      details: details as Record<string, unknown>,
    });
  }

  /** Creates a form that exists nowhere yet; false when the address is taken. */
  async create(tenantId: string, actor: Actor, slug: string, title: WorkingCopy['title']): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if (await this.load(tenantId, slug, tx, true)) return false;
      const copy = newForm(slug, title);
      await saveWorkingCopy(tx, tenantId, slug, copy, null, actor.id);
      await this.#audit(tx, tenantId, actor, 'form.created', slug, { changes: differences(undefined, copy) });
      return true;
    });
  }

  /**
   * Applies one edit to the working copy. `edit` gets a copy it may change and returns the
   * new copy, or a string naming what is wrong (nothing is saved then).
   */
  async change(
    tenantId: string,
    actor: Actor,
    slug: string,
    what: string,
    edit: (copy: WorkingCopy) => WorkingCopy | string,
  ): Promise<{ ok: true } | { ok: false; error: string } | undefined> {
    return this.#db.transaction(async (tx) => {
      const loaded = await this.load(tenantId, slug, tx, true);
      if (!loaded) return undefined;
      const after = edit(structuredClone(loaded.copy));
      if (typeof after === 'string') return { ok: false, error: after };
      const changes = differences(loaded.copy, after);
      if (!changes.length) return { ok: true };
      await saveWorkingCopy(tx, tenantId, slug, after, loaded.basedOnVersion, actor.id);
      await this.#audit(tx, tenantId, actor, 'form.changed', slug, { what, changes });
      return { ok: true };
    });
  }

  /** Checks the working copy with the engine; publishes it as the next version when it passes. */
  async publish(
    tenantId: string,
    actor: Actor,
    slug: string,
  ): Promise<{ ok: true; version: number } | { ok: false; problems: Problem[] } | undefined> {
    const result = await this.#db.transaction(async (tx) => {
      const loaded = await this.load(tenantId, slug, tx, true);
      if (!loaded) return undefined;
      const problems = problemsOf(loaded.copy);
      if (problems.length) return { ok: false as const, problems };
      const previous = await latestPublished(tx, tenantId, slug);
      const version = await insertVersion(tx, tenantId, slug, loaded.copy, actor.id);
      await saveWorkingCopy(tx, tenantId, slug, loaded.copy, version, actor.id);
      await this.#audit(tx, tenantId, actor, 'form.published', slug, {
        version,
        changes: differences(previous?.definition, loaded.copy),
      });
      return { ok: true as const, version };
    });
    if (result?.ok) this.#pageCache.invalidate(tenantId);
    return result;
  }

  /** Publishes a copy of an old version as the newest; drafts and cases on any version keep theirs. */
  async rollback(tenantId: string, actor: Actor, slug: string, version: number): Promise<number | undefined> {
    const result = await this.#db.transaction(async (tx) => {
      const versions = await listVersions(tx, tenantId, slug);
      const old = versions.find((v) => v.version === version);
      if (!old) return undefined;
      const newest = versions[0]!;
      const next = await insertVersion(tx, tenantId, slug, old.definition, actor.id);
      await saveWorkingCopy(tx, tenantId, slug, old.definition, next, actor.id);
      await this.#audit(tx, tenantId, actor, 'form.rolled-back', slug, {
        version: next,
        from: version,
        changes: differences(newest.definition, old.definition),
      });
      return next;
    });
    if (result) this.#pageCache.invalidate(tenantId);
    return result;
  }

  /**
   * Takes a definition from outside (another council's export, a file): it must pass the
   * engine's checks whole; it becomes the form's working copy, ready to preview and publish.
   */
  async import(
    tenantId: string,
    actor: Actor,
    json: unknown,
  ): Promise<{ ok: true; slug: string } | { ok: false; errors: string[] }> {
    const checked = validateDefinition(json);
    if (!checked.ok) return { ok: false, errors: checked.errors };
    const copy = json as WorkingCopy;
    const slug = copy.slug;
    await this.#db.transaction(async (tx) => {
      const loaded = await this.load(tenantId, slug, tx, true);
      await saveWorkingCopy(tx, tenantId, slug, copy, loaded?.basedOnVersion ?? null, actor.id);
      await this.#audit(tx, tenantId, actor, 'form.imported', slug, {
        changes: differences(loaded?.copy, copy),
      });
    });
    return { ok: true, slug };
  }
}
