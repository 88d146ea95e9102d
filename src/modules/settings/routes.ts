/**
 * Council settings at /staff/settings, for administrators ('council.settings'): the
 * council's name, logo, colours (refused, with the ratio, when they do not contrast enough),
 * contact details, footer links, statements, the retention schedule, team inboxes and queues.
 * Every save is audited with what changed, before and after.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import type { Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { readableTextOn } from '../../platform/tenancy/colour.ts';
import type { FooterLink } from '../../platform/tenancy/tenant.ts';
import { type FieldErrors, renderForm } from '../../platform/views/error-summary.ts';
import { differences, localText, slugify } from '../builder/edit.ts';
import { bodyOf } from '../builder/routes.ts';
import { checkContrast, minimumContrast } from './service.ts';
import {
  deleteTeam,
  findProfile,
  findTexts,
  listSchedule,
  listTeams,
  openCasesInQueue,
  saveProfile,
  saveTexts,
  upsertScheduleEntry,
  upsertTeam,
} from './store.ts';

const view = (name: string) => `modules/settings/views/${name}.njk`;
const config = { staff: 'council.settings' as const };
type Body = Record<string, string | string[]>;
type Errors = FieldErrors;
const one = (body: Body, name: string, max = 20000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};

/** An SVG that cannot run anything when shown as the council's logo. */
function safeSvg(svg: string): boolean {
  return (
    /^<svg[\s>]/i.test(svg.replace(/^<\?xml[^>]*>\s*/i, '')) &&
    !/<script|<foreignObject|\son[a-z]+\s*=|javascript:|<iframe|<embed|<object/i.test(svg)
  );
}

