/**
 * The form builder at /staff/forms. Every action is a plain form (POST, then redirect to
 * a page to GET), so all of it works without JavaScript; a problem is shown in a GOV.UK
 * error summary and nothing is saved. Registered inside the staff scope, so the one
 * permission hook guards every route ('services.configure').
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import type { Translate } from '../../platform/i18n/catalogue.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { errorSummary, type FieldErrors } from '../../platform/views/error-summary.ts';
import {
  conditionOperators,
  contentBlocks,
  type FormDefinition,
  questionTypes,
  validateDefinition,
} from '../forms/engine/index.ts';
import { questionView } from '../forms/question-view.ts';
import { retentionChoices, type ScheduleEntry, teamInboxes } from '../settings/service.ts';
import type { StaffUser } from '../staff/store.ts';
import {
  differences,
  localText,
  move,
  pageIdFor,
  problemsOf,
  questionIdFor,
  shown,
  slugify,
  type WorkingCopy,
  type WorkingPage,
  type WorkingQuestion,
} from './edit.ts';
import type { Actor, FormBuilder } from './service.ts';
import { listForms, listVersions, versionUse } from './store.ts';

const view = (name: string) => `modules/builder/views/${name}.njk`;
const config = { staff: 'services.configure' as const };

type Body = Record<string, string | string[]>;

/** A form body as strings, whether it came url-encoded or as multipart fields ({ value }). */
export function bodyOf(request: FastifyRequest): Body {
  const raw = (request.body ?? {}) as Record<string, unknown>;
  const out: Body = {};
  for (const [name, value] of Object.entries(raw)) {
    const parts = (Array.isArray(value) ? value : [value]).flatMap((p) =>
      typeof p === 'string'
        ? [p]
        : p && typeof p === 'object' && 'value' in p && (p as { type?: string }).type !== 'file'
          ? [String((p as { value: unknown }).value ?? '')]
          : [],
    );
    out[name] = parts.length === 1 ? parts[0]! : parts;
  }
  return out;
}

const one = (body: Body, name: string, max = 20000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};
const many = (body: Body, name: string) => {
  const v = body[name];
  return Array.isArray(v) ? v : v ? [v] : [];
};

type Errors = FieldErrors;

const fileTypes = [
  { value: 'image/*', key: 'builder.question.accept-images' },
  { value: 'application/pdf', key: 'builder.question.accept-pdf' },
];

/**
 * What the change history shows: the council's own site and its configuration, as staff edit
 * it; each kind of subject with the catalogue prefix that names its actions.
 */
const changeSubjectActions: Record<string, string> = {
  form: 'builder.action',
  service: 'builder.action',
  topic: 'builder.action',
  'help-article': 'builder.action',
  notice: 'builder.action',
  council: 'builder.action',
  'retention-schedule': 'builder.action',
  team: 'builder.action',
  property: 'builder.action',
  // Council apps at /staff/apps and the council's signing keys (never a secret: oidc/service.ts).
  'oidc-client': 'oidc.staff.action',
  'oidc-keys': 'oidc.staff.action',
};
export const changeSubjects = Object.keys(changeSubjectActions);

