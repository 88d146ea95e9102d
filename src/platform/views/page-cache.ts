import { createHash } from 'node:crypto';

interface Entry {
  /** Bytes, not a string: encoding the page on every response was its largest cost. */
  body: Buffer;
  etag: string;
  expires: number;
}

/**
 * Rendered pages that every visitor of a council sees the same (no session, no form),
 * kept for a short time per council, path and language. Modules that change what such a
 * page shows call `invalidate(tenantId)`; other processes catch up within the TTL.
 */
export class PageCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => Date;
  readonly ttlMs: number;

  constructor(now: () => Date, ttlMs = 30_000) {
    this.#now = now;
    this.ttlMs = ttlMs;
  }

  get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.#now().getTime()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, html: string): Entry {
    const body = Buffer.from(html);
    const entry = {
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      expires: this.#now().getTime() + this.ttlMs,
    };
    this.#entries.set(key, entry);
    return entry;
  }

  invalidate(tenantId: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(`${tenantId}|`)) this.#entries.delete(key);
  }
}
