import type { Seed } from '../../platform/seeds/seeds.ts';
import { saveProvider } from './store.ts';

/**
 * A GOV.UK One Login entry for each demo council, switched off: an administrator adds the
 * client ID One Login issued, saves (which makes the key pair whose public half One Login
 * asks for) and switches it on. Nothing a resident sees changes until then.
 */
export const identitySeed: Seed = {
  module: 'identity',
  version: 1,
  async run(tx) {
    const councils = await tx.query<{ id: string }>(
      `select id from tenants where slug in ('northshire', 'riverford')`,
    );
    for (const council of councils) {
      const [exists] = await tx.query('select 1 from identity_providers where tenant_id = $1 and slug = $2', [
        council.id,
        'gov-uk-one-login',
      ]);
      if (exists) continue;
      await saveProvider(
        tx,
        council.id,
        undefined,
        {
          slug: 'gov-uk-one-login',
          audience: 'residents',
          issuer: 'https://oidc.integration.account.gov.uk/',
          clientId: 'replace-with-your-one-login-client-id',
          authMethod: 'private_key_jwt',
          clientSecretEnc: null,
          privateKeyEnc: null,
          publicJwk: null,
          scopes: 'openid email',
          label: { en: 'GOV.UK One Login', cy: 'GOV.UK One Login' },
          extraParams: { vtr: '["Cl.Cm"]' },
          enabled: false,
          roleClaim: null,
          roleMap: {},
          trustSecondFactor: false,
        },
        new Date(),
      );
    }
  },
};