export function builderRoutes(
  services: Services & {
    builder: FormBuilder;
    staffNames: (tenantId: string) => Promise<Map<string, string>>;
  },
) {
  const { db, i18n, builder } = services;

  return (scope: FastifyInstance) => {
    const actor = (request: FastifyRequest): Actor => ({ id: request.staffUser!.id, ip: request.ip });
    const render = (
      request: FastifyRequest,
      reply: FastifyReply,
      name: string,
      context: object,
      status = 200,
    ) => reply.code(status).render(view(name), { user: request.staffUser, ...context });
    const t = (request: FastifyRequest) => i18n.t(request.lang);
    const lt = (request: FastifyRequest, value: { en: string; cy?: string } | undefined) =>
      localise(value, request.lang).text;

    const loadCopy = async (request: FastifyRequest) => {
      const { slug } = request.params as { slug: string };
      const loaded = await builder.load(request.tenant.id, slug);
      if (!loaded) throw notFound();
      return { slug, ...loaded };
    };
    const pageOf = (copy: WorkingCopy, pageId: string) => {
      const index = copy.pages.findIndex((p) => p.id === pageId);
      if (index < 0) throw notFound();
      return { page: copy.pages[index]!, index };
    };
    const questionOf = (page: WorkingPage, id: string) => {
      const index = (page.questions ?? []).findIndex((q) => q.id === id);
      if (index < 0) throw notFound();
      return { question: page.questions![index]!, index };
    };
    /** Saves one edit; an edit that cannot apply (the page went meanwhile) is a 404. */
    const change = async (
      request: FastifyRequest,
      slug: string,
      what: string,
      edit: (copy: WorkingCopy) => WorkingCopy | string,
    ) => {
      const result = await builder.change(request.tenant.id, actor(request), slug, what, edit);
      if (!result) throw notFound();
      return result;
    };

    // The change history: who changed what in the council's site, before and after.
    scope.get('/changes', { config }, async (request, reply) => {
      const entries = await listAudit(db, request.tenant.id, { subjectTypes: changeSubjects, limit: 200 });
      const names = await services.staffNames(request.tenant.id);
      return render(request, reply, 'changes', {
        entries: entries.map((e) => ({
          id: e.id,
          at: e.at.toISOString().slice(0, 16).replace('T', ' '),
          who: (e.actor.id && names.get(e.actor.id)) || e.actor.type,
          action: t(request)(`${changeSubjectActions[e.subject.type]}.${e.action}`),
          subject: `${e.subject.type}${e.subject.id ? ` ${e.subject.id}` : ''}`,
          what: typeof e.details.what === 'string' ? e.details.what : '',
          differences: ((e.details.changes as { path: string; before: unknown; after: unknown }[]) ?? []).map(
            (d) => ({
              path: d.path,
              before: shown(d.before),
              after: shown(d.after),
            }),
          ),
        })),
      });
    });

    // The list of forms.
    scope.get('/forms', { config }, async (request, reply) => {
      const forms = await listForms(db, request.tenant.id);
      return render(request, reply, 'forms', {
        forms: forms.map((f) => ({ ...f, titleText: lt(request, f.title) })),
      });
    });

    // A new form: its name, in both languages; the address comes from the English name.
    const newPage = (request: FastifyRequest, reply: FastifyReply, values: Body = {}, errors: Errors = {}) =>
      render(
        request,
        reply,
        'new',
        { values, errors, errorSummary: errorSummary(errors) },
        errorSummary(errors).length ? 400 : 200,
      );
    scope.get('/forms/new', { config }, async (request, reply) => newPage(request, reply));
    scope.post('/forms/new', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const title = localText(one(body, 'titleEn', 200), one(body, 'titleCy', 200));
      const slug = slugify(one(body, 'slug', 80) || one(body, 'titleEn', 80));
      const errors: Errors = {};
      if (!title) errors.titleEn = t(request)('builder.new.error-title');
      else if (!slug) errors.slug = t(request)('builder.new.error-slug');
      if (Object.keys(errors).length) return newPage(request, reply, body, errors);
      if (!(await builder.create(request.tenant.id, actor(request), slug, title!)))
        return newPage(request, reply, body, { slug: t(request)('builder.new.error-taken', { slug }) });
      return reply.redirect(`/staff/forms/${slug}`, 303);
    });

    // Import: a definition as JSON, pasted or as a file; it must pass the engine's checks.
    const importPage = (request: FastifyRequest, reply: FastifyReply, json = '', errors: string[] = []) =>
      render(
        request,
        reply,
        'import',
        {
          json,
          errorSummary: errors.map((text) => ({ text, href: '#json' })),
          error: errors.length ? { text: errors.join(' · ') } : undefined,
        },
        errors.length ? 400 : 200,
      );
    scope.get('/forms/import', { config }, async (request, reply) => importPage(request, reply));
    scope.post('/forms/import', { config }, async (request, reply) => {
      let json = one(bodyOf(request), 'json', 2_000_000);
      const file = (request.body as Record<string, unknown> | undefined)?.file as
        | { type?: string; toBuffer?: () => Promise<Buffer> }
        | undefined;
      if (!json && file?.type === 'file' && file.toBuffer)
        json = (await file.toBuffer()).toString('utf8').trim();
      if (!json) return importPage(request, reply, '', [t(request)('builder.import.error-empty')]);
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        return importPage(request, reply, json, [t(request)('builder.import.error-json')]);
      }
      const result = await builder.import(request.tenant.id, actor(request), parsed);
      if (!result.ok) return importPage(request, reply, json, result.errors);
      return reply.redirect(`/staff/forms/${result.slug}?imported=1`, 303);
    });

    // A form's overview: pages and questions, what stops it being published, and actions.
    const overview = async (request: FastifyRequest, reply: FastifyReply, status = 200, errors?: Errors) => {
      const { slug, copy, basedOnVersion, stored } = await loadCopy(request);
      const problems = problemsOf(copy);
      const versions = await listVersions(db, request.tenant.id, slug);
      const newest = versions[0];
      const query = request.query as { published?: string; imported?: string };
      return render(
        request,
        reply,
        'form',
        {
          slug,
          copy,
          titleText: lt(request, copy.title),
          pages: copy.pages.map((p, i) => ({
            ...p,
            titleText: lt(request, p.title) || p.id,
            first: i === 0,
            last: i === copy.pages.length - 1,
            questions: (p.questions ?? []).map((q, j, all) => ({
              ...q,
              labelText: lt(request, q.label),
              typeText: t(request)(`builder.type.${q.type}`),
              first: j === 0,
              last: j === all.length - 1,
            })),
          })),
          problems,
          errorSummary: errors ? errorSummary(errors) : status === 400 ? problems : [],
          errors: errors ?? {},
          basedOnVersion,
          newestVersion: newest?.version,
          unpublished: !newest || (stored && differences(newest.definition, copy).length > 0),
          published: query.published ? Number(query.published) : undefined,
          imported: query.imported === '1',
        },
        status,
      );
    };
    scope.get('/forms/:slug', { config }, async (request, reply) => overview(request, reply));

    // The form's own texts: title, description, confirmation, and where submissions go.
    const detailsPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values?: Body,
      errors: Errors = {},
    ) => {
      const { slug, copy } = await loadCopy(request);
      const inboxes = await teamInboxes(db, request.tenant.id);
      const emailsNow = (copy.outputs ?? []).filter((o) => o.type === 'email').map((o) => o.to);
      return render(
        request,
        reply,
        'details',
        {
          slug,
          values: values ?? {
            titleEn: copy.title?.en ?? '',
            titleCy: copy.title?.cy ?? '',
            descriptionEn: copy.description?.en ?? '',
            descriptionCy: copy.description?.cy ?? '',
            confirmationTitleEn: copy.confirmation?.title?.en ?? '',
            confirmationTitleCy: copy.confirmation?.title?.cy ?? '',
            confirmationBodyEn: copy.confirmation?.body?.en ?? '',
            confirmationBodyCy: copy.confirmation?.body?.cy ?? '',
            checkAnswers: copy.checkAnswers === false ? 'no' : 'yes',
          },
          inboxes: inboxes.map((i) => ({
            value: i.email,
            text: `${lt(request, i.name)} (${i.email})`,
            checked: emailsNow.includes(i.email),
          })),
          errors,
          errorSummary: errorSummary(errors),
        },
        Object.keys(errors).length ? 400 : 200,
      );
    };
    scope.get('/forms/:slug/details', { config }, async (request, reply) => detailsPage(request, reply));
    scope.post('/forms/:slug/details', { config }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const body = bodyOf(request);
      const title = localText(one(body, 'titleEn', 200), one(body, 'titleCy', 200));
      const confirmationTitle = localText(
        one(body, 'confirmationTitleEn', 200),
        one(body, 'confirmationTitleCy', 200),
      );
      const confirmationBody = localText(one(body, 'confirmationBodyEn'), one(body, 'confirmationBodyCy'));
      const errors: Errors = {};
      if (!title) errors.titleEn = t(request)('builder.details.error-title');
      if (!confirmationTitle)
        errors.confirmationTitleEn = t(request)('builder.details.error-confirmation-title');
      if (!confirmationBody)
        errors.confirmationBodyEn = t(request)('builder.details.error-confirmation-body');
      if (Object.keys(errors).length) return detailsPage(request, reply, body, errors);
      const inboxes = new Set((await teamInboxes(db, request.tenant.id)).map((i) => i.email));
      const emails = many(body, 'outputs').filter((e) => inboxes.has(e));
      await change(request, slug, 'details', (copy) => {
        copy.title = title!;
        const description = localText(one(body, 'descriptionEn'), one(body, 'descriptionCy'));
        if (description) copy.description = description;
        else delete copy.description;
        copy.confirmation = { title: confirmationTitle!, body: confirmationBody! };
        copy.checkAnswers = one(body, 'checkAnswers') !== 'no';
        // Webhooks are set up by developers and kept; team inboxes are chosen here.
        const others = (copy.outputs ?? []).filter((o) => o.type !== 'email');
        const outputs = [...others, ...emails.map((to) => ({ type: 'email', to }))];
        if (outputs.length) copy.outputs = outputs;
        else delete copy.outputs;
        return copy;
      });
      return reply.redirect(`/staff/forms/${slug}`, 303);
    });

    // Pages: add, edit, move, remove.
    scope.post('/forms/:slug/pages', { config }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const body = bodyOf(request);
      const title = localText(one(body, 'pageTitleEn', 200), one(body, 'pageTitleCy', 200));
      const kind = one(body, 'kind') === 'content' ? 'content' : 'question';
      if (!title)
        return overview(request, reply, 400, { pageTitleEn: t(request)('builder.page.error-title') });
      let id = '';
      await change(request, slug, 'page added', (copy) => {
        id = pageIdFor(copy, title.en);
        copy.pages.push({ id, kind, title, questions: [] });
        return copy;
      });
      return reply.redirect(`/staff/forms/${slug}/pages/${id}`, 303);
    });
    const pageEditor = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values?: Body,
      errors: Errors = {},
    ) => {
      const { slug, copy } = await loadCopy(request);
      const { pageId } = request.params as { pageId: string };
      const { page, index } = pageOf(copy, pageId);
      return render(
        request,
        reply,
        'page',
        {
          slug,
          formPage: page,
          index,
          titleText: lt(request, page.title) || page.id,
          formTitle: lt(request, copy.title),
          questions: (page.questions ?? []).map((q, j, all) => ({
            ...q,
            labelText: lt(request, q.label),
            typeText: t(request)(`builder.type.${q.type}`),
            first: j === 0,
            last: j === all.length - 1,
          })),
          conditionText: page.condition ? JSON.stringify(page.condition) : '',
          values: values ?? {
            titleEn: page.title?.en ?? '',
            titleCy: page.title?.cy ?? '',
            contentEn: page.content?.en ?? '',
            contentCy: page.content?.cy ?? '',
            repeat: page.repeat ? 'yes' : 'no',
            repeatMin: String(page.repeat?.min ?? 1),
            repeatMax: String(page.repeat?.max ?? 10),
            itemLabelEn: page.repeat?.itemLabel.en ?? '',
            itemLabelCy: page.repeat?.itemLabel.cy ?? '',
            addAnotherEn: page.repeat?.addAnotherLabel.en ?? '',
            addAnotherCy: page.repeat?.addAnotherLabel.cy ?? '',
          },
          errors,
          errorSummary: errorSummary(errors),
        },
        Object.keys(errors).length ? 400 : 200,
      );
    };
    scope.get('/forms/:slug/pages/:pageId', { config }, async (request, reply) => pageEditor(request, reply));
    scope.post('/forms/:slug/pages/:pageId', { config }, async (request, reply) => {
      const { slug, pageId } = request.params as { slug: string; pageId: string };
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const title = localText(one(body, 'titleEn', 200), one(body, 'titleCy', 200));
      const content = localText(one(body, 'contentEn'), one(body, 'contentCy'));
      const repeat = one(body, 'repeat') === 'yes';
      const min = Number(one(body, 'repeatMin'));
      const max = Number(one(body, 'repeatMax'));
      const itemLabel = localText(one(body, 'itemLabelEn', 100), one(body, 'itemLabelCy', 100));
      const addAnother = localText(one(body, 'addAnotherEn', 100), one(body, 'addAnotherCy', 100));
      if (repeat) {
        if (!Number.isInteger(min) || min < 0 || min > 50) errors.repeatMin = tr('builder.page.error-min');
        if (!Number.isInteger(max) || max < 1 || max > 50 || max < min)
          errors.repeatMax = tr('builder.page.error-max');
        if (!itemLabel) errors.itemLabelEn = tr('builder.page.error-item-label');
        if (!addAnother) errors.addAnotherEn = tr('builder.page.error-add-another');
      }
      if (Object.keys(errors).length) return pageEditor(request, reply, body, errors);
      const result = await change(request, slug, `page "${pageId}"`, (copy) => {
        const { page } = pageOf(copy, pageId);
        if (title) page.title = title;
        else delete page.title;
        if (content) page.content = content;
        else delete page.content;
        if (repeat) page.repeat = { min, max, itemLabel: itemLabel!, addAnotherLabel: addAnother! };
        else delete page.repeat;
        return copy;
      });
      if (!result.ok) return pageEditor(request, reply, body, { titleEn: result.error });
      return reply.redirect(`/staff/forms/${slug}`, 303);
    });
    scope.post('/forms/:slug/pages/:pageId/move', { config }, async (request, reply) => {
      const { slug, pageId } = request.params as { slug: string; pageId: string };
      const body = bodyOf(request);
      const by = one(body, 'direction') === 'up' ? -1 : 1;
      await change(request, slug, `page "${pageId}" moved`, (copy) => {
        copy.pages = moveTo(copy.pages, pageOf(copy, pageId).index, by, one(body, 'to'));
        return copy;
      });
      return reply.redirect(`/staff/forms/${slug}#page-${pageId}`, 303);
    });
    scope.post('/forms/:slug/pages/:pageId/delete', { config }, async (request, reply) => {
      const { slug, pageId } = request.params as { slug: string; pageId: string };
      // Only the working copy loses the page: published versions, their drafts and cases keep it.
      await change(request, slug, `page "${pageId}" removed`, (copy) => {
        copy.pages.splice(pageOf(copy, pageId).index, 1);
        return copy;
      });
      return reply.redirect(`/staff/forms/${slug}`, 303);
    });

    // Questions.
    scope.get('/forms/:slug/pages/:pageId/questions/new', { config }, async (request, reply) => {
      const { slug, copy } = await loadCopy(request);
      const { pageId } = request.params as { pageId: string };
      const { page } = pageOf(copy, pageId);
      const type = (request.query as { type?: string }).type;
      if (type !== undefined) {
        if (!(questionTypes as readonly string[]).includes(type))
          return render(
            request,
            reply,
            'question-type',
            typeContext(request, slug, page, { type: t(request)('builder.question.error-type') }),
            400,
          );
        return questionEditor(request, reply, { type });
      }
      return render(request, reply, 'question-type', typeContext(request, slug, page));
    });
    const typeContext = (request: FastifyRequest, slug: string, page: WorkingPage, errors: Errors = {}) => ({
      slug,
      formPage: page,
      titleText: lt(request, page.title) || page.id,
      types: questionTypes.map((type) => ({
        value: type,
        text: t(request)(`builder.type.${type}`),
        hint: { text: t(request)(`builder.type.${type}.hint`) },
      })),
      errors,
      errorSummary: errorSummary(errors),
    });

    /** The chosen schedule entry of a question, or 'current' for a purpose not in the schedule. */
    const scheduleSlugOf = (schedule: ScheduleEntry[], q: WorkingQuestion | undefined) => {
      if (!q?.purpose) return '';
      const purpose = q.purpose as { en: string };
      const retention = q.retention as { period: string; from?: string } | undefined;
      const entry = schedule.find(
        (e) =>
          e.purpose.en === purpose.en &&
          e.period === retention?.period &&
          e.starts === (retention?.from ?? 'submitted'),
      );
      return entry?.slug ?? 'current';
    };

    const questionEditor = async (
      request: FastifyRequest,
      reply: FastifyReply,
      opts: { type?: string; values?: Body; errors?: Errors } = {},
    ) => {
      const { slug, copy } = await loadCopy(request);
      const { pageId, questionId } = request.params as { pageId: string; questionId?: string };
      const { page } = pageOf(copy, pageId);
      const question = questionId ? questionOf(page, questionId).question : undefined;
      const type = question?.type ?? opts.type!;
      const schedule = await retentionChoices(db, request.tenant.id);
      const q = (question ?? {}) as Record<string, unknown> & Partial<WorkingQuestion>;
      const options = (q.options as { label: { en: string; cy?: string } }[] | undefined) ?? [];
      const errors = opts.errors ?? {};
      const current = scheduleSlugOf(schedule, question);
      const values = opts.values ?? {
        labelEn: q.label?.en ?? '',
        labelCy: q.label?.cy ?? '',
        hintEn: (q.hint as { en?: string } | undefined)?.en ?? '',
        hintCy: (q.hint as { cy?: string } | undefined)?.cy ?? '',
        required: q.required === false ? 'no' : 'yes',
        retention: current,
        options: options.map((o) => (o.label.cy ? `${o.label.en} | ${o.label.cy}` : o.label.en)).join('\n'),
        accept: (q.accept as string[] | undefined) ?? ['image/*'],
        maxMegabytes: String(
          Math.round(((q.maxBytes as number | undefined) ?? 5 * 1024 * 1024) / 1024 / 1024),
        ),
        maxFiles: String((q.maxFiles as number | undefined) ?? 1),
        min: q.min === undefined ? '' : String(q.min),
        max: q.max === undefined ? '' : String(q.max),
      };
      const tr = t(request);
      return render(
        request,
        reply,
        'question',
        {
          slug,
          formPage: page,
          titleText: lt(request, page.title) || page.id,
          question,
          type,
          typeText: tr(`builder.type.${type}`),
          action: question
            ? `/staff/forms/${slug}/pages/${pageId}/questions/${question.id}`
            : `/staff/forms/${slug}/pages/${pageId}/questions/new?type=${type}`,
          isChoice: ['radios', 'checkboxes', 'select'].includes(type),
          isFile: type === 'file',
          isNumber: type === 'number',
          conditionText: question?.condition ? JSON.stringify(question.condition) : '',
          schedule: [
            ...schedule
              .filter((e) => !e.retired || e.slug === current)
              .map((e) => ({
                value: e.slug,
                text: lt(request, e.purpose),
                hint: { text: tr(`builder.retention.${e.starts}`, { period: periodText(e.period, tr) }) },
              })),
            ...(current === 'current'
              ? [
                  {
                    value: 'current',
                    text: lt(request, q.purpose as { en: string }),
                    hint: { text: tr('builder.question.retention-current') },
                  },
                ]
              : []),
          ],
          fileTypes: fileTypes.map((f) => ({
            value: f.value,
            text: tr(f.key),
            checked: (many(values, 'accept') as string[]).includes(f.value),
          })),
          values,
          errors,
          errorSummary: errorSummary(errors),
        },
        Object.keys(errors).length ? 400 : 200,
      );
    };

    /** The question from the editor's fields, or the errors to show. */
    const questionFrom = async (
      request: FastifyRequest,
      type: string,
      existing: WorkingQuestion | undefined,
    ): Promise<{ question?: Omit<WorkingQuestion, 'id'>; errors: Errors }> => {
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const label = localText(one(body, 'labelEn', 500), one(body, 'labelCy', 500));
      if (!label) errors.labelEn = tr('builder.question.error-label');
      const hint = localText(one(body, 'hintEn', 1000), one(body, 'hintCy', 1000));
      const schedule = await retentionChoices(db, request.tenant.id);
      const chosen = one(body, 'retention');
      const entry = schedule.find((e) => e.slug === chosen);
      if (!entry && !(chosen === 'current' && existing?.purpose))
        errors.retention = tr('builder.question.error-retention');
      const q: Record<string, unknown> = { ...(existing ?? {}), type, label };
      delete q.id;
      if (hint) q.hint = hint;
      else delete q.hint;
      q.required = one(body, 'required') !== 'no';
      if (entry) {
        q.purpose = entry.purpose;
        q.retention =
          entry.starts === 'submitted'
            ? { period: entry.period }
            : { period: entry.period, from: entry.starts };
      }
      if (['radios', 'checkboxes', 'select'].includes(type)) {
        const lines = one(body, 'options')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean);
        const seen = new Set<string>();
        const options = lines.map((line) => {
          const [en = '', cy = ''] = line.split('|').map((s) => s.trim());
          let value = slugify(en) || 'option';
          for (let n = 2; seen.has(value); n++) value = `${slugify(en) || 'option'}-${n}`;
          seen.add(value);
          // Keep the stored value of an option whose English is unchanged: answers and conditions use it.
          const before = (existing?.options as { value: string; label: { en: string } }[] | undefined)?.find(
            (o) => o.label.en === en,
          );
          return { value: before?.value ?? value, label: localText(en, cy) ?? { en } };
        });
        if (options.length < 2) errors.options = tr('builder.question.error-options');
        q.options = options;
      }
      if (type === 'file') {
        const accept = many(body, 'accept').filter((a) => fileTypes.some((f) => f.value === a));
        const megabytes = Number(one(body, 'maxMegabytes'));
        const maxFiles = Number(one(body, 'maxFiles'));
        if (!accept.length) errors.accept = tr('builder.question.error-accept');
        if (!Number.isInteger(megabytes) || megabytes < 1 || megabytes > 10)
          errors.maxMegabytes = tr('builder.question.error-megabytes');
        if (!Number.isInteger(maxFiles) || maxFiles < 1 || maxFiles > 10)
          errors.maxFiles = tr('builder.question.error-max-files');
        q.accept = accept;
        q.maxBytes = megabytes * 1024 * 1024;
        q.maxFiles = maxFiles;
      }
      if (type === 'number') {
        for (const key of ['min', 'max'] as const) {
          const raw = one(body, key);
          if (!raw) delete q[key];
          else if (Number.isFinite(Number(raw))) q[key] = Number(raw);
          else errors[key] = tr('builder.question.error-number');
        }
      }
      return Object.keys(errors).length ? { errors } : { question: q as Omit<WorkingQuestion, 'id'>, errors };
    };

    scope.post('/forms/:slug/pages/:pageId/questions/new', { config }, async (request, reply) => {
      const { slug, pageId } = request.params as { slug: string; pageId: string };
      const type = (request.query as { type?: string }).type ?? '';
      if (!(questionTypes as readonly string[]).includes(type)) throw notFound();
      const { question, errors } = await questionFrom(request, type, undefined);
      if (!question) return questionEditor(request, reply, { type, values: bodyOf(request), errors });
      await change(request, slug, `question added to page "${pageId}"`, (copy) => {
        const { page } = pageOf(copy, pageId);
        const id = questionIdFor(copy, (question.label as { en: string }).en);
        page.questions = [...(page.questions ?? []), { id, ...question } as WorkingQuestion];
        return copy;
      });
      return reply.redirect(`/staff/forms/${slug}/pages/${pageId}`, 303);
    });
    scope.get('/forms/:slug/pages/:pageId/questions/:questionId', { config }, async (request, reply) =>
      questionEditor(request, reply),
    );
    scope.post('/forms/:slug/pages/:pageId/questions/:questionId', { config }, async (request, reply) => {
      const { slug, pageId, questionId } = request.params as {
        slug: string;
        pageId: string;
        questionId: string;
      };
      const { copy } = await loadCopy(request);
      const existing = questionOf(pageOf(copy, pageId).page, questionId).question;
      const { question, errors } = await questionFrom(request, existing.type, existing);
      if (!question) return questionEditor(request, reply, { values: bodyOf(request), errors });
      await change(request, slug, `question "${questionId}"`, (c) => {
        const { page } = pageOf(c, pageId);
        const { index } = questionOf(page, questionId);
        page.questions![index] = { id: questionId, ...question } as WorkingQuestion;
        return c;
      });
      return reply.redirect(`/staff/forms/${slug}/pages/${pageId}`, 303);
    });
    scope.post(
      '/forms/:slug/pages/:pageId/questions/:questionId/move',
      { config },
      async (request, reply) => {
        const { slug, pageId, questionId } = request.params as {
          slug: string;
          pageId: string;
          questionId: string;
        };
        const body = bodyOf(request);
        const by = one(body, 'direction') === 'up' ? -1 : 1;
        await change(request, slug, `question "${questionId}" moved`, (copy) => {
          const { page } = pageOf(copy, pageId);
          page.questions = moveTo(
            page.questions ?? [],
            questionOf(page, questionId).index,
            by,
            one(body, 'to'),
          );
          return copy;
        });
        return reply.redirect(`/staff/forms/${slug}/pages/${pageId}`, 303);
      },
    );
    scope.post(
      '/forms/:slug/pages/:pageId/questions/:questionId/delete',
      { config },
      async (request, reply) => {
        const { slug, pageId, questionId } = request.params as {
          slug: string;
          pageId: string;
          questionId: string;
        };
        await change(request, slug, `question "${questionId}" removed`, (copy) => {
          const { page } = pageOf(copy, pageId);
          page.questions!.splice(questionOf(page, questionId).index, 1);
          return copy;
        });
        return reply.redirect(`/staff/forms/${slug}/pages/${pageId}`, 303);
      },
    );

    // Conditions, on a page or a question: up to three tests of earlier answers joined by
    // "all" or "any", each may be negated; or any condition the engine reads, written as JSON.
    const rows = 3;
    const conditionEditor = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values?: Body,
      errors: Errors = {},
    ) => {
      const { slug, copy } = await loadCopy(request);
      const { pageId, questionId } = request.params as { pageId: string; questionId?: string };
      const { page, index } = pageOf(copy, pageId);
      const question = questionId ? questionOf(page, questionId).question : undefined;
      const condition = (question ? question.condition : page.condition) as
        | Record<string, unknown>
        | undefined;
      const earlier = copy.pages
        .slice(0, index)
        .flatMap((p) =>
          (p.questions ?? []).map((q) => ({ value: q.id, text: `${lt(request, q.label)} (${q.id})` })),
        );
      const tr = t(request);
      return render(
        request,
        reply,
        'condition',
        {
          slug,
          formPage: page,
          question,
          subjectText: question ? lt(request, question.label) : lt(request, page.title) || page.id,
          action: `/staff/forms/${slug}/pages/${pageId}${question ? `/questions/${question.id}` : ''}/condition`,
          back: `/staff/forms/${slug}/pages/${pageId}${question ? `/questions/${question.id}` : ''}`,
          earlier,
          operators: conditionOperators.map((op) => ({ value: op, text: tr(`builder.operator.${op}`) })),
          rows: [...Array(rows).keys()],
          values: values ?? conditionValues(condition),
          errors,
          errorSummary: errorSummary(errors),
        },
        Object.keys(errors).length ? 400 : 200,
      );
    };
    const conditionRoute = async (request: FastifyRequest, reply: FastifyReply) => {
      const { slug, pageId, questionId } = request.params as {
        slug: string;
        pageId: string;
        questionId?: string;
      };
      const body = bodyOf(request);
      const tr = t(request);
      const { copy } = await loadCopy(request);
      const built = conditionFrom(body, copy, tr);
      if ('error' in built) return conditionEditor(request, reply, body, { [built.field]: built.error });
      const result = await change(
        request,
        slug,
        `condition on ${questionId ? `question "${questionId}"` : `page "${pageId}"`}`,
        (c) => {
          const { page } = pageOf(c, pageId);
          const target = questionId
            ? (questionOf(page, questionId).question as { condition?: unknown })
            : page;
          if (built.condition === undefined) delete target.condition;
          else target.condition = built.condition;
          // The engine judges the condition now: a test of a later question, or an operator that
          // does not fit the question, is refused here, in the engine's words.
          const name = questionId ? `("${questionId}").condition` : `("${pageId}").condition`;
          const checked = validateDefinition(c);
          const problem = checked.ok ? undefined : checked.errors.find((e) => e.includes(name));
          return problem ?? c;
        },
      );
      if (!result.ok) return conditionEditor(request, reply, body, { 'question-0': result.error });
      return reply.redirect(
        `/staff/forms/${slug}/pages/${pageId}${questionId ? `/questions/${questionId}` : ''}`,
        303,
      );
    };
    scope.get('/forms/:slug/pages/:pageId/condition', { config }, async (request, reply) =>
      conditionEditor(request, reply),
    );
    scope.post('/forms/:slug/pages/:pageId/condition', { config }, conditionRoute);
    scope.get(
      '/forms/:slug/pages/:pageId/questions/:questionId/condition',
      { config },
      async (request, reply) => conditionEditor(request, reply),
    );
    scope.post('/forms/:slug/pages/:pageId/questions/:questionId/condition', { config }, conditionRoute);

    // Assessments ("can I get this?") are rule lists over answers; they are edited as the
    // engine's JSON, checked whole by the engine before they are kept.
    const assessmentsPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      json?: string,
      error?: string,
    ) => {
      const { slug, copy } = await loadCopy(request);
      return render(
        request,
        reply,
        'assessments',
        {
          slug,
          json: json ?? JSON.stringify(copy.assessments ?? [], null, 2),
          error: error ? { text: error } : undefined,
          errorSummary: error ? [{ text: error, href: '#assessments' }] : [],
        },
        error ? 400 : 200,
      );
    };
    scope.get('/forms/:slug/assessments', { config }, async (request, reply) =>
      assessmentsPage(request, reply),
    );
    scope.post('/forms/:slug/assessments', { config }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const json = one(bodyOf(request), 'assessments', 200_000);
      let parsed: unknown;
      try {
        parsed = JSON.parse(json || '[]');
      } catch {
        return assessmentsPage(request, reply, json, t(request)('builder.import.error-json'));
      }
      if (!Array.isArray(parsed))
        return assessmentsPage(request, reply, json, t(request)('builder.assessments.error-list'));
      const result = await change(request, slug, 'assessments', (copy) => {
        if (parsed.length) copy.assessments = parsed as unknown[];
        else delete copy.assessments;
        const checked = validateDefinition(copy);
        return (checked.ok ? undefined : checked.errors.find((e) => e.startsWith('assessments'))) ?? copy;
      });
      if (!result.ok) return assessmentsPage(request, reply, json, result.error);
      return reply.redirect(`/staff/forms/${slug}`, 303);
    });

    // Publish: the engine's checks first; problems are explained, each linked to its fix.
    scope.post('/forms/:slug/publish', { config }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const result = await builder.publish(request.tenant.id, actor(request), slug);
      if (!result) throw notFound();
      if (!result.ok) return overview(request, reply, 400);
      return reply.redirect(`/staff/forms/${slug}?published=${result.version}`, 303);
    });

    // Versions, differences, rollback.
    scope.get('/forms/:slug/versions', { config }, async (request, reply) => {
      const { slug, copy } = await loadCopy(request);
      const [versions, use] = await Promise.all([
        listVersions(db, request.tenant.id, slug),
        versionUse(db, request.tenant.id, slug),
      ]);
      return render(request, reply, 'versions', {
        slug,
        titleText: lt(request, copy.title),
        versions: versions.map((v, i) => ({
          version: v.version,
          publishedAt: v.publishedAt
            ? new Date(v.publishedAt).toISOString().slice(0, 16).replace('T', ' ')
            : '',
          changes: differences(versions[i + 1]?.definition, v.definition).length,
          newest: i === 0,
          drafts: use.get(v.version)?.drafts ?? 0,
          cases: use.get(v.version)?.cases ?? 0,
        })),
      });
    });
    scope.get('/forms/:slug/versions/:version', { config }, async (request, reply) => {
      const { slug, copy } = await loadCopy(request);
      const version = Number((request.params as { version: string }).version);
      const versions = await listVersions(db, request.tenant.id, slug);
      const at = versions.findIndex((v) => v.version === version);
      if (at < 0) throw notFound();
      const previous = versions[at + 1];
      return render(request, reply, 'version', {
        slug,
        titleText: lt(request, copy.title),
        version,
        previous: previous?.version,
        newest: at === 0,
        differences: differences(previous?.definition, versions[at]!.definition).map((d) => ({
          path: d.path,
          before: shown(d.before),
          after: shown(d.after),
        })),
      });
    });
    scope.get('/forms/:slug/changes', { config }, async (request, reply) => {
      const { slug, copy } = await loadCopy(request);
      const [newest] = await listVersions(db, request.tenant.id, slug);
      return render(request, reply, 'version', {
        slug,
        titleText: lt(request, copy.title),
        unpublished: true,
        previous: newest?.version,
        differences: differences(newest?.definition, copy).map((d) => ({
          path: d.path,
          before: shown(d.before),
          after: shown(d.after),
        })),
      });
    });
    scope.post('/forms/:slug/versions/:version/rollback', { config }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const version = Number((request.params as { version: string }).version);
      const next = await builder.rollback(request.tenant.id, actor(request), slug, version);
      if (!next) throw notFound();
      return reply.redirect(`/staff/forms/${slug}?published=${next}`, 303);
    });

    // Export: a version (or the working copy) as the engine's JSON, as stored.
    scope.get('/forms/:slug/export', { config }, async (request, reply) => {
      const { slug, copy } = await loadCopy(request);
      const asked = (request.query as { version?: string }).version;
      let definition: unknown = copy;
      if (asked) {
        const found = (await listVersions(db, request.tenant.id, slug)).find(
          (v) => v.version === Number(asked),
        );
        if (!found) throw notFound();
        definition = found.definition;
      }
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${slug}${asked ? `-v${asked}` : ''}.json"`)
        .send(`${JSON.stringify(definition, null, 2)}\n`);
    });

    // Preview as a resident: the working copy's pages through the runner's own templates.
    // Nothing is kept; "Continue" goes to the next page in order, whatever the conditions.
    const previewable = async (request: FastifyRequest) => {
      const { slug, copy } = await loadCopy(request);
      const checked = validateDefinition(copy);
      return { slug, copy, definition: checked.ok ? checked.definition : undefined };
    };
    scope.get('/forms/:slug/preview', { config }, async (request, reply) => {
      const { slug, definition, copy } = await previewable(request);
      if (!definition) return reply.redirect(`/staff/forms/${slug}`, 303);
      void copy;
      return reply.redirect(`/staff/forms/${slug}/preview/${definition.pages[0]!.id}`, 303);
    });
    scope.get('/forms/:slug/preview/:pageId', { config }, async (request, reply) => {
      const { slug, definition } = await previewable(request);
      if (!definition) return reply.redirect(`/staff/forms/${slug}`, 303);
      return previewPage(request, reply, slug, definition);
    });
    scope.post('/forms/:slug/preview/:pageId', { config }, async (request, reply) => {
      const { slug, definition } = await previewable(request);
      const { pageId } = request.params as { pageId: string };
      if (!definition) return reply.redirect(`/staff/forms/${slug}`, 303);
      const at = definition.pages.findIndex((p) => p.id === pageId);
      const next = definition.pages[at + 1];
      return reply.redirect(
        next ? `/staff/forms/${slug}/preview/${next.id}` : `/staff/forms/${slug}?previewed=1`,
        303,
      );
    });
    const previewPage = (
      request: FastifyRequest,
      reply: FastifyReply,
      slug: string,
      definition: FormDefinition,
    ) => {
      const { pageId } = request.params as { pageId: string };
      const at = definition.pages.findIndex((p) => p.id === pageId);
      const page = definition.pages[at];
      if (!page) throw notFound();
      const tr = t(request);
      const title = page.title ? localise(page.title, request.lang).text : undefined;
      return reply.render(view('preview'), {
        slug,
        page,
        pageTitle: title,
        formTitle: localise(definition.title, request.lang).text,
        content: page.content ? contentBlocks(localise(page.content, request.lang).text) : [],
        questions: page.questions.map((q) =>
          questionView(q, {
            lang: request.lang,
            t: tr,
            isPageHeading: !title && page.questions.length === 1,
            errors: [],
            values: undefined,
            answer: undefined,
          }),
        ),
        conditional: Boolean(page.condition) || page.questions.some((q) => q.condition),
        multipart: page.questions.some((q) => q.type === 'file'),
        action: `/staff/forms/${slug}/preview/${page.id}`,
        backLink:
          at > 0 ? `/staff/forms/${slug}/preview/${definition.pages[at - 1]!.id}` : `/staff/forms/${slug}`,
        first: false,
        hasDraft: false,
      });
    };
  };
}

