import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { publicOrigin } from '../../config.ts';
import { notFound } from '../../platform/errors/errors.ts';
import type { Address } from '../../platform/gazetteer/store.ts';
import type { Translate } from '../../platform/i18n/catalogue.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import { formatDate } from './format.ts';
import { toICalendar } from './ics.ts';
import type { Bin, Collection } from './schedule.ts';
import { type BinDay, binDayFor, calendarDays, lookUpPostcode, upcomingDays } from './service.ts';
import { collectsBins } from './store.ts';

type LocalInfoServices = Pick<Services, 'db' | 'tenants' | 'i18n' | 'now' | 'config'>;

const binKeys: Record<Bin, string> = {
  refuse: 'localinfo.bin.refuse',
  recycling: 'localinfo.bin.recycling',
  food: 'localinfo.bin.food',
  garden: 'localinfo.bin.garden',
};

/** Facts shown on an address's page, in this order; others are kept for the JSON only. */
const factKeys: [fact: string, label: string][] = [
  ['ward', 'localinfo.fact.ward'],
  ['parish', 'localinfo.fact.parish'],
  ['division', 'localinfo.fact.division'],
  ['recyclingCentre', 'localinfo.fact.recycling-centre'],
];

const postcodeErrors = {
  empty: 'localinfo.error.postcode-empty',
  invalid: 'localinfo.error.postcode-invalid',
  unknown: 'localinfo.error.postcode-unknown',
} as const;

