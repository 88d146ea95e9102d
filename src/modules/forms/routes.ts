import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { AppError, notFound } from '../../platform/errors/errors.ts';
import { findByPostcode } from '../../platform/gazetteer/store.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import type { AccountsService } from '../accounts/service.ts';
import { satisfactionLevels, satisfactionToken } from '../engagement/service.ts';
import { assistedFor } from './assisted.ts';
import {
  type AddressAnswer,
  type Answers,
  applyPageAnswers,
  assess,
  canAddRepeatItem,
  contentBlocks,
  type FieldError,
  type FileAnswer,
  type FormDefinition,
  findPage,
  findQuestion,
  firstIncompletePage,
  formSchema,
  messageText,
  nextPageId,
  type Page,
  pageAllowed,
  parsePage,
  previousPageId,
  privacyNotice,
  type RawBody,
  type RawValues,
  removeRepeatItem,
  repeatItems,
  resolveJourney,
  setRepeatItems,
  summarise,
} from './engine/index.ts';
import { sniffMimeType } from './file-type.ts';
import { type KnownDetails, prefill } from './prefill.ts';
import { questionView } from './question-view.ts';
import { draftLifetimeMs, submitDraft } from './runner.ts';
import { registerSaveAndReturn } from './save-routes.ts';
import { loadDefinition } from './service.ts';
import { createDraft, findDraft, saveDraftAnswers } from './store.ts';

/** What the session remembers per form: the draft, errors to show once, addresses found. */
interface FormSession {
  draftId?: string;
  flash?: { pageId: string; errors: FieldError[]; values: RawValues };
  lookups?: Record<string, { postcode: string; addresses: AddressAnswer[] }>;
  sent?: { reference: string };
}

type Sessions = Record<string, FormSession>;

const maxUploadBytes = 10 * 1024 * 1024;