/**
 * One place up or down (the buttons), or straight to position `to` (from 0) when given:
 * dragging with JavaScript posts where the item was dropped, so one drop is one change.
 */
function moveTo<T>(list: T[], index: number, by: -1 | 1, to: string): T[] {
  if (!/^\d+$/.test(to)) return move(list, index, by);
  const target = Math.min(Number(to), list.length - 1);
  if (index < 0 || index >= list.length || target === index) return list;
  const next = [...list];
  const [item] = next.splice(index, 1);
  next.splice(target, 0, item!);
  return next;
}

function periodText(period: string, tr: Translate): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(period);
  if (!m) return period;
  const parts: string[] = [];
  const units = ['years', 'months', 'weeks', 'days'];
  m.slice(1).forEach((n, i) => {
    if (n) parts.push(tr(`builder.period.${units[i]}`, { count: Number(n) }));
  });
  return parts.join(' ');
}

/** The editor's rows from a stored condition: the simple shapes fill rows, anything else the JSON box. */
function conditionValues(condition: Record<string, unknown> | undefined): Body {
  if (!condition) return { combine: 'all' };
  const combine = 'any' in condition ? 'any' : 'all';
  const list = (Array.isArray(condition[combine]) ? condition[combine] : [condition]) as Record<
    string,
    unknown
  >[];
  const values: Body = { combine };
  let simple = list.length <= 3;
  list.forEach((raw, i) => {
    const negated = 'not' in raw;
    const test = (negated ? raw.not : raw) as Record<string, unknown>;
    const op = conditionOperators.find((o) => o in test);
    if (typeof test.question !== 'string' || !op) {
      simple = false;
      return;
    }
    const operand = test[op];
    values[`question-${i}`] = test.question;
    values[`operator-${i}`] = op;
    values[`value-${i}`] = Array.isArray(operand) ? operand.join(', ') : String(operand);
    if (negated) values[`not-${i}`] = 'yes';
  });
  return simple ? values : { combine: 'all', json: JSON.stringify(condition, null, 2) };
}

