import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../../db/database.ts';
import * as store from './store.ts';

/** The relying party is the council's own host; the origin is the address the browser used. */
export function relyingParty(request: FastifyRequest): { rpID: string; origin: string } {
  return { rpID: request.hostname, origin: `${request.protocol}://${request.host}` };
}

/** What the session keeps between offering a ceremony and the browser's answer. */
export interface PasskeyChallenge {
  challenge: string;
  purpose: 'register' | 'sign-in' | 'second-factor';
}

const sessionKey = 'passkeyChallenge';

export class Passkeys {
  readonly #db: Database;
  readonly #now: () => Date;

  constructor(deps: { db: Database; now: () => Date }) {
    this.#db = deps.db;
    this.#now = deps.now;
  }

  list(tenantId: string, owner: store.PasskeyOwner) {
    return store.listPasskeys(this.#db, tenantId, owner);
  }

  /** Options for a new passkey: discoverable, so that it alone can sign the person in. */
  async registrationOptions(
    request: FastifyRequest,
    owner: store.PasskeyOwner,
    user: { name: string; displayName: string },
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.list(request.tenant.id, owner);
    const { rpID } = relyingParty(request);
    const options = await generateRegistrationOptions({
      rpName: request.tenant.name.en,
      rpID,
      userName: user.name,
      userDisplayName: user.displayName,
      userID: new TextEncoder().encode('accountId' in owner ? owner.accountId : owner.staffUserId),
      attestationType: 'none',
      excludeCredentials: existing.map((k) => ({
        id: k.credentialId,
        transports: k.transports as never,
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    (await request.session()).set(sessionKey, {
      challenge: options.challenge,
      purpose: 'register',
    } satisfies PasskeyChallenge);
    return options;
  }

  /** Checks the browser's new credential and keeps it; false when it does not verify. */
  async register(
    request: FastifyRequest,
    owner: store.PasskeyOwner,
    response: unknown,
    name: string,
    /** More work in the same transaction as the new passkey (a security notice to the owner). */
    afterInsert?: (tx: Queryable) => Promise<void>,
  ): Promise<boolean> {
    const challenge = await this.#takeChallenge(request, 'register');
    if (!challenge || !isCredential(response)) return false;
    const { rpID, origin } = relyingParty(request);
    try {
      const result = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: false,
      });
      if (!result.verified) return false;
      const { credential } = result.registrationInfo;
      return await this.#db.transaction(async (tx) => {
        const added = await store.insertPasskey(
          tx,
          request.tenant.id,
          owner,
          {
            credentialId: credential.id,
            publicKey: Buffer.from(credential.publicKey).toString('base64url'),
            counter: credential.counter,
            transports: credential.transports ?? [],
            name,
          },
          this.#now(),
        );
        if (added && afterInsert) await afterInsert(tx);
        return added;
      });
    } catch {
      return false;
    }
  }

  /**
   * Options to sign in: for a resident any passkey of this council will do (the browser
   * offers those it holds); for staff's second factor, only that person's.
   */
  async authenticationOptions(
    request: FastifyRequest,
    purpose: 'sign-in' | 'second-factor',
    owner?: store.PasskeyOwner,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowed = owner ? await this.list(request.tenant.id, owner) : [];
    const options = await generateAuthenticationOptions({
      rpID: relyingParty(request).rpID,
      userVerification: 'preferred',
      ...(owner
        ? {
            allowCredentials: allowed.map((k) => ({ id: k.credentialId, transports: k.transports as never })),
          }
        : {}),
    });
    (await request.session()).set(sessionKey, {
      challenge: options.challenge,
      purpose,
    } satisfies PasskeyChallenge);
    return options;
  }

  /** The passkey that signed the challenge, once checked and its counter moved on. */
  async authenticate(
    request: FastifyRequest,
    purpose: 'sign-in' | 'second-factor',
    response: unknown,
  ): Promise<store.Passkey | undefined> {
    const challenge = await this.#takeChallenge(request, purpose);
    if (!challenge || !isCredential(response)) return undefined;
    const key = await store.findPasskeyByCredential(this.#db, request.tenant.id, response.id);
    if (!key) return undefined;
    const { rpID, origin } = relyingParty(request);
    try {
      const result = await verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: false,
        credential: {
          id: key.credentialId,
          publicKey: new Uint8Array(Buffer.from(key.publicKey, 'base64url')),
          counter: key.counter,
          transports: key.transports as never,
        },
      });
      if (!result.verified) return undefined;
      await store.touchPasskey(
        this.#db,
        request.tenant.id,
        key.id,
        result.authenticationInfo.newCounter,
        this.#now(),
      );
      return key;
    } catch {
      return undefined;
    }
  }

  rename(tenantId: string, owner: store.PasskeyOwner, id: string, name: string) {
    return store.renamePasskey(this.#db, tenantId, owner, id, name);
  }

  remove(tenantId: string, owner: store.PasskeyOwner, id: string) {
    return store.deletePasskey(this.#db, tenantId, owner, id);
  }

  /** A challenge is answered once: taken from the session whatever the outcome. */
  async #takeChallenge(request: FastifyRequest, purpose: PasskeyChallenge['purpose']) {
    const session = await request.session();
    const held = session.get<PasskeyChallenge>(sessionKey);
    session.set(sessionKey, undefined);
    return held?.purpose === purpose ? held.challenge : undefined;
  }
}

function isCredential(value: unknown): value is { id: string } {
  return Boolean(value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string');
}

/** The browser's answer, posted as JSON in a form field by the page's script. */
export function parseCredential(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw.length > 20_000) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
