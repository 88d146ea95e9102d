import { createHash, randomBytes } from 'node:crypto';

/**
 * Rendered pages kept by everything that went into them. A page's HTML is a pure function of
 * its template, the data handed to it and the layout's context (council, language, path),
 * except for the CSRF token: that is rendered as a marker and put in on the way out. So two
 * visitors on the same question page with nothing of their own on it get the same bytes
 * without the templates running again, and a change to any input is a different key.
 *
 * Routes opt in only for pages that show nothing personal (no answers, no errors), so what
 * is kept here is the council's own content.
 */
export class RenderMemo {
  /** Stands in for the CSRF token while rendering; random, so no page content can collide. */
  readonly csrfMarker = `csrf${randomBytes(12).toString('hex')}`;
  readonly #entries = new Map<string, Buffer[]>();
  readonly #maxEntries: number;

  constructor(maxEntries = 500) {
    this.#maxEntries = maxEntries;
  }

  /** The key of these inputs, or undefined when they hold something JSON cannot describe. */
  key(template: string, inputs: unknown): string | undefined {
    let opaque = false;
    const json = JSON.stringify(inputs, (_key, value) => {
      if (typeof value === 'function') opaque = true;
      return value;
    });
    if (opaque) return undefined;
    return createHash('sha256').update(template).update('\0').update(json).digest('base64url');
  }

  /** The page for this key, as its parts around the CSRF token. */
  get(key: string): Buffer[] | undefined {
    const parts = this.#entries.get(key);
    if (!parts) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, parts);
    return parts;
  }

  set(key: string, html: string): Buffer[] {
    const parts = html.split(this.csrfMarker).map((part) => Buffer.from(part));
    this.#entries.set(key, parts);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return parts;
  }

  /** The page's bytes with the visitor's token in its place. */
  static assemble(parts: Buffer[], token: () => string): Buffer {
    if (parts.length === 1) return parts[0]!;
    const tokenBytes = Buffer.from(token());
    const pieces: Buffer[] = [];
    parts.forEach((part, i) => {
      if (i > 0) pieces.push(tokenBytes);
      pieces.push(part);
    });
    return Buffer.concat(pieces);
  }
}
