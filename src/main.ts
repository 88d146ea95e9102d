import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DatabaseUnavailableError, openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { startHousekeeping } from './housekeeping.ts';
import { createLogger, createLoggerOptions } from './logger.ts';
import { createLocalFileStore } from './platform/files/file-store.ts';
import { seedDemo } from './platform/seeds/seeds.ts';
import { DataFolderInUseError, lockDataFolder, resolveSessionSecret } from './runtime.ts';
import { createWorker } from './worker.ts';

const started = performance.now();

/** Problems a person can fix get one line naming the setting, not a stack trace. */
function fail(error: unknown): never {
  if (
    error instanceof ConfigError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof DataFolderInUseError
  ) {
    console.error(`doorstep: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`doorstep: PORT: ${(error as Error).message}`);
  } else {
    console.error('doorstep: could not start:', error);
  }
  process.exit(1);
}

async function start() {
  const config = loadConfig();
  const logger = createLogger(config);
  const unlock = config.databaseUrl ? () => {} : lockDataFolder(config.dataDir, 'the Doorstep server');
  process.on('exit', unlock);
  const sessionSecret = resolveSessionSecret(config);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(db);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  if (config.demo)
    await seedDemo(db, {
      log: (line) => logger.info(line),
      files: createLocalFileStore({ dataDir: config.dataDir, db }),
    });

  const app = await buildApp({ config, db, sessionSecret, logger: createLoggerOptions(config) });
  const worker = createWorker({
    db,
    mailer: app.services.mailer,
    now: app.services.now,
    logger,
    outbound: { demo: config.demo, allowPrivate: config.outboundAllowPrivate },
    services: app.services,
    sessionSecret,
  });
  await app.listen({ port: config.port, host: config.host });
  if (app.services.mailer.delivery === 'none') {
    logger.warn('no mail transport configured: set SMTP_URL or NOTIFY_API_KEY, or mail will fail');
  }
  let stopHousekeeping = () => {};
  if (config.inProcessWorker) {
    worker.start();
    stopHousekeeping = startHousekeeping({ db, now: app.services.now, logger, files: app.services.files });
  }

  const origins = app.services.tenants
    .all()
    .map((t) => `http://${t.slug}.localhost:${config.port}/`)
    .join('  ');
  logger.info(
    { startupMs: Math.round(performance.now() - started), demo: config.demo, driver: db.driver },
    `Doorstep is ready${config.demo ? `: ${origins}` : ''}`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    // Whatever happens, never hang: a stuck request must not keep the process alive.
    setTimeout(() => {
      logger.error('could not stop within 4.5 s; exiting');
      process.exit(1);
    }, 4500).unref();
    await app.close();
    stopHousekeeping();
    await worker.stop();
    await app.services.mailer.close();
    await db.close();
    unlock();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

start().catch(fail);
