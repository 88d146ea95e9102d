/**
 * Events: places, a wait list and the emails around them. Every change that gives or frees a
 * place runs in one transaction under a lock on the event's row, so places are never
 * over-given however many people press "Register" at once, and its emails (with the
 * calendar file) and reminders are enqueued in that same transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import { publicOrigin } from '../../config.ts';
import type { Queryable } from '../../db/database.ts';
import type { I18n } from '../../platform/i18n/catalogue.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import { enqueue, type Job } from '../../platform/outbox/outbox.ts';
import type { JobHandler } from '../../platform/outbox/worker.ts';
import type { Signer } from '../../platform/security/signer.ts';
import type { TenantRegistry } from '../../platform/tenancy/registry.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import { linkContact, recordInteraction } from '../crm/service.ts';
import { inviteCalendar } from './ics.ts';
import {
  activeRegistrationByEmail,
  countConfirmed,
  deleteRegistration,
  type EventInput,
  type EventRow,
  findEvent,
  findRegistration,
  firstWaiting,
  insertEvent,
  insertRegistration,
  insertToken,
  lockEvent,
  type Registration,
  registrationByTokenHash,
  registrationsOf,
  setAttendance,
  setEventStatus,
  setRegistrationPerson,
  setRegistrationStatus,
  updateEvent,
} from './store.ts';

export * from './store.ts';

export interface EventsDeps {
  mailer: Mailer;
  i18n: I18n;
  config: { publicOriginTemplate: string };
  tenants: Pick<TenantRegistry, 'byId'>;
}

export const reminderJobKind = 'events.reminder';
export const contactJobKind = 'events.link-contact';
const reminders = [
  { which: 'day', beforeMs: 24 * 3600_000 },
  { which: 'hour', beforeMs: 3600_000 },
] as const;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new link for one registration: random, and only its hash is kept. */
async function mintToken(q: Queryable, tenantId: string, registrationId: string): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await insertToken(q, tenantId, registrationId, hashToken(token));
  return token;
}

export async function registrationByToken(
  q: Queryable,
  tenantId: string,
  token: string,
): Promise<Registration | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return undefined;
  return registrationByTokenHash(q, tenantId, hashToken(token));
}

export const registrationPath = (slug: string, token: string) => `/events/${slug}/registrations/${token}`;

function splitName(name: string): { givenName: string; familyName: string } {
  const parts = name.trim().split(/\s+/);
  if (parts.length < 2) return { givenName: parts[0] ?? '', familyName: '' };
  return { givenName: parts.slice(0, -1).join(' '), familyName: parts.at(-1)! };
}

/** "Tuesday 3 November 2026, 6:30pm to 8pm", in UK time. */
export function whenText(event: Pick<EventRow, 'startsAt' | 'endsAt'>, lang: Language): string {
  const locale = lang === 'cy' ? 'cy-GB' : 'en-GB';
  const day = new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  });
  const time = new Intl.DateTimeFormat(locale, {
    hour: 'numeric',
    minute: '2-digit',
    timeZone: 'Europe/London',
  });
  return `${day.format(event.startsAt)}, ${time.format(event.startsAt)}–${time.format(event.endsAt)}`;
}

export class EventsService {
  readonly #deps: EventsDeps;

  constructor(deps: EventsDeps) {
    this.#deps = deps;
  }

  get deps(): EventsDeps {
    return this.#deps;
  }

