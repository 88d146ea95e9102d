import type { FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import { differences } from '../builder/edit.ts';
import { rotateKeys } from './keys.ts';
import type { Providers } from './provider.ts';
import { newClientSecret, type SecretBox } from './secrets.ts';
import * as store from './store.ts';

export type { OidcClient } from './store.ts';

/** What an administrator may type for a new or changed app (validated in staff-routes.ts). */
export interface AppInput {
  name: LocalText;
  kind: 'confidential' | 'public';
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  allowedScopes: store.ScopeName[];
}

/** The register of council apps, people's consents to them, and the council's signing keys. */
export class OidcService {
  readonly #db: Database;
  readonly #box: SecretBox;
  readonly #now: () => Date;
  #providers: Providers | undefined;

  constructor(deps: { db: Database; box: SecretBox; now: () => Date }) {
    this.#db = deps.db;
    this.#box = deps.box;
    this.#now = deps.now;
  }

  /** Providers made from the apps and keys are dropped when those change. */
  useProviders(providers: Providers): void {
    this.#providers = providers;
  }

  /** An enabled app. */
  async client(tenantId: string, clientId: string) {
    const client = await store.findClient(this.#db, tenantId, clientId);
    return client?.enabled ? client : undefined;
  }

  listClients(tenantId: string) {
    return store.listClients(this.#db, tenantId);
  }

  findClient(tenantId: string, clientId: string) {
    return store.findClient(this.#db, tenantId, clientId);
  }

  /** Registers an app; returns its secret (confidential apps), to be shown once. */
  async register(
    request: FastifyRequest,
    clientId: string,
    input: AppInput,
  ): Promise<string | undefined | 'taken'> {
    const tenantId = request.tenant.id;
    const secret = input.kind === 'confidential' ? newClientSecret() : undefined;
    const made = await this.#db.transaction(async (tx) => {
      if (await store.findClient(tx, tenantId, clientId)) return false;
      const client = {
        clientId,
        ...input,
        secretEncrypted: secret ? this.#box.seal(secret) : null,
        enabled: true,
      };
      await store.upsertClient(tx, tenantId, client, this.#now());
      await this.#audit(tx, request, clientId, 'oidc-client.created', differences(undefined, shown(client)));
      return true;
    });
    if (!made) return 'taken';
    this.#providers?.invalidate(tenantId);
    return secret;
  }

  /** Changes an app; a change to confidential makes a new secret, returned to be shown once. */
  async update(
    request: FastifyRequest,
    clientId: string,
    input: AppInput,
  ): Promise<string | undefined | false> {
    const tenantId = request.tenant.id;
    let secret: string | undefined;
    const done = await this.#db.transaction(async (tx) => {
      const before = await store.findClient(tx, tenantId, clientId);
      if (!before) return false;
      let secretEncrypted = input.kind === 'confidential' ? before.secretEncrypted : null;
      if (input.kind === 'confidential' && !secretEncrypted) {
        secret = newClientSecret();
        secretEncrypted = this.#box.seal(secret);
      }
      const after = { ...before, ...input, secretEncrypted };
      await store.upsertClient(tx, tenantId, after, this.#now());
      await this.#audit(
        tx,
        request,
        clientId,
        'oidc-client.changed',
        differences(shown(before), shown(after)),
      );
      return true;
    });
    if (!done) return false;
    this.#providers?.invalidate(tenantId);
    return secret;
  }

  /** A new secret for a confidential app; the old one stops working at once. */
  async rotateSecret(request: FastifyRequest, clientId: string): Promise<string | undefined> {
    const tenantId = request.tenant.id;
    const secret = newClientSecret();
    const done = await this.#db.transaction(async (tx) => {
      const before = await store.findClient(tx, tenantId, clientId);
      if (before?.kind !== 'confidential') return false;
      await store.upsertClient(
        tx,
        tenantId,
        { ...before, secretEncrypted: this.#box.seal(secret) },
        this.#now(),
      );
      await this.#audit(tx, request, clientId, 'oidc-client.secret-rotated', []);
      return true;
    });
    if (!done) return undefined;
    this.#providers?.invalidate(tenantId);
    return secret;
  }

  async setEnabled(request: FastifyRequest, clientId: string, enabled: boolean): Promise<boolean> {
    const tenantId = request.tenant.id;
    const done = await this.#db.transaction(async (tx) => {
      const before = await store.findClient(tx, tenantId, clientId);
      if (!before) return false;
      await store.upsertClient(tx, tenantId, { ...before, enabled }, this.#now());
      await this.#audit(tx, request, clientId, enabled ? 'oidc-client.enabled' : 'oidc-client.disabled', [
        { path: 'enabled', before: before.enabled, after: enabled },
      ]);
      return true;
    });
    this.#providers?.invalidate(tenantId);
    return done;
  }

  /** Deletes the app with every grant and token issued to it. */
  async remove(request: FastifyRequest, clientId: string): Promise<boolean> {
    const tenantId = request.tenant.id;
    const done = await this.#db.transaction(async (tx) => {
      const before = await store.findClient(tx, tenantId, clientId);
      if (!before) return false;
      await store.deleteClient(tx, tenantId, clientId);
      await this.#audit(tx, request, clientId, 'oidc-client.removed', differences(shown(before), undefined));
      return true;
    });
    this.#providers?.invalidate(tenantId);
    return done;
  }

  /** New signing keys for the council; the old ones stay published a while (keys.ts). */
  async rotateKeys(tenantId: string, actor: { type: 'staff' | 'system'; id?: string; ip?: string }) {
    await rotateKeys(this.#db, tenantId, this.#box, this.#now);
    await recordAudit(this.#db, {
      tenantId,
      actor: actor.id ? { type: actor.type, id: actor.id } : { type: actor.type },
      action: 'oidc-keys.rotated',
      subject: { type: 'oidc-keys' },
      ...(actor.ip ? { ip: actor.ip } : {}),
    });
    this.#providers?.invalidate(tenantId);
  }

  async history(tenantId: string) {
    const { listAudit } = await import('../../platform/audit/audit.ts');
    return listAudit(this.#db, tenantId, { subjectTypes: ['oidc-client', 'oidc-keys'], limit: 100 });
  }

  /** A resident allowed an app to have these scopes. */
  async recordConsent(request: FastifyRequest, accountId: string, clientId: string, scopes: string[]) {
    await recordAudit(this.#db, {
      tenantId: request.tenant.id,
      actor: { type: 'resident', id: accountId },
      action: 'resident.app-allowed',
      subject: { type: 'oidc-consent', id: accountId },
      ip: request.ip,
      details: { app: clientId, scopes },
    });
  }

  /** The apps a person allowed, with what each may have. */
  async appsOf(tenantId: string, accountId: string) {
    const grants = await store.grantsOfAccount(this.#db, tenantId, accountId, this.#now());
    const byClient = new Map<string, Set<string>>();
    for (const g of grants) {
      const set = byClient.get(g.clientId) ?? new Set<string>();
      for (const s of g.scopes.split(' ').filter(Boolean)) set.add(s);
      byClient.set(g.clientId, set);
    }
    const apps = [];
    for (const [clientId, scopes] of byClient) {
      const client = await store.findClient(this.#db, tenantId, clientId);
      if (!client) continue;
      apps.push({ clientId, name: client.name, scopes: store.scopeNames.filter((s) => scopes.has(s)) });
    }
    return apps;
  }

  /** Takes back a person's consent to an app: its grants and tokens go; the app must ask again. */
  async revoke(request: FastifyRequest, accountId: string, clientId: string): Promise<LocalText | undefined> {
    const tenantId = request.tenant.id;
    const grants = (await store.grantsOfAccount(this.#db, tenantId, accountId, this.#now())).filter(
      (g) => g.clientId === clientId,
    );
    if (!grants.length) return undefined;
    const client = await store.findClient(this.#db, tenantId, clientId);
    await this.#db.transaction(async (tx) => {
      for (const g of grants) await store.destroyByGrant(tx, tenantId, g.grantId);
      await recordAudit(tx, {
        tenantId,
        actor: { type: 'resident', id: accountId },
        action: 'resident.app-revoked',
        subject: { type: 'oidc-consent', id: accountId },
        ip: request.ip,
        details: { app: clientId },
      });
    });
    return client?.name ?? { en: clientId };
  }

  #audit(q: Queryable, request: FastifyRequest, clientId: string, action: string, changes: unknown) {
    return recordAudit(q, {
      tenantId: request.tenant.id,
      actor: { type: 'staff', id: request.staffUser!.id },
      action,
      subject: { type: 'oidc-client', id: clientId },
      ip: request.ip,
      details: { changes },
    });
  }
}

/** An app as the change history shows it: never its secret. */
function shown(c: Partial<store.OidcClient>) {
  const { secretEncrypted, createdAt, updatedAt, ...rest } = c;
  return rest;
}