export async function registerForms(
  app: FastifyInstance,
  services: Pick<Services, 'db' | 'mailer' | 'signer' | 'config' | 'i18n' | 'now' | 'files'> & {
    accounts: AccountsService;
  },
): Promise<void> {
  const { db, i18n, now, files, accounts } = services;

  /** What the signed-in person's account knows, for prefilling; undefined for a guest. */
  const knownDetails = async (
    request: FastifyRequest,
  ): Promise<(KnownDetails & { accountId?: string }) | undefined> => {
    const session = await request.session();
    // Assisted digital: staff running a form for a person see that person's details filled in.
    const assisted = await assistedFor(request);
    if (assisted) return assisted.known;
    if (!session.get('resident')) return undefined;
    const account = await accounts.signedIn(request);
    if (!account) return undefined;
    return {
      accountId: account.id,
      ...(account.emails[0] ? { email: account.emails[0].email } : {}),
      ...(account.givenName ? { givenName: account.givenName } : {}),
      ...(account.familyName ? { familyName: account.familyName } : {}),
      ...(account.phone ? { phone: account.phone } : {}),
      ...(account.address ? { address: account.address } : {}),
    };
  };

  // Files arrive on the same POST as the page's other answers; nothing is kept on disk by
  // the parser, and limits stop a large upload before it is read whole.
  await app.register(multipart, {
    attachFieldsToBody: true,
    limits: { fileSize: maxUploadBytes, files: 10, fields: 100, fieldSize: 100_000, parts: 120 },
  });

  registerSaveAndReturn(app, services);

  app.get('/schemas/form.json', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('application/schema+json').send(formSchema),
  );

  const formState = async (request: FastifyRequest, slug: string) => {
    const session = await request.session();
    const all = session.get<Sessions>('forms') ?? {};
    const state = all[slug] ?? {};
    const save = (next: FormSession) => session.set('forms', { ...all, [slug]: next });
    return { session, state, save };
  };

  // A route that hands on to a page function asks for the same state: read it once per request.
  const loads = new WeakMap<FastifyRequest, ReturnType<typeof readForm>>();
  const load = (request: FastifyRequest, slug: string) => {
    let loaded = loads.get(request);
    if (!loaded) {
      loaded = readForm(request, slug);
      loads.set(request, loaded);
    }
    return loaded;
  };

  /** The definition the person is on: their draft's version, else the newest published. */
  const readForm = async (request: FastifyRequest, slug: string) => {
    const { state, save } = await formState(request, slug);
    const draft = state.draftId ? await findDraft(db, request.tenant.id, state.draftId, now()) : undefined;
    const loaded = await loadDefinition(db, request.tenant.id, slug, draft?.formVersion);
    if (!loaded) throw notFound();
    return {
      definition: loaded.definition,
      version: loaded.version,
      draft: draft?.submittedCaseId ? undefined : draft,
      answers: (draft && !draft.submittedCaseId ? draft.answers : {}) as Answers,
      state,
      save,
    };
  };

  const serviceFor = async (tenantId: string, formSlug: string) => {
    const [row] = await db.query<{ slug: string }>(
      'select slug from services where tenant_id = $1 and start_target = $2 and published limit 1',
      [tenantId, `form:${formSlug}`],
    );
    return row?.slug ?? null;
  };

  const pageUrl = (slug: string, pageId: string) => `/forms/${slug}/${pageId}`;

  app.get('/forms/:slug', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const { definition, answers } = await load(request, slug);
    const next = firstIncompletePage(definition, answers);
    return reply.redirect(next ? pageUrl(slug, next) : `/forms/${slug}/check`, 303);
  });

  app.get('/forms/:slug/privacy', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const { definition } = await load(request, slug);
    const fields = privacyNotice(definition).map((f) => ({
      key: { text: localise(f.label, request.lang).text },
      value: {
        text: `${localise(f.purpose, request.lang).text} ${localise(f.retention.text, request.lang).text}`,
      },
    }));
    return reply.render('modules/forms/views/privacy.njk', { definition, fields, slug });
  });

  app.get('/forms/:slug/check', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const { definition, answers, draft } = await load(request, slug);
    const missing = firstIncompletePage(definition, answers);
    if (!draft || missing) return reply.redirect(pageUrl(slug, missing ?? definition.pages[0]!.id), 303);
    const rows = summarise(definition, answers, request.lang, {
      changeHref: `/forms/${slug}/{page}?change=1`,
    })
      // The declaration is made again by sending: no row, no change link.
      .filter((row) => findQuestion(definition, row.questionId)?.type !== 'declaration')
      .map((row) => ({
        key: { text: row.item ? `${row.item.label}: ${row.label}` : row.label },
        value: { html: row.lines.map(escapeHtml).join('<br>') || escapeHtml(row.value) },
        actions: {
          items: [
            {
              href: row.changeHref,
              text: i18n.t(request.lang)('forms.check.change'),
              visuallyHiddenText: row.label,
            },
          ],
        },
      }));
    const outcomes = assess(definition, answers).map((a) => ({
      title: localise(a.title, request.lang).text,
      result: localise(a.result.title, request.lang).text,
      body: localise(a.result.body, request.lang).text,
    }));
    return reply.header('cache-control', 'no-store').render('modules/forms/views/check.njk', {
      definition,
      slug,
      rows,
      outcomes,
      backLink: pageUrl(slug, lastShownPage(definition, answers)),
    });
  });

  app.post(
    '/forms/:slug/submit',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const { state, save } = await formState(request, slug);
      if (!state.draftId) return reply.redirect(state.sent ? `/forms/${slug}/done` : `/forms/${slug}`, 303);
      const draft = await findDraft(db, request.tenant.id, state.draftId, now());
      if (!draft) return reply.redirect(`/forms/${slug}`, 303);
      const loaded = await loadDefinition(db, request.tenant.id, slug, draft.formVersion);
      if (!loaded) throw notFound();
      const known = await knownDetails(request);
      const assisted = await assistedFor(request);
      const result = await submitDraft(services, {
        tenant: request.tenant,
        accountId: known?.accountId ?? null,
        ...(assisted
          ? {
              assisted: { channel: assisted.channel, staffId: assisted.staffId, personId: assisted.personId },
            }
          : {}),
        draftId: draft.id,
        definition: loaded.definition,
        serviceSlug: await serviceFor(request.tenant.id, slug),
        lang: request.lang,
        t: i18n.t(request.lang),
      });
      if (result.kind === 'incomplete') return reply.redirect(`/forms/${slug}`, 303);
      if (result.kind === 'gone') return reply.redirect(`/forms/${slug}`, 303);
      save({ sent: { reference: result.reference } });
      if (assisted) {
        // Back to the person's screen; the person gets the same confirmation email as online.
        (await request.session()).set('assisted', undefined);
        return reply.redirect(`/staff/people/${assisted.personId}?sent=${result.reference}`, 303);
      }
      return reply.redirect(`/forms/${slug}/done`, 303);
    },
  );

  app.get('/forms/:slug/done', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const { state } = await formState(request, slug);
    if (!state.sent) return reply.redirect(`/forms/${slug}`, 303);
    const loaded = await loadDefinition(db, request.tenant.id, slug);
    if (!loaded) throw notFound();
    const [row] = await db.query<{ email: string | null }>(
      `select s.email from cases c join submissions s on s.tenant_id = c.tenant_id and s.case_id = c.id
        where c.tenant_id = $1 and c.reference = $2`,
      [request.tenant.id, state.sent.reference],
    );
    const reference = state.sent.reference;
    return reply.header('cache-control', 'no-store').render('modules/forms/views/confirmation.njk', {
      definition: loaded.definition,
      reference,
      emailed: Boolean(row?.email),
      next: blocks(localise(loaded.definition.confirmation.body, request.lang).text),
      satisfaction: {
        reference,
        token: satisfactionToken(services.signer, request.tenant.id, reference),
        levels: satisfactionLevels,
        values: {},
        errors: {},
        maxComment: 1200,
        headingLevel: 'section',
      },
    });
  });

  /** A question page, or one item of an "add another" section (item is 1-based). */
  const showPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    slug: string,
    pageId: string,
    item?: number,
  ) => {
    const { definition, answers, state, save } = await load(request, slug);
    const page = findPage(definition, pageId);
    if (!page || Boolean(page.repeat) !== (item !== undefined)) throw notFound();
    if (!pageAllowed(definition, answers, pageId)) {
      const next = firstIncompletePage(definition, answers);
      return reply.redirect(next ? pageUrl(slug, next) : `/forms/${slug}/check`, 303);
    }
    const items = page.repeat ? repeatItems(answers, pageId) : [];
    const index = item === undefined ? undefined : item - 1;
    if (
      index !== undefined &&
      (index < 0 ||
        index > items.length ||
        (index === items.length && !canAddRepeatItem(definition, answers, pageId)))
    ) {
      return reply.redirect(pageUrl(slug, pageId), 303);
    }
    const flashKey = item === undefined ? pageId : `${pageId}/${item}`;
    const flash = state.flash?.pageId === flashKey ? state.flash : undefined;
    if (state.flash) save({ ...state, flash: undefined });
    const t = i18n.t(request.lang);
    const shown = resolveJourney(definition, answers).pages.find((v) => v.page.id === pageId);
    const questions = shown?.questions ?? [];
    const itemLabel = page.repeat ? localise(page.repeat.itemLabel, request.lang).text : undefined;
    const title = page.title
      ? `${localise(page.title, request.lang).text}${item ? ` (${itemLabel} ${item})` : ''}`
      : undefined;
    const errors = flash?.errors ?? [];
    const change = (request.query as { change?: string }).change === '1';
    const previous = previousPageId(definition, answers, pageId);
    const given = (index === undefined ? answers : (items[index] ?? {})) as Answers;
    const known = await knownDetails(request);
    const stored = known ? { ...prefill(questions, given, known), ...given } : given;
    // Nothing of the person's own on the page (no answer, no error, no address search):
    // the same page for everyone at this point, rendered once.
    const personal =
      Boolean(flash) || questions.some((q) => stored[q.id] !== undefined || state.lookups?.[q.id]);
    return reply.header('cache-control', 'no-store').render(
      'modules/forms/views/page.njk',
      {
        slug,
        page,
        pageTitle: title,
        formTitle: localise(definition.title, request.lang).text,
        content: page.content ? blocks(localise(page.content, request.lang).text) : [],
        questions: questions.map((q) =>
          questionView(q, {
            lang: request.lang,
            t,
            isPageHeading: !title && questions.length === 1,
            errors,
            values: flash?.values,
            answer: stored[q.id] as never,
            addressLookup: state.lookups?.[q.id],
          }),
        ),
        multipart: questions.some((q) => q.type === 'file'),
        action: `${pageUrl(slug, pageId)}${item ? `/${item}` : ''}${change ? '?change=1' : ''}`,
        errorSummary: errors.map((e) => ({ text: messageText(e.message, request.lang, t), href: e.href })),
        backLink: change
          ? `/forms/${slug}/check`
          : item
            ? items.length
              ? pageUrl(slug, pageId)
              : previous
                ? pageUrl(slug, previous)
                : '/'
            : previous
              ? pageUrl(slug, previous)
              : '/',
        first: !previous && !item,
        hasDraft: Boolean(state.draftId),
      },
      { reuse: !personal },
    );
  };

  /** The list of an "add another" section, and the question whether to add another. */
  const showRepeatList = async (
    request: FastifyRequest,
    reply: FastifyReply,
    slug: string,
    pageId: string,
  ) => {
    const { definition, answers, state, save } = await load(request, slug);
    const page = findPage(definition, pageId);
    if (!page?.repeat) throw notFound();
    if (!pageAllowed(definition, answers, pageId)) {
      const next = firstIncompletePage(definition, answers);
      return reply.redirect(next ? pageUrl(slug, next) : `/forms/${slug}/check`, 303);
    }
    const items = repeatItems(answers, pageId);
    if (!items.length && page.repeat.min > 0) return reply.redirect(`${pageUrl(slug, pageId)}/1`, 303);
    const flash = state.flash?.pageId === pageId ? state.flash : undefined;
    if (state.flash) save({ ...state, flash: undefined });
    const t = i18n.t(request.lang);
    const rows = summarise(definition, answers, request.lang);
    const itemLabel = localise(page.repeat.itemLabel, request.lang).text;
    const previous = previousPageId(definition, answers, pageId);
    const errors = flash?.errors ?? [];
    return reply.header('cache-control', 'no-store').render('modules/forms/views/repeat-list.njk', {
      slug,
      pageId,
      formTitle: localise(definition.title, request.lang).text,
      heading: t(items.length === 1 ? 'forms.repeat.added-one' : 'forms.repeat.added-other', {
        count: items.length,
        item: itemLabel.toLocaleLowerCase(request.lang),
      }),
      items: items.map((_, i) => ({
        number: i + 1,
        label: `${itemLabel} ${i + 1}`,
        rows: rows
          .filter((r) => r.pageId === pageId && r.item?.index === i)
          .map((r) => ({ key: { text: r.label }, value: { text: r.value } })),
      })),
      canAdd: canAddRepeatItem(definition, answers, pageId),
      addAnotherLabel: localise(page.repeat.addAnotherLabel, request.lang).text,
      error: errors[0] ? { text: messageText(errors[0].message, request.lang, t) } : undefined,
      errorSummary: errors.map((e) => ({ text: messageText(e.message, request.lang, t), href: e.href })),
      change: (request.query as { change?: string }).change === '1',
      backLink: previous ? pageUrl(slug, previous) : '/',
    });
  };

  app.get('/forms/:slug/:pageId', async (request, reply) => {
    const { slug, pageId } = request.params as { slug: string; pageId: string };
    const { definition } = await load(request, slug);
    if (findPage(definition, pageId)?.repeat) return showRepeatList(request, reply, slug, pageId);
    return showPage(request, reply, slug, pageId);
  });

  app.get('/forms/:slug/:pageId/:item', async (request, reply) => {
    const { slug, pageId, item } = request.params as { slug: string; pageId: string; item: string };
    if (!/^[1-9]\d{0,2}$/.test(item)) throw notFound();
    return showPage(request, reply, slug, pageId, Number(item));
  });

  /** Saves the answers and moves on: to the next page, back to the summary, or to the list. */
  const answerPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    slug: string,
    pageId: string,
    item?: number,
  ) => {
    const { definition, version, answers, draft, state, save } = await load(request, slug);
    const page = findPage(definition, pageId);
    if (!page || Boolean(page.repeat) !== (item !== undefined)) throw notFound();
    // A page asked out of order (a skipped page, a hidden one) is refused: nothing is stored.
    if (!pageAllowed(definition, answers, pageId)) throw refused();
    const index = item === undefined ? undefined : item - 1;
    const items = page.repeat ? repeatItems(answers, pageId) : [];
    if (
      index !== undefined &&
      (index > items.length || (index === items.length && !canAddRepeatItem(definition, answers, pageId)))
    ) {
      throw refused();
    }
    const change = (request.query as { change?: string }).change === '1';
    const here = `${pageUrl(slug, pageId)}${item ? `/${item}` : ''}`;
    const { body, uploads } = await readBody(request);

    const find = addressSearch(page, body);
    if (find === 'refused') throw refused();
    if (find) {
      const postcode = String(body[`${find}-postcode`] ?? '').slice(0, 20);
      if (!postcode.trim()) {
        const error: FieldError = {
          questionId: find,
          href: `#${find}-lookup`,
          message: { key: 'forms.address.postcode-required' },
        };
        save({
          ...state,
          flash: { pageId: item ? `${pageId}/${item}` : pageId, errors: [error], values: stringValues(body) },
        });
        return reply.redirect(`${here}${change ? '?change=1' : ''}`, 303);
      }
      const found = await findByPostcode(db, request.tenant.id, postcode);
      const addresses = found.map((a) => ({
        uprn: a.uprn,
        line1: a.line1,
        ...(a.line2 ? { line2: a.line2 } : {}),
        town: a.town,
        postcode: a.postcode,
      }));
      save({
        ...state,
        lookups: { ...state.lookups, [find]: { postcode, addresses } },
        flash: { pageId: item ? `${pageId}/${item}` : pageId, errors: [], values: stringValues(body) },
      });
      return reply.redirect(`${here}${change ? '?change=1' : ''}#${find}-uprn`, 303);
    }

    // The addresses this person may pick: those their searches found, and one picked before.
    const offered: Record<string, AddressAnswer> = {};
    for (const lookup of Object.values(state.lookups ?? {})) {
      for (const a of lookup.addresses) if (a.uprn) offered[a.uprn] = a;
    }
    const before = (index === undefined ? answers : (items[index] ?? {})) as Answers;
    for (const q of page.questions) {
      const a = before[q.id] as AddressAnswer | undefined;
      if (q.type === 'address' && a?.uprn) offered[a.uprn] ??= a;
    }
    // The address in the person's account, offered to them on the page, may be sent back.
    const known = await knownDetails(request);
    if (known?.address?.uprn) offered[known.address.uprn] ??= known.address;
    const stored = await storeUploads(request.tenant.id, uploads);
    const result = parsePage(definition, page, body, stored, {
      answers,
      addresses: offered,
      ...(index !== undefined && index < items.length ? { itemIndex: index } : {}),
    });
    if (result.kind === 'crafted') {
      await discard(request.tenant.id, stored);
      request.log.warn({ reason: result.reason, form: slug, page: pageId }, 'refused a crafted form post');
      throw refused();
    }
    if (result.errors.length) {
      await discard(request.tenant.id, stored);
      save({
        ...state,
        flash: { pageId: item ? `${pageId}/${item}` : pageId, errors: result.errors, values: result.values },
      });
      return reply.redirect(`${here}${change ? '?change=1' : ''}`, 303);
    }
    const next = applyPageAnswers(definition, answers, page, result.answers, index);
    await saveAnswers(request, slug, version, draft?.id, next, state, save, known?.accountId);
    if (item) return reply.redirect(`${pageUrl(slug, pageId)}${change ? '?change=1' : ''}`, 303);
    return reply.redirect(afterPage(slug, definition, next, pageId, change), 303);
  };

  const saveAnswers = async (
    request: FastifyRequest,
    slug: string,
    version: number,
    draftId: string | undefined,
    answers: Answers,
    state: FormSession,
    save: (next: FormSession) => void,
    accountId?: string,
  ) => {
    const expires = new Date(now().getTime() + draftLifetimeMs);
    let id = draftId;
    if (id) await saveDraftAnswers(db, request.tenant.id, id, answers, expires);
    else
      id = await createDraft(db, request.tenant.id, {
        formSlug: slug,
        formVersion: version,
        answers,
        expiresAt: expires,
        accountId: accountId ?? null,
      });
    save({ draftId: id, lookups: state.lookups });
  };

  const afterPage = (
    slug: string,
    definition: FormDefinition,
    answers: Answers,
    pageId: string,
    change: boolean,
  ) => {
    const missing = firstIncompletePage(definition, answers);
    // A change can open a page that was not shown before: ask it, then come back to the summary.
    if (change) return missing ? `${pageUrl(slug, missing)}?change=1` : `/forms/${slug}/check`;
    const following = nextPageId(definition, answers, pageId);
    return following ? pageUrl(slug, following) : `/forms/${slug}/check`;
  };

  app.post(
    '/forms/:slug/:pageId',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const { slug, pageId } = request.params as { slug: string; pageId: string };
      const { definition, version, answers, draft, state, save } = await load(request, slug);
      const page = findPage(definition, pageId);
      if (!page?.repeat) return answerPage(request, reply, slug, pageId);
      // The list of an "add another" section: add another, or move on.
      if (!pageAllowed(definition, answers, pageId)) throw refused();
      const { body } = await readBody(request);
      const change = (request.query as { change?: string }).change === '1';
      const known = new Set(['_csrf', 'addAnother']);
      if (Object.keys(body).some((k) => !known.has(k))) throw refused();
      const choice = body.addAnother;
      const items = repeatItems(answers, pageId);
      const canAdd = canAddRepeatItem(definition, answers, pageId);
      if (choice !== undefined && choice !== 'yes' && choice !== 'no') throw refused();
      if (canAdd && choice === undefined) {
        const error: FieldError = {
          questionId: 'addAnother',
          href: '#addAnother',
          message: { key: 'forms.repeat.choose' },
        };
        save({ ...state, flash: { pageId, errors: [error], values: {} } });
        return reply.redirect(pageUrl(slug, pageId), 303);
      }
      if (choice === 'yes' && canAdd)
        return reply.redirect(`${pageUrl(slug, pageId)}/${items.length + 1}`, 303);
      if (items.length < page.repeat.min)
        return reply.redirect(`${pageUrl(slug, pageId)}/${items.length + 1}`, 303);
      // "No" with no items is an answer too: the section is done, empty.
      const next = items.length ? answers : setRepeatItems(definition, answers, pageId, []);
      if (!items.length) await saveAnswers(request, slug, version, draft?.id, next, state, save);
      return reply.redirect(afterPage(slug, definition, next, pageId, change), 303);
    },
  );

  app.post(
    '/forms/:slug/:pageId/:item',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const { slug, pageId, item } = request.params as { slug: string; pageId: string; item: string };
      if (!/^[1-9]\d{0,2}$/.test(item)) throw notFound();
      return answerPage(request, reply, slug, pageId, Number(item));
    },
  );

  app.post(
    '/forms/:slug/:pageId/:item/remove',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const { slug, pageId, item } = request.params as { slug: string; pageId: string; item: string };
      const { definition, version, answers, draft, state, save } = await load(request, slug);
      const page = findPage(definition, pageId);
      const index = Number(item) - 1;
      if (
        !page?.repeat ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= repeatItems(answers, pageId).length
      ) {
        throw refused();
      }
      if (!pageAllowed(definition, answers, pageId)) throw refused();
      const next = removeRepeatItem(answers, pageId, index);
      await saveAnswers(request, slug, version, draft?.id, next, state, save);
      return reply.redirect(pageUrl(slug, pageId), 303);
    },
  );

  /** Form fields and uploaded files, from a urlencoded or a multipart body. */
  async function readBody(request: FastifyRequest) {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body: RawBody = {};
    const uploads: Record<string, { filename: string; bytes: Buffer }[]> = {};
    for (const [name, value] of Object.entries(raw)) {
      const parts = Array.isArray(value) ? value : [value];
      for (const part of parts) {
        if (part && typeof part === 'object' && 'type' in part) {
          const p = part as {
            type: string;
            value?: unknown;
            filename?: string;
            toBuffer?: () => Promise<Buffer>;
          };
          if (p.type === 'file' && p.toBuffer) {
            const bytes = await p.toBuffer();
            if (bytes.length === 0 && !p.filename) continue;
            const list = uploads[name] ?? [];
            list.push({ filename: p.filename ?? 'file', bytes });
            uploads[name] = list;
          } else {
            add(body, name, String(p.value ?? ''));
          }
        } else if (typeof part === 'string') {
          add(body, name, part);
        }
      }
    }
    return { body, uploads };
  }

  async function storeUploads(
    tenantId: string,
    uploads: Record<string, { filename: string; bytes: Buffer }[]>,
  ): Promise<Record<string, FileAnswer[]>> {
    const out: Record<string, FileAnswer[]> = {};
    for (const [name, list] of Object.entries(uploads)) {
      for (const upload of list) {
        if (upload.bytes.length === 0) continue;
        const mimeType = sniffMimeType(upload.bytes) ?? 'application/octet-stream';
        const saved = await files.put(tenantId, upload.bytes, {
          filename: upload.filename,
          contentType: mimeType,
        });
        const list = out[name] ?? [];
        out[name] = list;
        list.push({
          id: saved.id,
          filename: saved.filename,
          mimeType,
          size: upload.bytes.length,
        });
      }
    }
    return out;
  }

  async function discard(tenantId: string, stored: Record<string, FileAnswer[]>) {
    for (const list of Object.values(stored)) for (const f of list) await files.delete(tenantId, f.id);
  }
}

