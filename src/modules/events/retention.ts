/**
 * The retention of registrations. Every question of the registration form declares how long
 * its answer is kept; for a registration that time runs from when the registration stopped
 * being needed: the end of the event, or the cancellation of the registration or of the
 * event, whichever came first. Then housekeeping deletes the personal data (name, email,
 * answers, the account and CRM person it was joined to, its links) and keeps the row, whose
 * status and attendance are the event's figures. The CRM timeline keeps its own entries
 * ("Registered for…", "Attended…"): they hold no answer from the form.
 */
import type { Database } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { listTenants } from '../../platform/tenancy/store.ts';
import { addPeriod, type FormDefinition, parsePeriod } from '../forms/engine/index.ts';
import { registrationForm } from './registration-form.ts';
import { deletePersonalData, registrationsDueForDeletion } from './store.ts';

type Period = NonNullable<ReturnType<typeof parsePeriod>>;

const roughDays = (p: Period) => p.years * 365.25 + p.months * 30.44 + p.weeks * 7 + p.days;

/**
 * The form's shortest declared retention: the personal data of a registration goes as one,
 * so none of its answers is kept longer than its own question says.
 */
export function retentionOfForm(form: FormDefinition): { period: string; parsed: Period } {
  const periods = form.pages
    .flatMap((page) => page.questions)
    .map((q) => ({ period: q.retention.period, parsed: parsePeriod(q.retention.period) }))
    .filter((p): p is { period: string; parsed: Period } => p.parsed !== undefined && p.parsed.sign > 0);
  const shortest = periods.sort((a, b) => roughDays(a.parsed) - roughDays(b.parsed))[0];
  if (!shortest) throw new RangeError(`form ${form.slug} declares no retention period`);
  return shortest;
}

export const registrationRetention = retentionOfForm(registrationForm);

/** The instant a period before `now` (UTC calendar; 29 February less a year is 28 February). */
export function periodBefore(now: Date, period: Period): Date {
  const iso = now.toISOString();
  return new Date(`${addPeriod(iso.slice(0, 10), period, -1)}${iso.slice(10)}`);
}

/**
 * Deletes the personal data of registrations whose retention has run out, one council at a
 * time and a batch per transaction, with an audit line per event in each batch. A row done
 * is never picked again, so it is safe to stop at any point and to run again (or on several
 * workers at once: rows another sweep holds are skipped). Answers how many it changed.
 */
export async function deleteExpiredRegistrationData(db: Database, now: Date, batch = 200): Promise<number> {
  const { period, parsed } = registrationRetention;
  const cutoff = periodBefore(now, parsed);
  let deleted = 0;
  for (const tenant of await listTenants(db)) {
    for (;;) {
      const due = await db.transaction(async (tx) => {
        const rows = await registrationsDueForDeletion(tx, tenant.id, cutoff, batch);
        if (!rows.length) return 0;
        const changed = new Set(
          await deletePersonalData(
            tx,
            tenant.id,
            rows.map((r) => r.id),
            now,
          ),
        );
        const perEvent = new Map<string, number>();
        for (const r of rows)
          if (changed.has(r.id)) perEvent.set(r.eventId, (perEvent.get(r.eventId) ?? 0) + 1);
        for (const [eventId, registrations] of perEvent)
          await recordAudit(tx, {
            tenantId: tenant.id,
            actor: { type: 'system' },
            action: 'event.registrations.expired',
            subject: { type: 'event', id: eventId },
            details: { registrations, retention: period },
          });
        deleted += changed.size;
        return rows.length;
      });
      if (due < batch) break;
    }
  }
  return deleted;
}
