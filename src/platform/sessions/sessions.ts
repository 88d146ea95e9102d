import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { processCache } from '../../db/process-cache.ts';

export const sessionCookie = 'doorstep_session';
/** A session unused for this long ends; staff sessions set a shorter idle limit of their own. */
const idleSeconds = 60 * 60 * 2;
/** Writing last_seen on every request would make every page view a write. */
const touchEverySeconds = 60;

type SessionData = Record<string, unknown>;

export class Session {
  id: string;
  data: SessionData;
  /** Whether a row exists for it: a visitor who only read pages has a cookie but no row. */
  persisted: boolean;
  dirty = false;
  /** The data as last stored, to tell a real change from setting the same value again. */
  readonly #stored: string;
  previousId: string | undefined;
  lastSeenAt: Date | undefined;

  constructor(id: string, data: SessionData, persisted: boolean, lastSeenAt?: Date) {
    this.id = id;
    this.data = data;
    this.persisted = persisted;
    this.lastSeenAt = lastSeenAt;
    this.#stored = JSON.stringify(data);
  }

  /** What the sessions table knows this session by. */
  get idHash(): string {
    return hashId(this.id);
  }

  get<T>(key: string): T | undefined {
    return this.data[key] as T | undefined;
  }

  set(key: string, value: unknown): void {
    if (value === undefined) delete this.data[key];
    else this.data[key] = value;
    this.dirty = true;
  }

  /** Whether the data must be written: set since loaded, and not back to what is stored. */
  get changed(): boolean {
    return (
      this.dirty &&
      (!this.persisted || this.previousId !== undefined || JSON.stringify(this.data) !== this.#stored)
    );
  }

  /** A new id for the same data: call at sign-in and whenever privilege changes. */
  rotate(): void {
    this.previousId ??= this.id;
    this.id = newSessionId();
    this.dirty = true;
  }

  /** Ends the session: its row is deleted and the cookie cleared. */
  destroy(): void {
    this.previousId ??= this.id;
    this.data = {};
    this.id = newSessionId();
    this.dirty = false;
    this.persisted = false;
  }
}

function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Loads the session on first call; pages that never call it stay cacheable. */
    session(): Promise<Session>;
    /** A CSRF token bound to this visitor's session cookie. */
    csrfToken(): string;
    sessionState: Session | undefined;
    sessionCookieId: string | undefined;
  }
}

export interface SessionOptions {
  db: Database;
  secret: string;
  now: () => Date;
}

export function csrfTokenFor(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

export function csrfTokenValid(secret: string, sessionId: string | undefined, token: unknown): boolean {
  if (!sessionId || typeof token !== 'string' || token.length === 0) return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionId));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

function setCookie(reply: FastifyReply, request: FastifyRequest, id: string) {
  reply.setCookie(sessionCookie, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure(request),
  });
}

