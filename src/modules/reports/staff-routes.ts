import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { parseReference } from '../../platform/references/reference.ts';
import { validateDefinition } from '../forms/engine/index.ts';
import { loadDefinition } from '../forms/service.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../integrations/api-keys.ts';
import { schedulePull } from './open311/client.ts';
import { createReportDeps } from './routes.ts';
import { addReportUpdate } from './service.ts';
import {
  findCategory,
  findReport,
  findReportByCase,
  listCategories,
  listPhotos,
  listRecentReports,
  listUpdates,
  moveFollowers,
  setDuplicateOf,
  setPhotoHidden,
  setReportHidden,
  setReportTitle,
  upsertCategory,
} from './store.ts';

const views = 'modules/reports/views/staff';
const statuses = ['received', 'in-progress', 'action-needed', 'completed', 'closed'];

/**
 * Staff pages for reports, added inside the staff scope (its one hook checks the permission
 * each route names): moderation is case work (`cases.work`); categories, their back
 * offices and API keys are configuration (`services.configure`). Every change is audited.
 */
export function reportsStaffPages(services: Services) {
  const { db, i18n } = services;
  const deps = createReportDeps(services);
  return (scope: FastifyInstance) => {
    const field = (request: FastifyRequest, name: string, max = 500) => {
      const v = (request.body as Record<string, unknown> | undefined)?.[name];
      return (typeof v === 'string' ? v : '').trim().slice(0, max);
    };
    const actor = (request: FastifyRequest) => ({ type: 'staff' as const, id: request.staffUser?.id });
    const audit = (
      request: FastifyRequest,
      action: string,
      caseId: string,
      details: Record<string, unknown> = {},
    ) =>
      recordAudit(db, {
        tenantId: request.tenant.id,
        actor: actor(request),
        action,
        subject: { type: 'report', id: caseId },
        ip: request.ip,
        details,
      });

    scope.get('/reports', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const q = request.query as { status?: string; page?: string };
      const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
      const status = q.status && statuses.includes(q.status) ? q.status : undefined;
      const rows = await listRecentReports(db, request.tenant.id, {
        status,
        limit: 51,
        offset: (page - 1) * 50,
      });
      return reply.render(`${views}/list.njk`, {
        user: request.staffUser,
        reports: rows.slice(0, 50),
        status: status ?? '',
        next:
          rows.length > 50
            ? `/staff/reports?page=${page + 1}${status ? `&status=${status}` : ''}`
            : undefined,
      });
    });

    const load = async (request: FastifyRequest) => {
      const { reference } = request.params as { reference: string };
      const parsed = parseReference(reference);
      const report = parsed ? await findReport(db, request.tenant.id, parsed.formatted) : undefined;
      if (!report) throw notFound();
      return report;
    };

    const show = async (
      request: FastifyRequest,
      reply: FastifyReply,
      extra: Record<string, unknown> = {},
    ) => {
      const report = await load(request);
      const [photos, updates, category] = await Promise.all([
        listPhotos(db, request.tenant.id, report.caseId),
        listUpdates(db, request.tenant.id, report.caseId),
        findCategory(db, request.tenant.id, report.category),
      ]);
      // The reporter's details are personal data: every staff view of them is recorded.
      await audit(request, 'view', report.caseId);
      const duplicate = report.duplicateOf
        ? await findReportByCase(db, request.tenant.id, report.duplicateOf)
        : undefined;
      return reply.code(extra.errorSummary ? 400 : 200).render(`${views}/report.njk`, {
        user: request.staffUser,
        report,
        photos,
        updates,
        duplicateOf: duplicate?.reference,
        categoryName: category ? localise(category.name, request.lang).text : report.category,
        statuses: statuses.map((s) => ({
          value: s,
          text: i18n.t(request.lang)(`reports.status.${s}`),
          selected: s === report.status,
        })),
        ...extra,
      });
    };

    scope.get('/reports/:reference', { config: { staff: 'cases.work' } }, show);

    const fail = (request: FastifyRequest, reply: FastifyReply, field: string, key: string) => {
      const text = i18n.t(request.lang)(key);
      return show(request, reply, {
        errors: { [field]: { text } },
        errorSummary: [{ text, href: `#${field}` }],
      });
    };

    scope.post('/reports/:reference/title', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const report = await load(request);
      const title = field(request, 'title', 200);
      if (!title) return fail(request, reply, 'title', 'reports.staff.error-title');
      await setReportTitle(db, request.tenant.id, report.caseId, title);
      await audit(request, 'update', report.caseId, { field: 'title' });
      return reply.redirect(`/staff/reports/${report.reference}`, 303);
    });

    scope.post('/reports/:reference/hide', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const report = await load(request);
      const reason = field(request, 'reason');
      const unhide = field(request, 'unhide') === 'yes';
      if (!unhide && !reason) return fail(request, reply, 'reason', 'reports.staff.error-reason');
      await setReportHidden(db, request.tenant.id, report.caseId, unhide ? null : reason);
      await audit(request, unhide ? 'unhide' : 'hide', report.caseId, { reason });
      return reply.redirect(`/staff/reports/${report.reference}`, 303);
    });

    scope.post(
      '/reports/:reference/photos/:photo/hide',
      { config: { staff: 'cases.work' } },
      async (request, reply) => {
        const report = await load(request);
        const { photo } = request.params as { photo: string };
        const reason = field(request, 'reason');
        if (!reason) return fail(request, reply, `photo-${photo}`, 'reports.staff.error-reason');
        if (!(await setPhotoHidden(db, request.tenant.id, report.caseId, photo, reason))) throw notFound();
        await audit(request, 'hide-photo', report.caseId, { photo, reason });
        return reply.redirect(`/staff/reports/${report.reference}`, 303);
      },
    );

    scope.post(
      '/reports/:reference/duplicate',
      { config: { staff: 'cases.work' } },
      async (request, reply) => {
        const report = await load(request);
        const parsed = parseReference(field(request, 'original', 40));
        const original = parsed ? await findReport(db, request.tenant.id, parsed.formatted) : undefined;
        if (!original || original.caseId === report.caseId)
          return fail(request, reply, 'original', 'reports.staff.error-original');
        await db.transaction(async (tx) => {
          await setDuplicateOf(tx, request.tenant.id, report.caseId, original.caseId);
          // Everyone following the duplicate now follows the original.
          await moveFollowers(tx, request.tenant.id, report.caseId, original.caseId);
          await addReportUpdate(deps, tx, request.tenant, report, {
            source: 'staff',
            status: 'closed',
            description: i18n.t('en')('reports.staff.duplicate-note', { reference: original.reference }),
          });
        });
        await audit(request, 'duplicate', report.caseId, { of: original.reference });
        return reply.redirect(`/staff/reports/${report.reference}`, 303);
      },
    );

    scope.post('/reports/:reference/update', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const report = await load(request);
      const status = field(request, 'status', 40);
      const description = field(request, 'description', 5000);
      if (!statuses.includes(status)) return fail(request, reply, 'status', 'reports.staff.error-status');
      if (!description && status === report.status)
        return fail(request, reply, 'description', 'reports.staff.error-update');
      await db.transaction((tx) =>
        addReportUpdate(deps, tx, request.tenant, report, { source: 'staff', status, description }),
      );
      await audit(request, 'public-update', report.caseId, { status });
      return reply.redirect(`/staff/reports/${report.reference}`, 303);
    });

    // --- Categories, their extra questions and back offices ---
    scope.get('/report-categories', { config: { staff: 'services.configure' } }, async (request, reply) =>
      reply.render(`${views}/categories.njk`, {
        user: request.staffUser,
        categories: await listCategories(db, request.tenant.id, false),
      }),
    );

    const category = async (request: FastifyRequest) => {
      const { code } = request.params as { code: string };
      const c = await findCategory(db, request.tenant.id, code);
      if (!c) throw notFound();
      return c;
    };

    const showCategory = async (
      request: FastifyRequest,
      reply: FastifyReply,
      extra: Record<string, unknown> = {},
    ) => {
      const c = await category(request);
      const form = c.formSlug ? await loadDefinition(db, request.tenant.id, c.formSlug) : undefined;
      return reply.code(extra.errorSummary ? 400 : 200).render(`${views}/category.njk`, {
        user: request.staffUser,
        category: c,
        formJson: form ? JSON.stringify(form.definition, null, 2) : '',
        values: {
          nameEn: c.name.en,
          nameCy: c.name.cy ?? '',
          dueDays: String(c.dueDays),
          active: c.active,
          url: c.backoffice?.url ?? '',
          jurisdiction: c.backoffice?.jurisdiction ?? '',
          serviceCode: c.backoffice?.serviceCode ?? '',
          hasKey: !!c.backoffice?.key,
        },
        ...extra,
      });
    };
    scope.get('/report-categories/:code', { config: { staff: 'services.configure' } }, showCategory);

    scope.post(
      '/report-categories/:code',
      { config: { staff: 'services.configure' } },
      async (request, reply) => {
        const c = await category(request);
        const t = i18n.t(request.lang);
        const errors: { text: string; href: string }[] = [];
        const nameEn = field(request, 'nameEn', 100);
        const dueDays = Number(field(request, 'dueDays', 4));
        const url = field(request, 'url', 500);
        const formJson = field(request, 'formJson', 100_000);
        if (!nameEn) errors.push({ text: t('reports.staff.error-name'), href: '#nameEn' });
        if (!Number.isInteger(dueDays) || dueDays < 1 || dueDays > 365)
          errors.push({ text: t('reports.staff.error-due'), href: '#dueDays' });
        if (url && !/^https?:\/\/[^\s]+$/.test(url))
          errors.push({ text: t('reports.staff.error-url'), href: '#url' });
        let definition: unknown;
        if (formJson) {
          try {
            const checked = validateDefinition(JSON.parse(formJson));
            if (checked.ok && checked.definition.slug === `report-${c.code}`) definition = checked.definition;
            else
              errors.push({
                text: `${t('reports.staff.error-form')} ${checked.ok ? `slug report-${c.code}` : checked.errors.slice(0, 3).join('; ')}`,
                href: '#formJson',
              });
          } catch {
            errors.push({ text: t('reports.staff.error-form'), href: '#formJson' });
          }
        }
        if (errors.length) {
          return showCategory(request, reply, {
            errors: Object.fromEntries(errors.map((e) => [e.href.slice(1), { text: e.text }])),
            errorSummary: errors,
          });
        }
        const key = field(request, 'key', 200);
        await db.transaction(async (tx) => {
          let formSlug = c.formSlug;
          if (definition) {
            // A new version: reports made on the old one keep it.
            formSlug = `report-${c.code}`;
            await tx.query(
              `insert into form_definitions (tenant_id, slug, version, definition, status, published_at)
             select $1, $2, coalesce(max(version), 0) + 1, $3, 'published', now()
               from form_definitions where tenant_id = $1 and slug = $2`,
              [request.tenant.id, formSlug, JSON.stringify(definition)],
            );
          }
          await upsertCategory(tx, request.tenant.id, {
            ...c,
            name: { en: nameEn, cy: field(request, 'nameCy', 100) },
            dueDays,
            active: field(request, 'active') === 'yes',
            formSlug,
            backoffice: url
              ? {
                  url,
                  jurisdiction: field(request, 'jurisdiction', 100) || null,
                  key: key || c.backoffice?.key || '',
                  serviceCode: field(request, 'serviceCode', 100) || c.code,
                }
              : null,
          });
          if (url) await schedulePull(tx, request.tenant.id, services.now(), 0);
        });
        await recordAudit(db, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'update',
          subject: { type: 'report-category', id: c.code },
          ip: request.ip,
        });
        return reply.redirect(`/staff/report-categories/${c.code}`, 303);
      },
    );

    // --- API keys: shown once, kept as a hash ---
    scope.get('/api-keys', { config: { staff: 'services.configure' } }, async (request, reply) =>
      reply.render(`${views}/api-keys.njk`, {
        user: request.staffUser,
        keys: await listApiKeys(db, request.tenant.id),
      }),
    );
    scope.post('/api-keys', { config: { staff: 'services.configure' } }, async (request, reply) => {
      const name = field(request, 'name', 100);
      if (!name) {
        const text = i18n.t(request.lang)('reports.staff.error-key-name');
        return reply.code(400).render(`${views}/api-keys.njk`, {
          user: request.staffUser,
          keys: await listApiKeys(db, request.tenant.id),
          errors: { name: { text } },
          errorSummary: [{ text, href: '#name' }],
        });
      }
      const created = await createApiKey(db, request.tenant.id, {
        name,
        createdBy: request.staffUser?.id ?? null,
      });
      await recordAudit(db, {
        tenantId: request.tenant.id,
        actor: actor(request),
        action: 'create',
        subject: { type: 'api-key', id: created.id },
        ip: request.ip,
      });
      return reply.render(`${views}/api-keys.njk`, {
        user: request.staffUser,
        keys: await listApiKeys(db, request.tenant.id),
        newKey: created.key,
      });
    });
    scope.post(
      '/api-keys/:id/revoke',
      { config: { staff: 'services.configure' } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        if (!(await revokeApiKey(db, request.tenant.id, id))) throw notFound();
        await recordAudit(db, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'revoke',
          subject: { type: 'api-key', id },
          ip: request.ip,
        });
        return reply.redirect('/staff/api-keys', 303);
      },
    );
  };
}