/** A condition from the editor's rows (or its JSON box); undefined when every row is empty. */
function conditionFrom(
  body: Body,
  copy: WorkingCopy,
  tr: (k: string) => string,
): { condition: unknown } | { error: string; field: string } {
  const json = one(body, 'json', 100_000);
  if (json) {
    try {
      return { condition: JSON.parse(json) };
    } catch {
      return { error: tr('builder.import.error-json'), field: 'json' };
    }
  }
  const questions = new Map(copy.pages.flatMap((p) => (p.questions ?? []).map((q) => [q.id, q] as const)));
  const tests: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const id = one(body, `question-${i}`);
    if (!id) continue;
    const question = questions.get(id);
    if (!question) return { error: tr('builder.condition.error-question'), field: `question-${i}` };
    const op = one(body, `operator-${i}`);
    if (!(conditionOperators as readonly string[]).includes(op))
      return { error: tr('builder.condition.error-operator'), field: `operator-${i}` };
    const raw = one(body, `value-${i}`, 500);
    const typed = (s: string): unknown => {
      if (op === 'answered' || ['yesno', 'declaration'].includes(question.type))
        return ['true', 'yes', 'ydw', 'oes'].includes(s.toLowerCase());
      if (['number', 'money'].includes(question.type)) return Number(s);
      // Staff may type an option's label in either language; conditions compare its value.
      const options = question.options as { value: string; label: { en: string; cy?: string } }[] | undefined;
      const option = options?.find((o) =>
        [o.value, o.label.en, o.label.cy ?? ''].some((x) => x.toLowerCase() === s.toLowerCase()),
      );
      return option?.value ?? s;
    };
    if (!raw && op !== 'answered') return { error: tr('builder.condition.error-value'), field: `value-${i}` };
    const operand = op === 'in' ? raw.split(',').map((s) => typed(s.trim())) : typed(raw || 'true');
    const test = { question: id, [op]: operand };
    tests.push(one(body, `not-${i}`) === 'yes' ? { not: test } : test);
  }
  if (!tests.length) return { condition: undefined };
  if (tests.length === 1) return { condition: tests[0] };
  return { condition: { [one(body, 'combine') === 'any' ? 'any' : 'all']: tests } };
}

export type { StaffUser };
