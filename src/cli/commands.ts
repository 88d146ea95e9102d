import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { startHousekeeping } from '../housekeeping.ts';
import { createLogger } from '../logger.ts';
import { peopleMatchCommand } from '../modules/crm/cli.ts';
import { rotateKeysCommand } from '../modules/oidc/cli.ts';
import { benchSeedCommand, importBoundariesCommand } from '../modules/reports/cli.ts';
import { staffCreateCommand } from '../modules/staff/cli.ts';
import { createLocalFileStore } from '../platform/files/file-store.ts';
import { importGazetteerCommand } from '../platform/gazetteer/cli.ts';
import { I18n } from '../platform/i18n/catalogue.ts';
import { Mailer } from '../platform/mail/mailer.ts';
import { Signer } from '../platform/security/signer.ts';
import { seedDemo } from '../platform/seeds/seeds.ts';
import { readableTextOn } from '../platform/tenancy/colour.ts';
import { TenantRegistry } from '../platform/tenancy/registry.ts';
import { upsertTenant } from '../platform/tenancy/store.ts';
import { lockDataFolder, resolveSessionSecret } from '../runtime.ts';
import { createWorker } from '../worker.ts';
import { UsageError } from './usage-error.ts';

export interface Command {
  summary: string;
  run(config: Config, args: string[]): Promise<number>;
}

/** Opens the database for a command; the embedded one only when no server holds it. */
async function withDatabase<T>(config: Config, role: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const unlock = config.databaseUrl ? () => {} : lockDataFolder(config.dataDir, role);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    unlock();
  }
}

export const commands: Record<string, Command> = {
  worker: {
    summary: 'run the job worker (mail, webhooks, reminders) apart from the web process',
    async run(config) {
      const logger = createLogger(config);
      const unlock = config.databaseUrl ? () => {} : lockDataFolder(config.dataDir, 'a Doorstep worker');
      const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      await migrate(db);
      const tenants = new TenantRegistry(db, undefined);
      await tenants.refresh();
      const now = () => new Date();
      const mailer = new Mailer({ db, config, tenants, now });
      const sessionSecret = resolveSessionSecret(config);
      const worker = createWorker({
        db,
        mailer,
        now,
        logger,
        outbound: { demo: config.demo, allowPrivate: config.outboundAllowPrivate },
        // Open311 push and pull write emails with the council's links, signed like the web's.
        services: {
          tenants,
          mailer,
          config,
          i18n: new I18n(),
          signer: new Signer(sessionSecret),
        },
        // Back-channel logouts are signed with the council's OpenID keys, sealed with this secret.
        sessionSecret,
      });
      worker.start();
      const stopHousekeeping = startHousekeeping({
        db,
        now,
        logger,
        files: createLocalFileStore({ dataDir: config.dataDir, db }),
      });
      logger.info('worker started; Ctrl-C to stop');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      logger.info('worker stopping: finishing jobs in flight');
      stopHousekeeping();
      await worker.stop();
      await db.close();
      unlock();
      return 0;
    },
  },

  seed: {
    summary: 'apply the demo councils and every module’s demo content (idempotent)',
    async run(config) {
      return withDatabase(config, 'doorstep seed', async (db) => {
        const applied = await seedDemo(db, {
          log: (line) => console.log(line),
          files: createLocalFileStore({ dataDir: config.dataDir, db }),
        });
        console.log(applied.length ? `applied ${applied.join(', ')}` : 'demo content is up to date');
        return 0;
      });
    },
  },

  'tenant:create': {
    summary: 'create or update a council: --slug --prefix --name [--name-cy] --host --colour --email --phone',
    async run(config, args) {
      const { values } = parseArgs({
        args,
        options: {
          slug: { type: 'string' },
          prefix: { type: 'string' },
          name: { type: 'string' },
          'name-cy': { type: 'string' },
          host: { type: 'string', multiple: true },
          colour: { type: 'string', default: '#1d70b8' },
          email: { type: 'string' },
          phone: { type: 'string', default: '' },
        },
      });
      const missing = (['slug', 'prefix', 'name', 'email'] as const).filter((k) => !values[k]);
      if (missing.length) throw new UsageError(`tenant:create needs --${missing.join(', --')}`);
      if (!/^#[0-9a-f]{6}$/i.test(values.colour!)) throw new UsageError('--colour must be like #1d70b8');
      return withDatabase(config, 'doorstep tenant:create', async (db) => {
        const id = await upsertTenant(db, {
          slug: values.slug!,
          prefix: values.prefix!.toUpperCase(),
          name: { en: values.name!, ...(values['name-cy'] ? { cy: values['name-cy'] } : {}) },
          brand: {
            colour: values.colour!,
            onColour: readableTextOn(values.colour!),
            logoSvg: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="6" fill="#ffffff"/><rect x="4" y="4" width="32" height="32" rx="4" fill="${values.colour}"/></svg>`,
          },
          contact: {
            phone: values.phone!,
            email: values.email!,
            address: { en: '' },
            openingHours: { en: '' },
          },
          footerLinks: [],
          hosts: values.host ?? [`${values.slug}.localhost`],
        });
        console.log(`council ${values.slug} saved (${id})`);
        return 0;
      });
    },
  },

  'staff:create': {
    summary:
      'create a council’s first administrator: --council <slug> --email e --name n [--role r] [--platform]',
    run: (config, args) =>
      staffCreateCommand(args, (fn) => withDatabase(config, 'doorstep staff:create', fn)),
  },

  'import:gazetteer': {
    summary: 'load a council’s addresses from CSV: FILE.csv --council <slug> (safe to run again)',
    run: (config, args) =>
      importGazetteerCommand(args, (fn) => withDatabase(config, 'doorstep import:gazetteer', fn)),
  },

  'import:boundaries': {
    summary: 'load council boundaries from GeoJSON: FILE.geojson (safe to run again)',
    run: (_config, args) =>
      importBoundariesCommand(args, (fn) => withDatabase(_config, 'doorstep import:boundaries', fn)),
  },

  'bench:seed': {
    summary:
      'many street reports for the benchmarks: [--council northshire] [--reports 1000000] (safe to stop and run again)',
    run: (config, args) => benchSeedCommand(args, (fn) => withDatabase(config, 'doorstep bench:seed', fn)),
  },

  'oidc:rotate-keys': {
    summary: 'new signing keys for a council’s OpenID Provider: --council <slug>',
    run: (config, args) =>
      rotateKeysCommand(args, { sessionSecret: resolveSessionSecret(config), demo: config.demo }, (fn) =>
        withDatabase(config, 'doorstep oidc:rotate-keys', fn),
      ),
  },

  'people:match': {
    summary:
      'score likely duplicates in FILE.csv [--threshold 0.5] (id_a,id_b,score per pair), or a council’s people: --council <slug>',
    run: (config, args) =>
      peopleMatchCommand(args, (fn) => withDatabase(config, 'doorstep people:match', fn)),
  },
};
