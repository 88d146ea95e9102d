/**
 * Local information edited by staff at /staff/local-info ('services.configure'): property
 * facts (a bin round, a ward…) uploaded as CSV, and collection calendar changes (a bank
 * holiday moves a day's collections). Every change is checked first and shows which
 * addresses it touches, how many with a sample; only a second post, confirming, applies it,
 * in one transaction, audited with before and after.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { readCsv } from '../../platform/gazetteer/csv.ts';
import { localText } from '../builder/edit.ts';
import { bodyOf } from '../builder/routes.ts';
import { dateFrom } from '../catalogue/london-time.ts';
import { addDays, type CollectionChange, scheduledDates } from './schedule.ts';
import {
  addressesByUprn,
  addressesOnRounds,
  findChange,
  listRounds,
  replaceFacts,
  type TouchedAddress,
  upsertChanges,
} from './store.ts';

const view = (name: string) => `modules/local-info/views/staff/${name}.njk`;
const config = { staff: 'services.configure' as const };
type Body = Record<string, string | string[]>;
type Errors = Record<string, string>;
const one = (body: Body, name: string, max = 20000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};
const summaryOf = (errors: Errors) => Object.entries(errors).map(([id, text]) => ({ text, href: `#${id}` }));
const sampleSize = 10;
const maxRows = 5000;
const factName = /^[a-zA-Z][a-zA-Z0-9]{0,39}$/;

interface FactsPlan {
  rows: { uprn: string; facts: Record<string, string>; before: Record<string, string> }[];
  sample: TouchedAddress[];
}

export function localInfoStaffPages(services: Services) {
  const { db, i18n, pageCache } = services;

  return (scope: FastifyInstance) => {
    const t = (request: FastifyRequest) => i18n.t(request.lang);
    const render = (
      request: FastifyRequest,
      reply: FastifyReply,
      name: string,
      context: object,
      errors: Errors = {},
    ) =>
      reply
        .code(Object.keys(errors).length ? 400 : 200)
        .render(view(name), { user: request.staffUser, errors, errorSummary: summaryOf(errors), ...context });
    const home = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Body = {},
      errors: Errors = {},
    ) =>
      render(
        request,
        reply,
        'local-info',
        {
          values,
          rounds: await listRounds(db, request.tenant.id),
          applied: /^\d+$/.test(String((request.query as { applied?: string }).applied))
            ? (request.query as { applied: string }).applied
            : undefined,
        },
        errors,
      );

    /**
     * What a CSV of facts would change: a header "uprn" then one column per fact; each row
     * sets those facts of one address (an empty cell removes the fact). Undefined with errors.
     */
    const planFacts = async (
      request: FastifyRequest,
      csv: string,
      errors: Errors,
    ): Promise<FactsPlan | undefined> => {
      const tr = t(request);
      const records = [];
      for await (const r of readCsv(Readable.from([csv])))
        if (r.fields.some((f) => f.trim())) records.push(r);
      const [header, ...rows] = records;
      const names = header?.fields.map((f) => f.trim()) ?? [];
      if (
        !header ||
        names[0]?.toLowerCase() !== 'uprn' ||
        names.length < 2 ||
        !names.slice(1).every((n) => factName.test(n))
      ) {
        errors.csv = tr('local-admin.error-header');
        return undefined;
      }
      if (!rows.length || rows.length > maxRows) {
        errors.csv = tr('local-admin.error-rows', { max: maxRows });
        return undefined;
      }
      const bad = rows.find(
        (r) => r.problem || r.fields.length !== names.length || !/^[1-9]\d{0,11}$/.test(r.fields[0]!.trim()),
      );
      if (bad) {
        errors.csv = tr('local-admin.error-line', { line: bad.line });
        return undefined;
      }
      const uprns = rows.map((r) => r.fields[0]!.trim());
      const found = new Map((await addressesByUprn(db, request.tenant.id, uprns)).map((a) => [a.uprn, a]));
      const missing = rows.find((r) => !found.has(r.fields[0]!.trim()));
      if (missing) {
        errors.csv = tr('local-admin.error-uprn', { line: missing.line, uprn: missing.fields[0]!.trim() });
        return undefined;
      }
      const planned = rows.map((r) => {
        const address = found.get(r.fields[0]!.trim())!;
        const facts = { ...address.facts };
        names.slice(1).forEach((name, i) => {
          const value = r.fields[i + 1]!.trim().slice(0, 200);
          if (value) facts[name] = value;
          else delete facts[name];
        });
        return { uprn: address.uprn, facts, before: address.facts };
      });
      const rowsChanged = planned.filter((p) => JSON.stringify(p.facts) !== JSON.stringify(p.before));
      return {
        rows: rowsChanged,
        sample: rowsChanged.slice(0, sampleSize).map((p) => found.get(p.uprn)!),
      };
    };

    scope.get('/local-info', { config }, async (request, reply) => home(request, reply));

    scope.post('/local-info/facts', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const csv = one(body, 'csv', 2_000_000);
      const errors: Errors = {};
      const plan = await planFacts(request, csv, errors);
      if (!plan) return home(request, reply, body, errors);
      if (one(body, 'confirm') !== 'yes')
        return render(request, reply, 'confirm', {
          action: '/staff/local-info/facts',
          fields: { csv },
          count: plan.rows.length,
          sample: plan.sample,
          what: t(request)('local-admin.facts-what'),
        });
      await db.transaction(async (tx) => {
        await replaceFacts(tx, request.tenant.id, plan.rows);
        for (const row of plan.rows)
          await recordAudit(tx, {
            tenantId: request.tenant.id,
            actor: { type: 'staff', id: request.staffUser!.id },
            action: 'property.changed',
            subject: { type: 'property', id: row.uprn },
            ip: request.ip,
            details: {
              changes: [...new Set([...Object.keys(row.before), ...Object.keys(row.facts)])]
                .filter((k) => row.before[k] !== row.facts[k])
                .map((k) => ({ path: `facts.${k}`, before: row.before[k], after: row.facts[k] })),
            },
          });
      });
      pageCache.invalidate(request.tenant.id);
      return reply.redirect(`/staff/local-info?applied=${plan.rows.length}`, 303);
    });

    // A collection change: the day's collections on a date move to another date.
    scope.post('/local-info/changes', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const originalDate = dateFrom(
        one(body, 'original-year'),
        one(body, 'original-month'),
        one(body, 'original-day'),
      );
      if (!originalDate) errors['original-day'] = tr('local-admin.error-original');
      const newDate = dateFrom(one(body, 'moved-year'), one(body, 'moved-month'), one(body, 'moved-day'));
      if (!newDate) errors['moved-day'] = tr('local-admin.error-moved');
      else if (newDate === originalDate) errors['moved-day'] = tr('local-admin.error-same');
      const reason = localText(one(body, 'reasonEn', 200), one(body, 'reasonCy', 200));
      if (!reason) errors.reasonEn = tr('local-admin.error-reason');
      if (Object.keys(errors).length) return home(request, reply, body, errors);
      // The rounds that collect anything on the original date are the ones the change moves.
      const rounds = (await listRounds(db, request.tenant.id)).filter((r) =>
        r.services.some((s) => scheduledDates(s, originalDate!, addDays(originalDate!, 0)).length > 0),
      );
      const touched = await addressesOnRounds(
        db,
        request.tenant.id,
        rounds.map((r) => r.code),
        sampleSize,
      );
      const change: CollectionChange = { originalDate: originalDate!, newDate: newDate!, reason: reason! };
      if (one(body, 'confirm') !== 'yes')
        return render(request, reply, 'confirm', {
          action: '/staff/local-info/changes',
          fields: Object.fromEntries(
            [
              'original-day',
              'original-month',
              'original-year',
              'moved-day',
              'moved-month',
              'moved-year',
              'reasonEn',
              'reasonCy',
            ].map((k) => [k, one(body, k, 200)]),
          ),
          count: touched.count,
          sample: touched.sample,
          rounds: rounds.map((r) => r.code),
          what: tr('local-admin.change-what', { from: originalDate!, to: newDate! }),
        });
      await db.transaction(async (tx) => {
        const before = await findChange(tx, request.tenant.id, change.originalDate);
        await upsertChanges(tx, request.tenant.id, [change]);
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: { type: 'staff', id: request.staffUser!.id },
          action: 'property.changed',
          subject: { type: 'property', id: `collections ${change.originalDate}` },
          ip: request.ip,
          details: {
            what: `${touched.count} addresses on ${rounds.map((r) => r.code).join(', ') || 'no round'}`,
            changes: [
              { path: `collectionChanges[${change.originalDate}]`, before: before ?? null, after: change },
            ],
          },
        });
      });
      pageCache.invalidate(request.tenant.id);
      return reply.redirect(`/staff/local-info?applied=${touched.count}`, 303);
    });
  };
}