export function settingsRoutes(services: Services) {
  const { db, i18n, tenants, pageCache } = services;

  return (scope: FastifyInstance) => {
    const t = (request: FastifyRequest) => i18n.t(request.lang);
    const render = (
      request: FastifyRequest,
      reply: FastifyReply,
      name: string,
      context: Record<string, unknown>,
      errors: FieldErrors = {},
    ) => renderForm(reply, view(name), { user: request.staffUser, ...context }, errors);
    const audit = (
      request: FastifyRequest,
      q: Queryable,
      type: string,
      id: string | undefined,
      action: string,
      changes: unknown,
    ) =>
      recordAudit(q, {
        tenantId: request.tenant.id,
        actor: { type: 'staff', id: request.staffUser!.id },
        action,
        subject: id ? { type, id } : { type },
        ip: request.ip,
        details: { changes },
      });

    // The profile and statements: one page, one save.
    const profilePage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values?: Body,
      errors: Errors = {},
    ) => {
      const [profile, texts] = await Promise.all([
        findProfile(db, request.tenant.id),
        findTexts(db, request.tenant.id),
      ]);
      return render(
        request,
        reply,
        'settings',
        {
          values: values ?? {
            nameEn: profile.name.en,
            nameCy: profile.name.cy ?? '',
            colour: profile.brand.colour,
            logoSvg: profile.brand.logoSvg,
            phone: profile.contact.phone,
            email: profile.contact.email,
            addressEn: profile.contact.address.en,
            addressCy: profile.contact.address.cy ?? '',
            hoursEn: profile.contact.openingHours.en,
            hoursCy: profile.contact.openingHours.cy ?? '',
            footerLinks: profile.footerLinks
              .map((l) => `${l.text.en} | ${l.text.cy ?? ''} | ${l.href}`.replace(' |  | ', ' | | '))
              .join('\n'),
            accessibilityEn: texts.accessibilityStatement.en,
            accessibilityCy: texts.accessibilityStatement.cy ?? '',
            privacyEn: texts.privacyNotice.en,
            privacyCy: texts.privacyNotice.cy ?? '',
          },
          minimumContrast,
          saved: (request.query as { saved?: string }).saved === '1',
        },
        errors,
      );
    };
    scope.get('/settings', { config }, async (request, reply) => profilePage(request, reply));
    scope.post('/settings', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const name = localText(one(body, 'nameEn', 120), one(body, 'nameCy', 120));
      if (!name) errors.nameEn = tr('settings.error-name');
      const colour = one(body, 'colour', 7).toLowerCase();
      let onColour = '#ffffff';
      if (!/^#[0-9a-f]{6}$/.test(colour)) errors.colour = tr('settings.error-colour-format');
      else {
        onColour = readableTextOn(colour);
        const contrast = checkContrast(colour, onColour);
        if (!contrast.onColour.ok)
          errors.colour = tr('settings.error-contrast-text', {
            colour,
            ratio: contrast.onColour.ratio,
            minimum: minimumContrast,
          });
        else if (!contrast.onWhite.ok)
          errors.colour = tr('settings.error-contrast-white', {
            colour,
            ratio: contrast.onWhite.ratio,
            minimum: minimumContrast,
          });
      }
      const logoSvg = one(body, 'logoSvg', 100_000);
      if (!safeSvg(logoSvg)) errors.logoSvg = tr('settings.error-logo');
      const phone = one(body, 'phone', 40);
      if (!phone) errors.phone = tr('settings.error-phone');
      const email = one(body, 'email', 254);
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errors.email = tr('settings.error-email');
      const address = localText(one(body, 'addressEn', 500), one(body, 'addressCy', 500));
      if (!address) errors.addressEn = tr('settings.error-address');
      const hours = localText(one(body, 'hoursEn', 500), one(body, 'hoursCy', 500));
      if (!hours) errors.hoursEn = tr('settings.error-hours');
      const footerLinks: FooterLink[] = [];
      for (const line of one(body, 'footerLinks', 5000)
        .split(/\r?\n/)
        .filter((l) => l.trim())) {
        const [en = '', cy = '', href = ''] = line.split('|').map((s) => s.trim());
        if (!en || !/^(\/[^\s]*|https:\/\/[^\s]+)$/.test(href)) {
          errors.footerLinks = tr('settings.error-footer');
          break;
        }
        footerLinks.push({ href, text: localText(en, cy)! });
      }
      if (Object.keys(errors).length) return profilePage(request, reply, body, errors);
      await db.transaction(async (tx) => {
        const before = await findProfile(tx, request.tenant.id, true);
        const after = {
          name: name!,
          brand: { ...before.brand, colour, onColour, logoSvg },
          contact: { phone, email, address: address!, openingHours: hours! },
          footerLinks,
        };
        const changes = differences(before, after);
        if (changes.length) {
          await saveProfile(tx, request.tenant.id, after);
          await audit(request, tx, 'council', request.tenant.slug, 'council.changed', changes);
        }
        const textsBefore = await findTexts(tx, request.tenant.id);
        const textsAfter = {
          accessibilityStatement: localText(one(body, 'accessibilityEn'), one(body, 'accessibilityCy')) ?? {
            en: '',
          },
          privacyNotice: localText(one(body, 'privacyEn'), one(body, 'privacyCy')) ?? { en: '' },
        };
        const textChanges = differences(textsBefore, textsAfter);
        if (textChanges.length) {
          await saveTexts(tx, request.tenant.id, textsAfter);
          await audit(request, tx, 'council', request.tenant.slug, 'council.changed', textChanges);
        }
      });
      // This process sees the new name and colours at once; others on reload of the registry.
      await tenants.refresh();
      pageCache.invalidate(request.tenant.id);
      return reply.redirect('/staff/settings?saved=1', 303);
    });

    // The retention schedule: purposes and how long their data is kept. Entries are retired,
    // never deleted, since published form versions quote them.
    const schedulePage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Body = {},
      errors: Errors = {},
    ) => {
      const entries = await listSchedule(db, request.tenant.id);
      return render(
        request,
        reply,
        'retention',
        {
          entries: entries.map((e) => ({ ...e, purposeText: localise(e.purpose, request.lang).text })),
          values: { unit: 'Y', starts: 'case-closed', ...values },
        },
        errors,
      );
    };
    scope.get('/settings/retention', { config }, async (request, reply) => schedulePage(request, reply));
    scope.post('/settings/retention', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const purpose = localText(one(body, 'purposeEn', 300), one(body, 'purposeCy', 300));
      if (!purpose) errors.purposeEn = tr('settings.retention.error-purpose');
      const amount = Number(one(body, 'amount'));
      const unit = one(body, 'unit');
      if (!Number.isInteger(amount) || amount < 1 || amount > 100)
        errors.amount = tr('settings.retention.error-amount');
      if (!['Y', 'M', 'W', 'D'].includes(unit)) errors.amount = tr('settings.retention.error-amount');
      const starts = one(body, 'starts') === 'submitted' ? 'submitted' : 'case-closed';
      if (Object.keys(errors).length) return schedulePage(request, reply, body, errors);
      const slug = slugify(purpose!.en).slice(0, 50) || 'purpose';
      await db.transaction(async (tx) => {
        const before = (await listSchedule(tx, request.tenant.id)).find((e) => e.slug === slug);
        const entry = {
          slug,
          purpose: purpose!,
          period: `P${amount}${unit}`,
          starts,
          retired: false,
        } as const;
        await upsertScheduleEntry(tx, request.tenant.id, entry);
        await audit(
          request,
          tx,
          'retention-schedule',
          slug,
          'retention-schedule.changed',
          differences(before, entry),
        );
      });
      return reply.redirect('/staff/settings/retention', 303);
    });
    scope.post('/settings/retention/:slug/retire', { config }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      await db.transaction(async (tx) => {
        const before = (await listSchedule(tx, request.tenant.id)).find((e) => e.slug === slug);
        if (!before) throw notFound();
        const after = { ...before, retired: !before.retired };
        await upsertScheduleEntry(tx, request.tenant.id, after);
        await audit(
          request,
          tx,
          'retention-schedule',
          slug,
          'retention-schedule.changed',
          differences(before, after),
        );
      });
      return reply.redirect('/staff/settings/retention', 303);
    });

    // Team inboxes and queues.
    const teamsPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Body = {},
      errors: Errors = {},
    ) => {
      const teams = await listTeams(db, request.tenant.id);
      return render(
        request,
        reply,
        'teams',
        { teams: teams.map((x) => ({ ...x, nameText: localise(x.name, request.lang).text })), values },
        errors,
      );
    };
    scope.get('/settings/teams', { config }, async (request, reply) => teamsPage(request, reply));
    scope.post('/settings/teams', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const name = localText(one(body, 'nameEn', 120), one(body, 'nameCy', 120));
      if (!name) errors.nameEn = tr('settings.teams.error-name');
      const email = one(body, 'email', 254);
      if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errors.email = tr('settings.error-email');
      if (Object.keys(errors).length) return teamsPage(request, reply, body, errors);
      const team = {
        slug: slugify(name!.en) || 'team',
        name: name!,
        email,
        queue: one(body, 'queue') === 'yes',
      };
      await db.transaction(async (tx) => {
        const before = (await listTeams(tx, request.tenant.id)).find((x) => x.slug === team.slug);
        await upsertTeam(tx, request.tenant.id, team);
        await audit(request, tx, 'team', team.slug, 'team.changed', differences(before, team));
      });
      return reply.redirect('/staff/settings/teams', 303);
    });
    scope.post('/settings/teams/:slug/delete', { config }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      // A queue that still holds open cases is needed: refuse, saying how many.
      const open = await openCasesInQueue(db, request.tenant.id, slug);
      if (open > 0)
        return teamsPage(
          request,
          reply,
          {},
          { [`team-${slug}`]: t(request)('settings.teams.error-in-use', { count: open }) },
        );
      await db.transaction(async (tx) => {
        const before = (await listTeams(tx, request.tenant.id)).find((x) => x.slug === slug);
        if (!before) throw notFound();
        await deleteTeam(tx, request.tenant.id, slug);
        await audit(request, tx, 'team', slug, 'team.removed', differences(before, undefined));
      });
      return reply.redirect('/staff/settings/teams', 303);
    });
  };
}