/** Server-side sessions in the database: the cookie holds a random id; the row is keyed by its hash. */
export function registerSessions(app: FastifyInstance, options: SessionOptions): void {
  const { db, secret, now } = options;
  const cache = sessionCache(db);

  app.decorateRequest('sessionState', undefined);
  app.decorateRequest('sessionCookieId', undefined);

  app.decorateRequest('session', async function (this: FastifyRequest) {
    if (this.sessionState) return this.sessionState;
    const cookieId = this.cookies[sessionCookie];
    let session: Session | undefined;
    if (cookieId && cookieId.length >= 40) {
      const row = await readSession(db, cache, this.tenant.id, hashId(cookieId), now());
      session = row
        ? new Session(cookieId, row.data, true, new Date(row.lastSeenAt))
        : new Session(cookieId, {}, false);
    }
    session ??= new Session(newSessionId(), {}, false);
    this.sessionState = session;
    return session;
  });

  app.decorateRequest('csrfToken', function (this: FastifyRequest) {
    // The token is derived from the session cookie, so a visitor who has only read pages
    // needs no row: the cookie is set when the token is first issued.
    let id = this.sessionState?.id ?? this.cookies[sessionCookie];
    if (!id || id.length < 40) {
      this.sessionState ??= new Session(newSessionId(), {}, false);
      id = this.sessionState.id;
    }
    this.sessionCookieId = id;
    return csrfTokenFor(secret, id);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const session = request.sessionState;
    const cookieId = request.cookies[sessionCookie];
    if (session) {
      const tenantId = request.tenant.id;
      if (session.previousId) {
        const previous = hashId(session.previousId);
        await db.query('delete from sessions where tenant_id = $1 and id_hash = $2', [tenantId, previous]);
        cache.forget(`${tenantId}|${previous}`);
      }
      const at = now();
      const expires = new Date(at.getTime() + idleSeconds * 1000);
      const stale =
        !session.lastSeenAt || at.getTime() - session.lastSeenAt.getTime() > touchEverySeconds * 1000;
      if (session.changed || (session.persisted && stale)) {
        const idHash = hashId(session.id);
        await db.query(
          `insert into sessions (tenant_id, id_hash, data, last_seen_at, expires_at) values ($1, $2, $3, $4, $5)
           on conflict (tenant_id, id_hash) do update set data = excluded.data, last_seen_at = excluded.last_seen_at,
             expires_at = excluded.expires_at`,
          [tenantId, idHash, JSON.stringify(session.data), at, expires],
        );
        cache.set(`${tenantId}|${idHash}`, {
          data: session.data,
          lastSeenAt: at.getTime(),
          expiresAt: expires.getTime(),
        });
        session.persisted = true;
      }
      if (session.id !== cookieId) setCookie(reply, request, session.id);
    } else if (request.sessionCookieId && request.sessionCookieId !== cookieId) {
      setCookie(reply, request, request.sessionCookieId);
    }
    return payload;
  });
}

interface CachedSession {
  data: SessionData;
  lastSeenAt: number;
  expiresAt: number;
}

/** A page view reads its session: kept in memory on the embedded database (see process-cache). */
function sessionCache(db: Database) {
  return processCache<CachedSession>(db, 'sessions');
}

async function readSession(
  db: Database,
  cache: ReturnType<typeof sessionCache>,
  tenantId: string,
  idHash: string,
  at: Date,
): Promise<CachedSession | undefined> {
  const key = `${tenantId}|${idHash}`;
  const cached = cache.get(key);
  if (cached) return cached.expiresAt > at.getTime() ? cached : undefined;
  const ticket = cache.ticket(key);
  const [row] = await db.query<{ data: SessionData; last_seen_at: Date; expires_at: Date }>(
    `select data, last_seen_at, expires_at from sessions
      where tenant_id = $1 and id_hash = $2 and expires_at > $3`,
    [tenantId, idHash, at],
  );
  if (!row) return undefined;
  const found = {
    data: row.data,
    lastSeenAt: new Date(row.last_seen_at).getTime(),
    expiresAt: new Date(row.expires_at).getTime(),
  };
  cache.fill(ticket, found);
  return found;
}

/** Live sessions chosen by a condition on the sessions table (its parameters from $2), e.g. one account's. */
export async function findSessionsWhere(
  db: Database,
  tenantId: string,
  condition: string,
  params: readonly unknown[],
  at: Date,
): Promise<{ idHash: string; data: SessionData; lastSeenAt: Date }[]> {
  return db.query(
    `select id_hash as "idHash", data, last_seen_at as "lastSeenAt" from sessions
      where tenant_id = $1 and (${condition}) and expires_at > $${params.length + 2}
      order by last_seen_at desc limit 100`,
    [tenantId, ...params, at],
  );
}

/**
 * Ends sessions chosen by a condition on the sessions table (for example every session of
 * one account): the one way to delete sessions other than the current request's, so the
 * in-memory copies go too.
 */
export async function endSessionsWhere(
  db: Database,
  tenantId: string,
  condition: string,
  params: readonly unknown[],
): Promise<number> {
  const rows = await db.query<{ id_hash: string }>(
    `delete from sessions where tenant_id = $1 and (${condition}) returning id_hash`,
    [tenantId, ...params],
  );
  const cache = sessionCache(db);
  for (const row of rows) cache.forget(`${tenantId}|${row.id_hash}`);
  return rows.length;
}

/** Deletes sessions past their expiry; run by the worker's housekeeping. */
export async function deleteExpiredSessions(db: Database, at: Date): Promise<number> {
  const rows = await db.query('delete from sessions where expires_at <= $1 returning 1', [at]);
  return rows.length;
}
