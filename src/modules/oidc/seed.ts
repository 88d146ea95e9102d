import type { Seed } from '../../platform/seeds/seeds.ts';
import { demoPrefix } from './secrets.ts';
import { upsertClient } from './store.ts';

/**
 * The demo app of the Contracts table, for both councils: OpenID client `demo-app` /
 * `demo-app-secret`. Its secret works in demo mode only (SecretBox.open).
 */
export const oidcSeed: Seed = {
  module: 'oidc',
  version: 1,
  async run(tx) {
    const councils = await tx.query<{ id: string }>(
      `select id from tenants where slug in ('northshire', 'riverford')`,
    );
    for (const { id } of councils) {
      await upsertClient(
        tx,
        id,
        {
          clientId: 'demo-app',
          name: { en: 'Demo council app', cy: 'Ap cyngor enghreifftiol' },
          kind: 'confidential',
          secretEncrypted: `${demoPrefix}demo-app-secret`,
          redirectUris: ['http://127.0.0.1:8976/callback', 'http://localhost:8976/callback'],
          postLogoutRedirectUris: ['http://127.0.0.1:8976/', 'http://localhost:8976/'],
          backchannelLogoutUri: null,
          allowedScopes: ['openid', 'email', 'profile', 'phone', 'address'],
          enabled: true,
        },
        new Date(),
      );
    }
  },
};
