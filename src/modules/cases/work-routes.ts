import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { publicOrigin } from '../../config.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { describeSubmission } from '../forms/service.ts';
import { listTeams } from '../settings/store.ts';
import { caseHistory } from './service.ts';
import {
  addDocument,
  addNote,
  assignCase,
  type CaseFilter,
  changeStatus,
  documentFile,
  documentKinds,
  filterOptions,
  findWorkCase,
  listDocuments,
  listNotes,
  listWork,
  type WorkCase,
  workCounts,
} from './work.ts';
import {
  type CaseStatus,
  checkWorkflow,
  defaultStatuses,
  openCasesByStatus,
  type StatusBook,
  saveWorkflow,
  statusBook,
  type WorkflowProblem,
} from './workflow.ts';

interface WorkflowRow {
  status: string;
  labelEn: string;
  labelCy: string;
  public: boolean;
  closes: boolean;
}

const view = (name: string) => `modules/cases/views/${name}.njk`;

/** Case officers' pages: queues, a case, its status, notes, documents. */
export function casesStaffPages(services: Services) {
  const { db, i18n, now, mailer, files, config } = services;
  return (scope: FastifyInstance) => {
    /** Fields of a urlencoded or multipart body, as strings. */
    const body = (request: FastifyRequest) => {
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(raw)) {
        const one = (x: unknown) =>
          typeof x === 'object' && x !== null && 'value' in x
            ? String((x as { value: unknown }).value)
            : String(x);
        if (Array.isArray(v)) out[k] = v.map(one);
        else if (!(typeof v === 'object' && v !== null && 'file' in v)) out[k] = one(v);
      }
      return out;
    };
    const field = (request: FastifyRequest, name: string, max = 200) => {
      const v = body(request)[name];
      return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
    };
    const staffList = async (tenantId: string) =>
      db.query<{ id: string; name: string }>(
        `select id, name from staff_users where tenant_id = $1 and active and role in
           ('administrator', 'service-manager', 'case-officer') order by name`,
        [tenantId],
      );

    const readFilter = (request: FastifyRequest): CaseFilter => {
      const q = request.query as Record<string, string | undefined>;
      const pick = (v: string | undefined, max = 100) => (v ? v.slice(0, max) : undefined);
      return {
        ...(q.status && /^[a-z0-9][a-z0-9-]{0,29}$/.test(q.status) ? { status: q.status } : {}),
        ...(q.due && ['overdue', 'today', 'week'].includes(q.due) ? { due: q.due } : {}),
        ...(pick(q.assignee) ? { assignee: pick(q.assignee)! } : {}),
        ...(pick(q.queue) ? { queue: pick(q.queue)! } : {}),
        ...(pick(q.category) ? { category: pick(q.category)! } : {}),
        ...(pick(q.area) ? { area: pick(q.area)! } : {}),
        ...(q.sort === 'created' || q.sort === 'updated' ? { sort: q.sort } : { sort: 'due' as const }),
      };
    };

    /** Every status any of the council's services uses, once, in its first service's words. */
    const statusChoices = (book: StatusBook, queues: string[], request: FastifyRequest) => {
      const t = i18n.t(request.lang);
      const choices = new Map<string, string>();
      for (const queue of [...queues, ...book.byQueue.keys(), '']) {
        for (const s of book.of(queue))
          if (!choices.has(s.status))
            choices.set(s.status, book.label(queue, s.status, request.lang, t).text);
      }
      return [...choices].map(([value, text]) => ({ value, text }));
    };

    // My work and my queues first: counts, then the list with filters and bulk actions.
    const listPage = async (request: FastifyRequest, reply: FastifyReply, error?: string) => {
      const tenantId = request.tenant.id;
      const me = request.staffUser!.id;
      const filter = readFilter(request);
      const [cases, counts, options, staff, book] = await Promise.all([
        listWork(db, tenantId, me, now(), filter),
        workCounts(db, tenantId, me, now()),
        filterOptions(db, tenantId),
        staffList(tenantId),
        statusBook(db, tenantId),
      ]);
      const t = i18n.t(request.lang);
      return reply.code(error ? 400 : 200).render(view('work'), {
        user: request.staffUser,
        cases: cases.map((c) => ({ ...c, statusText: book.label(c.queue, c.status, request.lang, t).text })),
        counts,
        options,
        staff,
        filter,
        statuses: statusChoices(book, options.queues, request),
        error: error ? { text: t(error) } : undefined,
        errorSummary: error ? [{ text: t(error), href: '#cases' }] : [],
      });
    };

    scope.get('/cases', { config: { staff: 'cases.work' } }, (request, reply) => listPage(request, reply));

    // Each service's statuses: managers choose which the resident sees and in what words.
    const workflowQueues = async (tenantId: string, book: StatusBook) => {
      const [teams, options] = await Promise.all([listTeams(db, tenantId), filterOptions(db, tenantId)]);
      return [
        ...new Set([
          ...teams.filter((team) => team.queue).map((team) => team.slug),
          ...options.queues,
          ...book.byQueue.keys(),
        ]),
      ].sort();
    };

    scope.get('/cases/workflows', { config: { staff: 'services.configure' } }, async (request, reply) => {
      const tenantId = request.tenant.id;
      const book = await statusBook(db, tenantId);
      const queues = await workflowQueues(tenantId, book);
      return reply.render(view('workflows'), {
        user: request.staffUser,
        queues: queues.map((queue) => ({
          queue,
          own: book.byQueue.has(queue),
          count: book.of(queue).length,
        })),
      });
    });

    const queueParam = (request: FastifyRequest) => {
      const { queue } = request.params as { queue: string };
      if (!/^[a-z0-9][a-z0-9-]{0,59}$/.test(queue)) throw notFound();
      return queue;
    };

    const workflowPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      queue: string,
      rows?: WorkflowRow[],
      problems: WorkflowProblem[] = [],
    ) => {
      const tenantId = request.tenant.id;
      const [book, open] = await Promise.all([
        statusBook(db, tenantId),
        openCasesByStatus(db, tenantId, queue),
      ]);
      const t = i18n.t(request.lang);
      const shown: WorkflowRow[] =
        rows ??
        book.of(queue).map((s) => ({
          status: s.status,
          labelEn: s.label?.en ?? '',
          labelCy: s.label?.cy ?? '',
          public: s.public,
          closes: s.closes,
        }));
      // Room to add two more without JavaScript.
      const blanks = rows ? 0 : 2;
      const all = [
        ...shown,
        ...Array.from({ length: blanks }, () => ({
          status: '',
          labelEn: '',
          labelCy: '',
          public: true,
          closes: false,
        })),
      ];
      const errorOf = (row: number, field: string) =>
        problems.find((p) => p.row === row && p.field === field);
      return reply.code(problems.length ? 400 : 200).render(view('workflow'), {
        user: request.staffUser,
        queue,
        saved: (request.query as { saved?: string }).saved === '1' && !problems.length,
        own: book.byQueue.has(queue),
        rows: all.map((r, i) => ({
          ...r,
          index: i,
          catalogueLabel: r.status ? book.label('', r.status, request.lang, t).text : '',
          open: open.get(r.status) ?? 0,
          errors: {
            status: errorOf(i, 'status') ? { text: t(errorOf(i, 'status')!.message) } : undefined,
            labelEn: errorOf(i, 'labelEn') ? { text: t(errorOf(i, 'labelEn')!.message) } : undefined,
          },
        })),
        errorSummary: problems.map((p) => ({
          text:
            p.row >= 0
              ? t('casework.workflow.row-error', { row: p.row + 1, message: t(p.message) })
              : t(p.message, p.params),
          href: p.row >= 0 ? `#status-${p.row}-${p.field}` : '#workflow',
        })),
      });
    };

    scope.get('/cases/workflows/:queue', { config: { staff: 'services.configure' } }, (request, reply) =>
      workflowPage(request, reply, queueParam(request)),
    );

    scope.post(
      '/cases/workflows/:queue',
      { config: { staff: 'services.configure' } },
      async (request, reply) => {
        const queue = queueParam(request);
        const tenantId = request.tenant.id;
        const fields = body(request);
        const one = (name: string, max: number) => {
          const v = fields[name];
          return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
        };
        // Rows whose status is left empty are removed; order is the order on the page.
        const rows: WorkflowRow[] = [];
        for (let i = 0; i < 40; i++) {
          const status = one(`status-${i}`, 40).toLowerCase();
          if (!status) continue;
          rows.push({
            status,
            labelEn: one(`labelEn-${i}`, 80),
            labelCy: one(`labelCy-${i}`, 80),
            public: one(`public-${i}`, 3) === 'yes',
            closes: one(`closes-${i}`, 3) === 'yes',
          });
        }
        if (one('reset', 3) === 'yes') {
          rows.length = 0;
        }
        const statuses: CaseStatus[] = rows.map((r) => ({
          status: r.status,
          label: r.labelEn ? { en: r.labelEn, ...(r.labelCy ? { cy: r.labelCy } : {}) } : null,
          public: r.public,
          closes: r.closes,
        }));
        const problems = rows.length ? checkWorkflow(statuses) : [];
        // A status that open cases are in cannot go: they would be left in a status nobody can name.
        const open = await openCasesByStatus(db, tenantId, queue);
        const kept = new Set(rows.length ? rows.map((r) => r.status) : defaultStatuses.map((s) => s.status));
        for (const [status, n] of open)
          if (!kept.has(status) && n > 0)
            problems.push({
              row: -1,
              field: 'workflow',
              message: 'casework.workflow.error-in-use',
              params: { status, count: n },
            });
        if (problems.length) return workflowPage(request, reply, queue, rows, problems);
        const before = (await statusBook(db, tenantId)).byQueue.get(queue) ?? null;
        await db.transaction(async (tx) => {
          await saveWorkflow(tx, tenantId, queue, statuses);
          await recordAudit(tx, {
            tenantId,
            actor: { type: 'staff', id: request.staffUser!.id },
            action: 'case.workflow.change',
            subject: { type: 'queue', id: queue },
            ip: request.ip,
            details: { before, after: statuses.length ? statuses : null },
          });
        });
        return reply.redirect(`/staff/cases/workflows/${queue}?saved=1`, 303);
      },
    );

    scope.post('/cases/bulk', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const tenantId = request.tenant.id;
      const raw = body(request).cases;
      const references = (Array.isArray(raw) ? raw : raw ? [raw] : []).slice(0, 100);
      const action = field(request, 'action', 20);
      const status = field(request, 'status', 30);
      if (!references.length) return listPage(request, reply, 'casework.bulk.error-none');
      if (action !== 'claim' && action !== 'status')
        return listPage(request, reply, 'casework.bulk.error-action');
      const actor = { id: request.staffUser!.id, ip: request.ip };
      const book = await statusBook(db, tenantId);
      // All or nothing: a status one of the chosen cases' services lacks changes none of them.
      const refused = await db.transaction(async (tx) => {
        const chosen: WorkCase[] = [];
        for (const reference of references) {
          const c = await findWorkCase(tx, tenantId, reference, now());
          if (c) chosen.push(c);
        }
        if (action === 'status' && chosen.some((c) => !book.find(c.queue, status))) return true;
        for (const c of chosen) {
          if (action === 'claim') await assignCase(tx, tenantId, c, actor.id, actor, request.staffUser!.name);
          else await changeStatus(tx, tenantId, c, status, null, actor, async () => {});
        }
        return false;
      });
      if (refused) return listPage(request, reply, 'casework.bulk.error-status');
      return reply.redirect(
        `/staff/cases${request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : ''}`,
        303,
      );
    });

    const loadCase = async (request: FastifyRequest): Promise<WorkCase> => {
      const { reference } = request.params as { reference: string };
      const c = await findWorkCase(db, request.tenant.id, reference.slice(0, 20), now());
      if (!c) throw notFound();
      return c;
    };

    const casePage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      c: WorkCase,
      errors: Record<string, string | undefined> = {},
      values: Record<string, string> = {},
    ) => {
      const tenantId = request.tenant.id;
      await recordAudit(db, {
        tenantId,
        actor: { type: 'staff', id: request.staffUser!.id },
        action: 'case.view',
        subject: { type: 'case', id: c.id },
        reason: 'case',
        ip: request.ip,
      });
      const [history, notes, documents, staff, submission, entries, book] = await Promise.all([
        caseHistory(db, tenantId, c.id),
        listNotes(db, tenantId, c.id),
        listDocuments(db, tenantId, c.id),
        staffList(tenantId),
        db.query<{
          formSlug: string;
          formVersion: number;
          answers: Record<string, unknown>;
          channel: string;
        }>(
          `select c.form_slug as "formSlug", c.form_version as "formVersion", s.answers, s.channel
             from cases c join submissions s on s.tenant_id = c.tenant_id and s.case_id = c.id
            where c.tenant_id = $1 and c.id = $2`,
          [tenantId, c.id],
        ),
        db.query<{ kind: string; summary: string; occurredAt: Date; channel: string }>(
          `select kind, summary, occurred_at as "occurredAt", channel from interactions
            where tenant_id = $1 and case_id = $2 order by occurred_at desc, id desc limit 50`,
          [tenantId, c.id],
        ),
        statusBook(db, tenantId),
      ]);
      const sub = submission[0];
      const details =
        sub?.formSlug && sub.formVersion
          ? await describeSubmission(db, tenantId, sub.formSlug, sub.formVersion, sub.answers, request.lang)
          : undefined;
      const t = i18n.t(request.lang);
      const summary = Object.entries(errors)
        .filter(([, v]) => v)
        .map(([id, key]) => ({ text: t(key!), href: `#${id}` }));
      return reply.code(summary.length ? 400 : 200).render(view('case'), {
        user: request.staffUser,
        c: { ...c, statusText: book.label(c.queue, c.status, request.lang, t).text },
        history: history.map((u) => ({
          ...u,
          statusText: book.label(c.queue, u.status, request.lang, t).text,
        })),
        notes,
        documents,
        staff,
        details,
        channel: sub?.channel,
        entries,
        statuses: book.of(c.queue).map((s) => ({
          value: s.status,
          text: book.label(c.queue, s.status, request.lang, t).text,
          ...(s.public ? {} : { hint: { text: t('casework.status.internal') } }),
        })),
        kinds: documentKinds,
        values,
        errors: Object.fromEntries(
          Object.entries(errors).map(([k, v]) => [k, v ? { text: t(v) } : undefined]),
        ),
        errorSummary: summary,
      });
    };

    scope.get('/cases/:reference', { config: { staff: 'cases.work' } }, async (request, reply) =>
      casePage(request, reply, await loadCase(request)),
    );

    scope.post('/cases/:reference/assign', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const c = await loadCase(request);
      const staff = await staffList(request.tenant.id);
      const wanted = field(request, 'assignee', 40) || request.staffUser!.id;
      const who = wanted === 'nobody' ? null : staff.find((s) => s.id === wanted);
      if (who === undefined) return casePage(request, reply, c, { assignee: 'casework.assign.error' });
      await db.transaction((tx) =>
        assignCase(
          tx,
          request.tenant.id,
          c,
          who?.id ?? null,
          { id: request.staffUser!.id, ip: request.ip },
          who?.name ?? '',
        ),
      );
      return reply.redirect(`/staff/cases/${c.reference}`, 303);
    });

    scope.post('/cases/:reference/status', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const c = await loadCase(request);
      const values = {
        status: field(request, 'status', 30),
        noteEn: field(request, 'noteEn', 2000),
        noteCy: field(request, 'noteCy', 2000),
      };
      const book = await statusBook(db, request.tenant.id);
      const step = book.find(c.queue, values.status);
      const errors = {
        status: step ? undefined : 'casework.status.error',
        noteEn:
          values.noteCy && !values.noteEn
            ? 'casework.status.error-english'
            : values.noteEn && step && !step.public
              ? 'casework.status.error-internal'
              : undefined,
      };
      if (errors.status || errors.noteEn) return casePage(request, reply, c, errors, values);
      const note = values.noteEn
        ? { en: values.noteEn, ...(values.noteCy ? { cy: values.noteCy } : {}) }
        : null;
      const tenant = request.tenant;
      const origin = publicOrigin(config, tenant.slug);
      await db.transaction((tx) =>
        changeStatus(
          tx,
          tenant.id,
          c,
          values.status,
          note,
          { id: request.staffUser!.id, ip: request.ip },
          (to) => {
            // In the language of the person's record where known; English otherwise.
            const t = i18n.t('en');
            return mailer.send(tx, tenant.id, {
              to,
              subject: t('casework.email.subject', { reference: c.reference }),
              text: t('casework.email.body', {
                reference: c.reference,
                status: book.label(c.queue, values.status, 'en', t).text,
                note: note?.en ?? '',
                track: `${origin}/track/${c.reference}`,
                council: localise(tenant.name, 'en').text,
              }),
            });
          },
        ),
      );
      return reply.redirect(`/staff/cases/${c.reference}`, 303);
    });

    scope.post('/cases/:reference/notes', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const c = await loadCase(request);
      const note = field(request, 'note', 5000);
      if (!note) return casePage(request, reply, c, { note: 'casework.note.error' });
      await db.transaction((tx) =>
        addNote(tx, request.tenant.id, c, note, { id: request.staffUser!.id, ip: request.ip }),
      );
      return reply.redirect(`/staff/cases/${c.reference}#notes`, 303);
    });

    scope.post('/cases/:reference/documents', { config: { staff: 'cases.work' } }, async (request, reply) => {
      const c = await loadCase(request);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const upload = raw.file as MultipartFile | undefined;
      const bytes = upload && typeof upload.toBuffer === 'function' ? await upload.toBuffer() : undefined;
      const values = {
        title: field(request, 'title', 200),
        kind: field(request, 'kind', 30),
        documentId: field(request, 'documentId', 40),
      };
      const errors = {
        file: bytes?.length ? undefined : 'casework.document.error-file',
        title: values.title || values.documentId ? undefined : 'casework.document.error-title',
        kind:
          values.documentId || documentKinds.includes(values.kind)
            ? undefined
            : 'casework.document.error-kind',
      };
      if (errors.file || errors.title || errors.kind) return casePage(request, reply, c, errors, values);
      await db.transaction((tx) =>
        addDocument(
          tx,
          files,
          request.tenant.id,
          c,
          {
            ...(values.documentId ? { documentId: values.documentId } : {}),
            title: values.title,
            kind: values.kind,
            filename: upload!.filename,
            contentType: upload!.mimetype,
            bytes: bytes!,
          },
          { id: request.staffUser!.id, ip: request.ip },
        ),
      );
      return reply.redirect(`/staff/cases/${c.reference}#documents`, 303);
    });

    // Downloads are audited: a document may hold anything about anyone.
    scope.get(
      '/cases/:reference/documents/:id/:version',
      { config: { staff: 'cases.work' } },
      async (request, reply) => {
        const c = await loadCase(request);
        const { id, version } = request.params as { id: string; version: string };
        if (!/^[0-9a-f-]{36}$/i.test(id) || !/^\d{1,6}$/.test(version)) throw notFound();
        const fileId = await documentFile(db, request.tenant.id, c.id, id, Number(version));
        const stored = fileId ? await files.get(request.tenant.id, fileId) : undefined;
        if (!stored) throw notFound();
        await recordAudit(db, {
          tenantId: request.tenant.id,
          actor: { type: 'staff', id: request.staffUser!.id },
          action: 'case.document.download',
          subject: { type: 'case', id: c.id },
          ip: request.ip,
          details: { document: id, version: Number(version) },
        });
        return reply
          .type(stored.file.contentType)
          .header(
            'content-disposition',
            `attachment; filename="${stored.file.filename.replace(/["\\]/g, '_')}"`,
          )
          .header('x-content-type-options', 'nosniff')
          .send(stored.bytes);
      },
    );
  };
}
