import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signs values that travel in links and hidden fields (a satisfaction link for one case,
 * say), so that nobody can forge one for a case that is not theirs. Each purpose signs
 * apart: a token for one use is worthless for another.
 */
export class Signer {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  sign(purpose: string, value: string): string {
    return createHmac('sha256', this.#secret).update(`${purpose}\0${value}`).digest('base64url').slice(0, 32);
  }

  verify(purpose: string, value: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(this.sign(purpose, value));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