/**
 * Which address question, if any, this post asks to search: its "Find address" button, or
 * Enter pressed in a postcode typed into the search with nothing picked or typed by hand
 * (browsers submit with the form's first button, which is "Find address").
 */
function addressSearch(page: Page, body: RawBody): string | 'refused' | undefined {
  const asked = body._find;
  if (asked !== undefined) {
    const question = page.questions.find((q) => q.id === asked && q.type === 'address');
    if (!question) return 'refused';
    const id = question.id;
    const typed = ['line1', 'line2', 'town'].some((p) => String(body[`${id}-${p}`] ?? '').trim());
    const postcode = String(body[`${id}-postcode`] ?? '').trim();
    // Enter pressed in a typed address: that is "Continue", not a search.
    if (!postcode && typed) {
      delete body._find;
      return undefined;
    }
    delete body._find;
    return id;
  }
  for (const q of page.questions) {
    if (q.type !== 'address' || q.lookup === false) continue;
    const picked = String(body[`${q.id}-uprn`] ?? '').trim();
    const typed = ['line1', 'line2', 'town'].some((p) => String(body[`${q.id}-${p}`] ?? '').trim());
    if (!picked && !typed && String(body[`${q.id}-postcode`] ?? '').trim()) return q.id;
  }
  return undefined;
}

function stringValues(body: RawBody): RawValues {
  const values: RawValues = {};
  for (const [k, v] of Object.entries(body)) if (v !== undefined && !k.startsWith('_')) values[k] = v;
  return values;
}

function add(body: RawBody, name: string, value: string) {
  const existing = body[name];
  if (existing === undefined) body[name] = value;
  else body[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
}

function refused(): AppError {
  return new AppError('refused');
}

function lastShownPage(definition: FormDefinition, answers: Answers): string {
  const pages = resolveJourney(definition, answers).pages;
  return pages[pages.length - 1]?.page.id ?? definition.pages[0]!.id;
}

function blocks(text: string) {
  return contentBlocks(text);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