  /** Whether messages can carry files: GOV.UK Notify sends a link to the .ics instead. */
  get #attach(): boolean {
    return this.#deps.mailer.delivery !== 'notify';
  }

  calendarFor(
    tenant: Tenant,
    event: EventRow,
    registration: Registration,
    method: 'PUBLISH' | 'REQUEST' | 'CANCEL',
    now: Date,
  ): string {
    const lang = registration.lang;
    const title = localise(event.title, lang).text;
    const place = event.venue ? localise(event.venue, lang).text : undefined;
    const online =
      registration.status === 'confirmed' && event.format !== 'in-person' ? event.meetingUrl : null;
    return inviteCalendar({
      method,
      uid: `${registration.id}@events.${tenant.slug}.doorstep`,
      sequence: event.sequence,
      startsAt: event.startsAt,
      endsAt: event.endsAt,
      summary: title,
      description: [localise(event.description, lang).text, online].filter(Boolean).join('\n\n'),
      location: [place, online].filter(Boolean).join(' / ') || undefined,
      ...(online ? { url: online } : {}),
      organiser: { name: localise(tenant.name, lang).text, email: tenant.contact.email },
      attendee: { name: registration.name, email: registration.email },
      now,
    });
  }

  /**
   * One email about one registration, with a fresh link of its own. Kinds with a calendar
   * carry the .ics (REQUEST, or CANCEL when the place is gone), except under Notify.
   */
  async mail(
    tx: Queryable,
    tenant: Tenant,
    event: EventRow,
    registration: Registration,
    kind:
      | 'confirmed'
      | 'waiting'
      | 'promoted'
      | 'again'
      | 'update'
      | 'reminder-day'
      | 'reminder-hour'
      | 'cancelled'
      | 'event-cancelled',
    now: Date,
    options: { hadPlace?: boolean } = {},
  ): Promise<void> {
    const { mailer, i18n, config } = this.#deps;
    const lang = registration.lang;
    const t = i18n.t(lang);
    const token = await mintToken(tx, tenant.id, registration.id);
    const page = `${publicOrigin(config, tenant.slug)}${registrationPath(event.slug, token)}`;
    const title = localise(event.title, lang).text;
    const active = registration.status !== 'cancelled' && event.status !== 'cancelled';
    const placed = registration.status === 'confirmed' && active;
    const lines = [
      t(`events.email.${kind}-intro`, { title }),
      '',
      t('events.email.when', { when: whenText(event, lang) }),
    ];
    if (event.venue && event.format !== 'online')
      lines.push(t('events.email.where', { where: localise(event.venue, lang).text }));
    if (placed && event.meetingUrl && event.format !== 'in-person')
      lines.push(t('events.email.online', { link: event.meetingUrl }));
    lines.push('', t('events.email.page', { link: page }));
    if (placed) lines.push(t('events.email.calendar', { link: `${page}.ics` }));
    if (active) lines.push(t('events.email.cancel', { link: `${page}/cancel` }));
    const method = placed
      ? 'REQUEST'
      : kind === 'cancelled' || kind === 'event-cancelled'
        ? 'CANCEL'
        : undefined;
    // A wait-listed person has no calendar entry to cancel.
    const attach = this.#attach && method && (method === 'REQUEST' || options.hadPlace);
    await mailer.send(tx, tenant.id, {
      to: registration.email,
      subject: t(`events.email.${kind}-subject`, { title }),
      text: `${lines.join('\n')}\n`,
      ...(attach
        ? {
            attachments: [
              {
                filename: 'invite.ics',
                contentType: 'text/calendar',
                content: Buffer.from(this.calendarFor(tenant, event, registration, method, now)).toString(
                  'base64',
                ),
              },
            ],
          }
        : {}),
    });
  }

  async #scheduleReminders(
    tx: Queryable,
    tenantId: string,
    event: EventRow,
    registrationId: string,
    now: Date,
  ) {
    for (const r of reminders) {
      const runAt = new Date(event.startsAt.getTime() - r.beforeMs);
      if (runAt <= now) continue;
      await enqueue(tx, {
        tenantId,
        kind: reminderJobKind,
        runAt,
        payload: { registrationId, which: r.which, startsAt: event.startsAt.toISOString() },
      });
    }
  }

  async #timeline(
    tx: Queryable,
    tenantId: string,
    registration: Pick<Registration, 'personId' | 'email'>,
    summary: string,
    kind: string,
  ) {
    if (!registration.personId) return;
    await recordInteraction(tx, tenantId, {
      channel: 'web',
      kind,
      personId: registration.personId,
      email: registration.email,
      summary,
      reason: 'Event',
    });
  }

  /**
   * A place, or a place on the wait list, for one person. An address already registered
   * gets its links again by email, never on the page (the page is anybody's).
   */
  async register(
    tx: Queryable,
    tenant: Tenant,
    eventId: string,
    input: {
      name: string;
      email: string;
      answers: Record<string, unknown>;
      lang: Language;
      accountId: string | null;
    },
    now: Date,
  ): Promise<
    | { kind: 'registered'; status: 'confirmed' | 'waiting'; token: string; registration: Registration }
    | { kind: 'again' }
    | { kind: 'closed' }
  > {
    const email = input.email.toLowerCase();
    const found = await findEvent(tx, tenant.id, eventId);
    if (found?.status !== 'open' || found.startsAt <= now) return { kind: 'closed' };
    // Written as waiting first, outside the lock; an address already registered inserts nothing.
    const inserted = await insertRegistration(tx, tenant.id, {
      eventId,
      name: input.name,
      email,
      answers: input.answers,
      lang: input.lang,
      status: 'waiting',
      accountId: input.accountId,
      personId: null,
    });
    if (!inserted) {
      const existing = await activeRegistrationByEmail(tx, tenant.id, eventId, email);
      if (existing) await this.mail(tx, tenant, found, existing, 'again', now);
      return { kind: 'again' };
    }
    const token = await mintToken(tx, tenant.id, inserted.id);
    // Finding the person in the CRM (and their likely duplicates) is slow: a job does it.
    await enqueue(tx, {
      tenantId: tenant.id,
      kind: contactJobKind,
      payload: { registrationId: inserted.id },
    });
    // Only counting and giving the place happen under the event's lock, so a rush queues briefly.
    const event = await lockEvent(tx, tenant.id, eventId);
    if (event?.status !== 'open') {
      await deleteRegistration(tx, tenant.id, inserted.id);
      return { kind: 'closed' };
    }
    const taken = await countConfirmed(tx, tenant.id, event.id);
    const status = event.capacity === null || taken < event.capacity ? 'confirmed' : 'waiting';
    if (status === 'confirmed') await setRegistrationStatus(tx, tenant.id, inserted.id, 'confirmed', false);
    const registration = { ...inserted, status } as Registration;
    await this.mail(tx, tenant, event, registration, status, now);
    if (status === 'confirmed') await this.#scheduleReminders(tx, tenant.id, event, registration.id, now);
    return { kind: 'registered', status, token, registration };
  }

  /**
   * The job after a registration: the person found or added in the CRM, joined to the
   * registration, and the registration on their timeline.
   */
  async linkRegistration(tx: Queryable, tenantId: string, registrationId: string): Promise<void> {
    const registration = await findRegistration(tx, tenantId, registrationId);
    if (!registration || registration.personId) return;
    const event = await findEvent(tx, tenantId, registration.eventId);
    if (!event) return;
    const personId = await linkContact(tx, tenantId, {
      ...splitName(registration.name),
      email: registration.email,
      accountId: registration.accountId,
    });
    if (!personId) return;
    await setRegistrationPerson(tx, tenantId, registration.id, personId);
    const placed = registration.status === 'confirmed' || registration.promotedAt;
    await this.#timeline(
      tx,
      tenantId,
      { personId, email: registration.email },
      `${placed ? 'Registered for' : 'On the waiting list for'} ${event.title.en}`,
      'event-registration',
    );
  }

  /** Gives freed places to the longest waiting, while there is room. */
  async #promote(tx: Queryable, tenant: Tenant, event: EventRow, now: Date): Promise<Registration[]> {
    const promoted: Registration[] = [];
    if (event.status !== 'open') return promoted;
    let taken = await countConfirmed(tx, tenant.id, event.id);
    while (event.capacity === null || taken < event.capacity) {
      const next = await firstWaiting(tx, tenant.id, event.id);
      if (!next) break;
      await setRegistrationStatus(tx, tenant.id, next.id, 'confirmed');
      const placed = { ...next, status: 'confirmed' as const, promotedAt: now };
      await this.mail(tx, tenant, event, placed, 'promoted', now);
      await this.#scheduleReminders(tx, tenant.id, event, next.id, now);
      await this.#timeline(tx, tenant.id, next, `Given a place at ${event.title.en}`, 'event-registration');
      promoted.push(placed);
      taken += 1;
    }
    return promoted;
  }

  /** Cancels a place (or a place on the wait list); the first waiting gets the freed place. */
  async cancel(
    tx: Queryable,
    tenant: Tenant,
    registration: Registration,
    now: Date,
  ): Promise<{ cancelled: boolean; promoted: Registration[] }> {
    const event = await lockEvent(tx, tenant.id, registration.eventId);
    if (!event) return { cancelled: false, promoted: [] };
    const before = await setRegistrationStatus(tx, tenant.id, registration.id, 'cancelled');
    if (!before || before === 'cancelled') return { cancelled: false, promoted: [] };
    const gone = { ...registration, status: 'cancelled' as const };
    await this.mail(tx, tenant, event, gone, 'cancelled', now, { hadPlace: before === 'confirmed' });
    await this.#timeline(
      tx,
      tenant.id,
      registration,
      `Cancelled their place at ${event.title.en}`,
      'event-cancellation',
    );
    const promoted = before === 'confirmed' ? await this.#promote(tx, tenant, event, now) : [];
    return { cancelled: true, promoted };
  }

  /** A fresh link to a registration, for its owner signed in to My Account. */
  linkFor(tx: Queryable, tenantId: string, registrationId: string): Promise<string> {
    return mintToken(tx, tenantId, registrationId);
  }

  async create(tx: Queryable, tenantId: string, input: EventInput): Promise<string> {
    return insertEvent(tx, tenantId, input);
  }

  /**
   * Saves staff changes. When the time, place, link or title changed, everyone with a place
   * or waiting gets the update (a calendar REQUEST with a higher SEQUENCE) and new reminders;
   * more places go to the wait list.
   */
  async update(
    tx: Queryable,
    tenant: Tenant,
    eventId: string,
    input: EventInput,
    now: Date,
  ): Promise<number> {
    const before = await lockEvent(tx, tenant.id, eventId);
    if (!before) return 0;
    const changed =
      before.startsAt.getTime() !== input.startsAt.getTime() ||
      before.endsAt.getTime() !== input.endsAt.getTime() ||
      JSON.stringify(before.venue) !== JSON.stringify(input.venue) ||
      before.meetingUrl !== input.meetingUrl ||
      before.format !== input.format ||
      JSON.stringify(before.title) !== JSON.stringify(input.title);
    await updateEvent(tx, tenant.id, eventId, input, changed);
    const event = (await findEvent(tx, tenant.id, eventId))!;
    let told = 0;
    if (changed && event.status !== 'cancelled') {
      for (const r of await registrationsOf(tx, tenant.id, eventId)) {
        if (r.status === 'cancelled') continue;
        await this.mail(tx, tenant, event, r, 'update', now);
        if (r.status === 'confirmed' && before.startsAt.getTime() !== event.startsAt.getTime())
          await this.#scheduleReminders(tx, tenant.id, event, r.id, now);
        told += 1;
      }
    }
    await this.#promote(tx, tenant, event, now);
    return told;
  }

  /** Cancels the whole event: everyone registered or waiting gets a calendar CANCEL. */
  async cancelEvent(tx: Queryable, tenant: Tenant, eventId: string, now: Date): Promise<number> {
    const before = await lockEvent(tx, tenant.id, eventId);
    if (!before || before.status === 'cancelled') return 0;
    await setEventStatus(tx, tenant.id, eventId, 'cancelled', true);
    const event = (await findEvent(tx, tenant.id, eventId))!;
    let told = 0;
    for (const r of await registrationsOf(tx, tenant.id, eventId)) {
      if (r.status === 'cancelled') continue;
      await this.mail(tx, tenant, event, r, 'event-cancelled', now, { hadPlace: r.status === 'confirmed' });
      told += 1;
    }
    return told;
  }

  async setOpen(tx: Queryable, tenant: Tenant, eventId: string, open: boolean, now: Date): Promise<void> {
    const event = await lockEvent(tx, tenant.id, eventId);
    if (!event || event.status === 'cancelled') return;
    await setEventStatus(tx, tenant.id, eventId, open ? 'open' : 'closed', false);
    // Places freed while registration was closed go to those waiting before any newcomer.
    if (open) await this.#promote(tx, tenant, { ...event, status: 'open' }, now);
  }

  async markAttendance(tx: Queryable, tenantId: string, event: EventRow, attended: readonly string[]) {
    const changed = await setAttendance(tx, tenantId, event.id, attended);
    for (const r of changed)
      if (r.attended) await this.#timeline(tx, tenantId, r, `Attended ${event.title.en}`, 'event-attendance');
    return changed.length;
  }

  /**
   * The reminder job: sent only if, when it runs, the place is still held, the event still
   * on and at the time the reminder was set for. A canceller never gets one.
   */
  handlers(): Record<string, JobHandler> {
    return {
      [contactJobKind]: async (job: Job, ctx) => {
        const { registrationId } = job.payload as { registrationId?: string };
        await ctx.db.transaction((tx) => this.linkRegistration(tx, job.tenantId, String(registrationId)));
      },
      [reminderJobKind]: async (job: Job, ctx) => {
        const payload = job.payload as { registrationId?: string; which?: string; startsAt?: string };
        const which = payload.which === 'hour' ? 'hour' : 'day';
        await ctx.db.transaction(async (tx) => {
          const registration = await findRegistration(tx, job.tenantId, String(payload.registrationId));
          if (registration?.status !== 'confirmed') return;
          const event = await lockEvent(tx, job.tenantId, registration.eventId);
          if (!event || event.status === 'cancelled') return;
          if (event.startsAt.toISOString() !== payload.startsAt || event.startsAt <= ctx.now()) return;
          const tenant = this.#deps.tenants.byId(job.tenantId);
          if (!tenant) return;
          // Locked and read again: a cancellation committed since the job was claimed wins.
          const current = await findRegistration(tx, job.tenantId, registration.id);
          if (current?.status !== 'confirmed') return;
          await this.mail(tx, tenant, event, current, `reminder-${which}`, ctx.now());
        });
      },
    };
  }
}

/** The link of an invitation-only event: anyone holding it may register (the invitation is the credential). */
export function inviteToken(signer: Signer, tenantId: string, eventId: string): string {
  return signer.sign('event-invite', `${tenantId}:${eventId}`);
}

export function inviteValid(signer: Signer, tenantId: string, eventId: string, token: unknown): boolean {
  return signer.verify('event-invite', `${tenantId}:${eventId}`, token);
}
