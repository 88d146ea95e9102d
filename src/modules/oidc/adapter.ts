import type { Database } from '../../db/database.ts';
import type { SecretBox } from './secrets.ts';
import * as store from './store.ts';

/**
 * oidc-provider's storage on our database, one instance per model and council. The apps
 * ("Client") come from the council's register of apps (oidc_clients), not from this table.
 */
export function adapterFor(deps: { db: Database; tenantId: string; box: SecretBox; now: () => Date }) {
  const { db, tenantId, box, now } = deps;
  return class DatabaseAdapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      if (this.model === 'Client') throw new Error('apps are registered at /staff/apps');
      const expiresAt = expiresIn ? new Date(now().getTime() + expiresIn * 1000) : null;
      await store.upsertPayload(db, tenantId, this.model, id, payload, expiresAt);
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      if (this.model === 'Client') return clientMetadata(await store.findClient(db, tenantId, id), box);
      return this.#found(await store.findPayload(db, tenantId, this.model, { id }, now()));
    }

    async findByUid(uid: string) {
      return this.#found(await store.findPayload(db, tenantId, this.model, { uid }, now()));
    }

    async findByUserCode(userCode: string) {
      return this.#found(await store.findPayload(db, tenantId, this.model, { userCode }, now()));
    }

    async consume(id: string): Promise<void> {
      await store.consumePayload(db, tenantId, this.model, id, now());
    }

    async destroy(id: string): Promise<void> {
      await store.destroyPayload(db, tenantId, this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.destroyByGrant(db, tenantId, grantId);
    }

    #found(row: store.PayloadRow | undefined) {
      if (!row) return undefined;
      // The provider refuses a consumed code (and revokes what it issued) when it sees this.
      return row.consumed ? { ...row.payload, consumed: true } : row.payload;
    }
  };
}

/** An app as oidc-provider's client metadata; a disabled app is no client at all. */
export function clientMetadata(client: store.OidcClient | undefined, box: SecretBox) {
  if (!client?.enabled) return undefined;
  const secret = client.secretEncrypted ? box.open(client.secretEncrypted) : undefined;
  if (client.kind === 'confidential' && !secret) return undefined;
  return {
    client_id: client.clientId,
    client_name: client.name.en,
    ...(client.kind === 'confidential'
      ? { client_secret: secret, token_endpoint_auth_method: 'client_secret_basic' }
      : { token_endpoint_auth_method: 'none' }),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    ...(client.backchannelLogoutUri
      ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // The provider refuses a request for any other scope (invalid_scope).
    scope: client.allowedScopes.join(' '),
  };
}