export const addressText = (a: Address) => [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ');

const one = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Local information by address: "when is my bin day" at /bin-day (postcode, then the
 * address, then its collections), with a calendar file and JSON for other apps. No
 * JavaScript and no session: every step is a GET that can be bookmarked or shared.
 */
export function registerLocalInfo(app: FastifyInstance, services: LocalInfoServices): void {
  const { db } = services;

  app.get('/bin-day', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const t = services.i18n.t(request.lang);
    const typed = one(query.postcode);
    if (typed === undefined) return renderFind(request, reply, { value: '' });

    const found = await lookUpPostcode(db, request.tenant.id, typed);
    if ('error' in found) {
      const text = t(postcodeErrors[found.error], { postcode: found.postcode ?? '' });
      return renderFind(request, reply, { value: typed.slice(0, 20), error: text });
    }
    const chosen = one(query.uprn);
    if (chosen && found.addresses.some((a) => a.uprn === chosen)) {
      return reply.redirect(`/bin-day/${chosen}`, 303);
    }
    const asked = query.step === 'address';
    const error = asked ? { text: t('localinfo.error.address-empty') } : undefined;
    return reply.render('modules/local-info/views/choose-address.njk', {
      postcode: found.postcode,
      items: found.addresses.map((a) => ({
        value: a.uprn,
        text: [a.line1, a.line2].filter(Boolean).join(', '),
      })),
      errorSummary: error ? [{ text: error.text, href: '#uprn' }] : [],
      errors: { uprn: error },
      backLink: '/bin-day',
    });
  });

  async function renderFind(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { value: string; error?: string },
  ) {
    return reply.render('modules/local-info/views/find-address.njk', {
      value: form.value,
      collects: await collectsBins(db, request.tenant.id),
      errorSummary: form.error ? [{ text: form.error, href: '#postcode' }] : [],
      errors: { postcode: form.error ? { text: form.error } : undefined },
    });
  }

  app.get('/bin-day/:address', async (request, reply) => {
    const param = (request.params as { address: string }).address;
    const match = /^(\d{1,12})(?:\.(json|ics))?$/.exec(param);
    if (!match) throw notFound();
    const [, uprn, format] = match as unknown as [string, string, 'json' | 'ics' | undefined];
    const now = services.now();
    const tenant = request.tenant;
    const days = format === 'ics' ? calendarDays : format === 'json' ? daysAsked(request) : upcomingDays;
    const answer = await binDayFor(db, services.tenants, tenant, uprn, now, days);
    if (!answer) throw notFound(format ? `No address with UPRN ${uprn}` : undefined);
    const t = services.i18n.t(request.lang);

    if (format === 'json') {
      return reply.header('cache-control', 'public, max-age=900').send(binDayJson(answer, services));
    }
    if (format === 'ics') {
      if (answer.kind !== 'collections') throw notFound('No bin collections at this address');
      const ics = toICalendar({
        name: t('localinfo.ics.calendar-name', { address: answer.address.line1 }),
        prodId: `-//Doorstep//${tenant.slug} bin collections//${request.lang.toUpperCase()}`,
        now,
        events: answer.collections.map((c) => {
          const bins = c.bins.map((b) => t(binKeys[b])).join(', ');
          return {
            uid: `${c.date}-${answer.address.uprn}@${tenant.slug}.bin-day.doorstep`,
            date: c.date,
            summary: t('localinfo.ics.summary', { bins }),
            ...(c.changed ? { description: changedText(c, t, request.lang).text } : {}),
            alarm: { trigger: '-PT5H', description: t('localinfo.ics.reminder', { bins }) },
          };
        }),
      });
      return reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="bin-collections-${answer.address.uprn}.ics"`)
        .header('cache-control', 'public, max-age=900')
        .send(ics);
    }

    const lang = request.lang;
    const base = {
      address: answer.address,
      addressText: addressText(answer.address),
      facts: factKeys
        .filter(([fact]) => answer.address.facts[fact])
        .map(([fact, label]) => ({ key: { text: t(label) }, value: { text: answer.address.facts[fact] } })),
      backLink: `/bin-day?postcode=${encodeURIComponent(answer.address.postcode)}`,
    };
    if (answer.kind === 'elsewhere') {
      const collector = answer.collector?.tenant;
      return reply.render('modules/local-info/views/bin-day.njk', {
        ...base,
        kind: answer.kind,
        collector: collector
          ? {
              name: localise(collector.name, lang),
              phone: collector.contact.phone,
              href: `${publicOrigin(services.config, collector.slug)}/bin-day/${answer.address.uprn}`,
            }
          : undefined,
        collectorName: answer.collector?.name,
      });
    }
    if (answer.kind === 'no-round') {
      return reply.render('modules/local-info/views/bin-day.njk', { ...base, kind: answer.kind });
    }
    const upcoming = answer.collections.map((c) => ({
      date: c.date,
      dateText: formatDate(c.date, lang),
      today: c.date === answer.today,
      bins: c.bins.map((b) => t(binKeys[b])),
      changed: c.changed ? changedText(c, t, lang) : undefined,
    }));
    return reply.render('modules/local-info/views/bin-day.njk', {
      ...base,
      kind: answer.kind,
      round: localise(answer.round.name, lang),
      next: upcoming[0],
      upcoming,
      calendarHref: `/bin-day/${answer.address.uprn}.ics`,
    });
  });
}

function changedText(c: Collection, t: Translate, lang: Language) {
  const reason = localise(c.changed!.reason, lang);
  return {
    text: t('localinfo.bin-day.changed', { date: formatDate(c.changed!.from, lang), reason: reason.text }),
    lang: reason.lang,
  };
}

function daysAsked(request: FastifyRequest): number {
  const days = Number(one((request.query as Record<string, unknown>).days));
  return Number.isInteger(days) && days >= 1 && days <= 366 ? days : upcomingDays;
}

/** The JSON other apps read: dates as "YYYY-MM-DD", staff-written text as { en, cy }. */
function binDayJson(answer: BinDay, services: Pick<LocalInfoServices, 'config'>) {
  const { uprn, line1, line2, town, postcode, lat, lng, facts } = answer.address;
  const collector = answer.kind === 'elsewhere' ? answer.collector : undefined;
  return {
    uprn,
    address: { line1, line2, town, postcode, lat, lng },
    facts,
    collectsBins: answer.kind !== 'elsewhere',
    collectedBy: collector
      ? collector.tenant
        ? {
            council: collector.tenant.slug,
            name: collector.tenant.name,
            url: `${publicOrigin(services.config, collector.tenant.slug)}/bin-day/${uprn}.json`,
          }
        : { name: { en: collector.name } }
      : null,
    today: answer.today,
    round: answer.kind === 'collections' ? { code: answer.round.code, name: answer.round.name } : null,
    collections: answer.kind === 'collections' ? answer.collections : [],
  };
}
