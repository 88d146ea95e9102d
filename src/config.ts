import path from 'node:path';

/** Every setting Doorstep reads, parsed once at start. Nothing else reads process.env. */
export interface Config {
  port: number;
  host: string;
  /** Unset: the embedded PGlite database under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  demo: boolean;
  defaultTenant: string | undefined;
  /** Like https://{slug}.example.gov.uk; unset, links use http://{slug}.localhost:PORT. */
  publicOriginTemplate: string;
  smtpUrl: string | undefined;
  notify: { apiKey: string; templateId: string; baseUrl: string | undefined } | undefined;
  pay: { apiKey: string | undefined; baseUrl: string | undefined };
  /** Unset in demo mode: generated and kept in the data folder (see main.ts). */
  sessionSecret: string | undefined;
  mapTileUrl: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Run the job worker inside the web process (off when workers run apart). */
  inProcessWorker: boolean;
  /** Hosts (or `*`) the outbound client may reach on private or loopback addresses outside demo mode. */
  outboundAllowPrivate: string[];
  /** Trust X-Forwarded-* from a reverse proxy, so cookies are Secure behind https. */
  trustProxy: boolean;
}

/** Settings whose values must never be logged. */
export const secretSettings = [
  'DATABASE_URL',
  'SMTP_URL',
  'NOTIFY_API_KEY',
  'PAY_API_KEY',
  'SESSION_SECRET',
] as const;

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flag(env: Env, name: string): boolean | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(name, `must be 1 or 0, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw.replace('{slug}', 'slug'));
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = text(env, 'HOST') ?? '127.0.0.1';
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDir = path.resolve(cwd, text(env, 'DOORSTEP_DATA') ?? './data');
  const demo = flag(env, 'DOORSTEP_DEMO') ?? databaseUrl === undefined;

  const defaultTenant = text(env, 'DOORSTEP_DEFAULT_TENANT');
  if (defaultTenant !== undefined && !/^[a-z][a-z0-9-]{1,39}$/.test(defaultTenant)) {
    throw new ConfigError(
      'DOORSTEP_DEFAULT_TENANT',
      `must be a council slug such as "northshire", got "${defaultTenant}"`,
    );
  }

  const template = url(env, 'PUBLIC_ORIGIN_TEMPLATE', ['http:', 'https:']);
  if (template !== undefined && !template.includes('{slug}')) {
    throw new ConfigError(
      'PUBLIC_ORIGIN_TEMPLATE',
      'must contain {slug}, like https://{slug}.example.gov.uk',
    );
  }
  const publicOriginTemplate = (template ?? `http://{slug}.localhost:${port}`).replace(/\/+$/, '');

  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const notifyKey = text(env, 'NOTIFY_API_KEY');
  const notifyTemplate = text(env, 'NOTIFY_TEMPLATE_ID');
  const notifyBase = url(env, 'NOTIFY_BASE_URL', ['http:', 'https:']);
  if (notifyKey !== undefined && notifyTemplate === undefined) {
    throw new ConfigError('NOTIFY_TEMPLATE_ID', 'is required when NOTIFY_API_KEY is set');
  }
  if (smtpUrl !== undefined && notifyKey !== undefined) {
    throw new ConfigError('NOTIFY_API_KEY', 'set SMTP_URL or NOTIFY_API_KEY, not both');
  }

  const sessionSecret = text(env, 'SESSION_SECRET');
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters');
  }
  if (sessionSecret === undefined && !demo) {
    throw new ConfigError('SESSION_SECRET', 'is required outside demo mode (at least 32 random characters)');
  }

  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${logLevels.join(', ')}`);
  }

  return {
    port,
    host,
    databaseUrl,
    dataDir,
    demo,
    defaultTenant,
    publicOriginTemplate,
    smtpUrl,
    notify:
      notifyKey === undefined
        ? undefined
        : { apiKey: notifyKey, templateId: notifyTemplate ?? '', baseUrl: notifyBase },
    pay: { apiKey: text(env, 'PAY_API_KEY'), baseUrl: url(env, 'PAY_BASE_URL', ['http:', 'https:']) },
    sessionSecret,
    mapTileUrl: url(env, 'MAP_TILE_URL', ['https:', 'http:']),
    logLevel: logLevel as Config['logLevel'],
    inProcessWorker: flag(env, 'DOORSTEP_WORKER') ?? true,
    outboundAllowPrivate: (text(env, 'OUTBOUND_ALLOW_PRIVATE') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    trustProxy: flag(env, 'TRUST_PROXY') ?? false,
  };
}

/** The public origin of a council's site, for links in emails. */
export function publicOrigin(config: Pick<Config, 'publicOriginTemplate'>, slug: string): string {
  return config.publicOriginTemplate.replaceAll('{slug}', slug);
}
