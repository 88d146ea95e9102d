import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for what the provider must read back in full: confidential apps'
 * secrets (oidc-provider compares the presented secret with the stored one, and
 * client_secret_jwt verifies an HMAC with it, so a one-way hash would not do) and private
 * signing keys. The key is derived from the session secret, so a database copy alone
 * reveals neither.
 */
/** Marks a demo secret stored as it is published (see open). */
export const demoPrefix = 'demo:';

export class SecretBox {
  readonly #key: Buffer;
  readonly #demo: boolean;

  constructor(sessionSecret: string, options: { demo: boolean }) {
    this.#key = Buffer.from(hkdfSync('sha256', sessionSecret, 'doorstep', 'oidc-at-rest', 32));
    this.#demo = options.demo;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  /** The plain text, or undefined when it was sealed with another secret (or altered). */
  open(sealed: string): string | undefined {
    // The demo app's published secret (seed.ts): written by a seed, which has no key, and
    // honoured in demo mode only, like every demo secret.
    if (sealed.startsWith(demoPrefix)) return this.#demo ? sealed.slice(demoPrefix.length) : undefined;
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
  }
}

/** A new client secret: 256 random bits, shown once. */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}
