import type { Logger } from 'pino';
import type { Database } from './db/database.ts';
import { deleteOldSentMail } from './modules/accounts/service.ts';
import { deleteExpiredDocuments } from './modules/cases/work.ts';
import { deleteExpiredRegistrationData } from './modules/events/retention.ts';
import { deleteExpiredDrafts } from './modules/forms/store.ts';
import { deleteOldKeys } from './modules/oidc/keys.ts';
import { deleteExpiredPayloads } from './modules/oidc/store.ts';
import type { FileStore } from './platform/files/file-store.ts';
import { deleteExpiredCodes } from './platform/one-time-codes/one-time-codes.ts';
import { pruneDoneJobs } from './platform/outbox/outbox.ts';
import { deleteExpiredRateLimits } from './platform/security/rate-limit-store.ts';
import { deleteExpiredSessions } from './platform/sessions/sessions.ts';

const doneJobsKeptMs = 7 * 24 * 60 * 60 * 1000;

/** Deletes what has outlived its use. Idempotent, so several workers running it is harmless. */
export async function runHousekeeping(
  db: Database,
  now: Date,
  files?: FileStore,
): Promise<{ sessions: number; jobs: number; documents: number; registrations: number }> {
  const sessions = await deleteExpiredSessions(db, now);
  const jobs = await pruneDoneJobs(db, new Date(now.getTime() - doneJobsKeptMs));
  await deleteExpiredRateLimits(db, now);
  await deleteExpiredDrafts(db, now);
  await deleteExpiredCodes(db, now);
  await deleteOldSentMail(db, now);
  // The OpenID Provider's expired codes, tokens, sessions and grants, and keys long retired.
  await deleteExpiredPayloads(db, now);
  await deleteOldKeys(db, now);
  // Case documents are kept by the retention rule of their kind, then their bytes are destroyed.
  const documents = files ? await deleteExpiredDocuments(db, files, now) : 0;
  // Event registrations keep their figures; their personal data goes when its retention ends.
  const registrations = await deleteExpiredRegistrationData(db, now);
  return { sessions, jobs, documents, registrations };
}

/** Runs housekeeping beside the worker, every `everyMs`; returns a function that stops it. */
export function startHousekeeping(
  deps: { db: Database; now: () => Date; logger: Logger; files?: FileStore },
  everyMs = 10 * 60 * 1000,
) {
  const tick = async () => {
    try {
      const removed = await runHousekeeping(deps.db, deps.now(), deps.files);
      if (Object.values(removed).some(Boolean)) deps.logger.info(removed, 'housekeeping');
    } catch (error) {
      deps.logger.warn({ err: error }, 'housekeeping failed; will try again');
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
