import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { findByPostcode } from '../../platform/gazetteer/store.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { isSingleAddress } from '../../platform/mail/message.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import { statusBook } from '../cases/workflow.ts';
import { formatPhone, normaliseEmail, normalisePhone, normalisePostcode } from '../forms/engine/index.ts';
import { formTitle } from '../forms/service.ts';
import { alertsFollowedBy } from '../reports/service.ts';
import {
  type Account,
  type AccountAddress,
  type AccountsService,
  deviceOf,
  type PendingCode,
} from './service.ts';

const view = (name: string) => `modules/accounts/views/${name}.njk`;
const maxEmail = 254;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Errors = Record<string, string>;
/** The codes this module's own pages ask for (linking a provider has its own, in identity). */
type Purpose = Exclude<PendingCode['purpose'], 'link-identity'>;

/** Only our own pages: a returnTo that leaves the site is dropped. */
function safeReturn(value: unknown): string | undefined {
  const s = typeof value === 'string' ? value : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) && s.length < 500 ? s : undefined;
}

/** The message and status for a code that was not accepted; the same on every page that takes a code. */
export function codeErrors(result: { status: string }): { key: string; status: number } | undefined {
  switch (result.status) {
    case 'malformed':
      return { key: 'accounts.code.error-malformed', status: 400 };
    case 'incorrect':
      return { key: 'accounts.code.error-incorrect', status: 400 };
    case 'expired':
      return { key: 'accounts.code.error-expired', status: 400 };
    case 'throttled':
      return { key: 'accounts.code.error-throttled', status: 429 };
    default:
      return undefined;
  }
}

/** What the identity module adds to resident sign-in: more ways in, and what follows one. */
export interface SignInExtras {
  /** More for the sign-in page (passkey, OpenID provider buttons). */
  options(request: FastifyRequest, returnTo: string | undefined): Promise<Record<string, unknown>>;
  /** Where to go once signed in, given where the person was going (and noting what to offer there). */
  next(request: FastifyRequest, accountId: string, returnTo: string): Promise<string>;
  /** More for the My Account page (an offer to add a passkey after a sign-in). */
  accountPage(request: FastifyRequest, accountId: string): Promise<Record<string, unknown>>;
  /** More for "download my data": the account's passkeys and linked accounts. */
  exportData(request: FastifyRequest, accountId: string): Promise<Record<string, unknown>>;
}

export function registerAccounts(
  app: FastifyInstance,
  services: Services & { accounts: AccountsService; signInExtras?: SignInExtras },
) {
  const { db, i18n, accounts } = services;

  const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
  const text = (request: FastifyRequest, name: string, max = 200) =>
    String(body(request)[name] ?? '')
      .trim()
      .slice(0, max);
  const list = (request: FastifyRequest, name: string) => {
    const v = body(request)[name];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  };

  const summaryOf = (request: FastifyRequest, errors: Errors) => {
    const t = i18n.t(request.lang);
    return Object.entries(errors).map(([id, key]) => ({ text: t(key), href: `#${id}` }));
  };
  const messagesOf = (request: FastifyRequest, errors: Errors) => {
    const t = i18n.t(request.lang);
    return Object.fromEntries(Object.entries(errors).map(([id, key]) => [id, { text: t(key) }]));
  };

  /** The signed-in person, or a redirect to sign in that comes back here. */
  const requireAccount = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const account = await accounts.signedIn(request);
    if (!account) {
      void reply.redirect(`/sign-in?returnTo=${encodeURIComponent(request.url)}`, 303);
      return undefined;
    }
    return account;
  };

  // Sign in, or create an account: one emailed code either way.

  const emailPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    opts: {
      value?: string;
      errors?: Errors;
      returnTo?: string;
      purpose: Purpose;
      ended?: string | undefined;
      status?: number;
    },
  ) => {
    const errors = opts.errors ?? {};
    const extras =
      opts.purpose === 'sign-in' && services.signInExtras
        ? await services.signInExtras.options(request, opts.returnTo)
        : {};
    return reply
      .code(opts.status ?? (Object.keys(errors).length ? 400 : 200))
      .header('cache-control', 'no-store')
      .render(view(opts.purpose === 'sign-in' ? 'sign-in' : 'add-email'), {
        ...extras,
        value: opts.value ?? '',
        returnTo: opts.returnTo,
        ended: opts.ended,
        errorSummary: summaryOf(request, errors),
        errors: messagesOf(request, errors),
      });
  };

  const codePage = (
    request: FastifyRequest,
    reply: FastifyReply,
    pending: PendingCode,
    errors: Errors = {},
    status = 200,
  ) =>
    reply
      .code(Object.keys(errors).length ? status : 200)
      .header('cache-control', 'no-store')
      .render(view('code'), {
        email: pending.email,
        purpose: pending.purpose,
        action: pending.purpose === 'sign-in' ? '/sign-in/code' : '/account/emails/code',
        again: pending.purpose === 'sign-in' ? '/sign-in' : '/account/emails/add',
        errorSummary: summaryOf(request, errors),
        errors: messagesOf(request, errors),
      });

  /** Checks the address and sends a code; answers the same for every address. */
  const sendCode = async (request: FastifyRequest, reply: FastifyReply, purpose: Purpose) => {
    const typed = text(request, 'email', maxEmail + 1);
    const returnTo = safeReturn(body(request).returnTo);
    const errors: Errors = {};
    const email = typed.length <= maxEmail ? normaliseEmail(typed) : undefined;
    if (!typed) errors.email = 'accounts.sign-in.error-email-empty';
    else if (!email || !isSingleAddress(email)) errors.email = 'accounts.sign-in.error-email-invalid';
    if (!email || Object.keys(errors).length)
      return emailPage(request, reply, { value: typed, errors, returnTo, purpose });
    const t = i18n.t(request.lang);
    const council = localise(request.tenant.name, request.lang).text;
    const sent = await accounts.sendCode({
      tenantId: request.tenant.id,
      email,
      ip: request.ip,
      message: (code) => ({
        subject: t('accounts.code.email-subject', { code, council }),
        text: t('accounts.code.email-body', { code, council }),
      }),
    });
    if (sent.status === 'throttled') {
      return emailPage(request, reply, {
        value: email,
        errors: { email: 'accounts.sign-in.error-too-many' },
        returnTo,
        purpose,
        status: 429,
      });
    }
    const session = await request.session();
    session.set('residentCode', {
      purpose,
      email,
      challengeId: sent.challengeId,
      ...(returnTo ? { returnTo } : {}),
    } satisfies PendingCode);
    return reply.redirect(purpose === 'sign-in' ? '/sign-in/code' : '/account/emails/code', 303);
  };

  const pendingCode = async (request: FastifyRequest, purpose: Purpose) => {
    const pending = (await request.session()).get<PendingCode>('residentCode');
    return pending?.purpose === purpose ? pending : undefined;
  };

  app.get('/sign-in', async (request, reply) => {
    const query = request.query as { returnTo?: string; signedOut?: string };
    const returnTo = safeReturn(query.returnTo);
    if (await accounts.signedIn(request)) return reply.redirect(returnTo ?? '/account', 303);
    const ended = ['1', 'everywhere', 'closed'].includes(query.signedOut ?? '') ? query.signedOut : undefined;
    return emailPage(request, reply, { purpose: 'sign-in', ...(returnTo ? { returnTo } : {}), ended });
  });

  app.post('/sign-in', { config: { rateLimit: rateLimits.signIn } }, (request, reply) =>
    sendCode(request, reply, 'sign-in'),
  );

  app.get('/sign-in/code', async (request, reply) => {
    const pending = await pendingCode(request, 'sign-in');
    if (!pending) return reply.redirect('/sign-in', 303);
    return codePage(request, reply, pending);
  });

  app.post('/sign-in/code', { config: { rateLimit: rateLimits.signIn } }, async (request, reply) => {
    const pending = await pendingCode(request, 'sign-in');
    if (!pending) return reply.redirect('/sign-in', 303);
    const result = await accounts.signIn(request, pending, text(request, 'code', 20));
    if (result.status !== 'signed-in') {
      const problem = codeErrors(result)!;
      return codePage(request, reply, pending, { code: problem.key }, problem.status);
    }
    const session = await request.session();
    session.set('residentCode', undefined);
    const account = await accounts.signedIn(request);
    const claimable = account ? await accounts.claimable(request.tenant.id, account) : undefined;
    if (claimable && (claimable.cases.length || claimable.drafts.length)) {
      return reply.redirect(
        `/account/claim${pending.returnTo ? `?returnTo=${encodeURIComponent(pending.returnTo)}` : ''}`,
        303,
      );
    }
    const returnTo = pending.returnTo ?? '/account';
    return reply.redirect(
      account && services.signInExtras
        ? await services.signInExtras.next(request, account.id, returnTo)
        : returnTo,
      303,
    );
  });

  app.post('/sign-out', async (request, reply) => {
    const account = await accounts.signedIn(request);
    if (account) await accounts.signedOut(request, account.id, false);
    accounts.signOut(await request.session());
    return reply.redirect('/sign-in?signedOut=1', 303);
  });

  // My Account.

  const caseRows = async (
    request: FastifyRequest,
    cases: Awaited<ReturnType<AccountsService['overview']>>['cases'],
  ) => {
    const t = i18n.t(request.lang);
    const book = await statusBook(db, request.tenant.id);
    return Promise.all(
      cases.map(async (c) => {
        const status = book.label(c.queue, c.status, request.lang, t);
        return {
          id: c.id,
          reference: c.reference,
          title: await formTitle(db, request.tenant.id, c.formSlug, c.formVersion, request.lang),
          status: status.text,
          statusLang: status.lang,
          createdAt: c.createdAt,
        };
      }),
    );
  };

  const draftRows = async (
    request: FastifyRequest,
    drafts: Awaited<ReturnType<AccountsService['overview']>>['drafts'],
  ) =>
    Promise.all(
      drafts.map(async (d) => ({
        id: d.id,
        title: await formTitle(db, request.tenant.id, d.formSlug, d.formVersion, request.lang),
        updatedAt: d.updatedAt,
        expiresAt: d.expiresAt,
      })),
    );

  app.get('/account', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const overview = await accounts.overview(request.tenant.id, account);
    // A one-off message ("details saved") is shown once, on the page that follows.
    const session = await request.session();
    const notice = session.get<string>('accountFlash');
    if (notice) session.set('accountFlash', undefined);
    return reply.render(view('account'), {
      ...(services.signInExtras ? await services.signInExtras.accountPage(request, account.id) : {}),
      account,
      name: [account.givenName, account.familyName].filter(Boolean).join(' '),
      phone: account.phone ? formatPhone(account.phone) : undefined,
      cases: await caseRows(request, overview.cases),
      drafts: await draftRows(request, overview.drafts),
      mail: overview.mail,
      claimable: overview.claimable.cases.length + overview.claimable.drafts.length,
      alerts: await alertsFollowedBy(
        services,
        request.tenant,
        account.emails.map((e) => e.email),
      ),
      notice,
    });
  });

  const flash = async (request: FastifyRequest, key: string) =>
    (await request.session()).set('accountFlash', key);

  app.get('/account/claim', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const claimable = await accounts.claimable(request.tenant.id, account);
    if (!claimable.cases.length && !claimable.drafts.length) return reply.redirect('/account', 303);
    return reply.render(view('claim'), {
      cases: await caseRows(request, claimable.cases),
      drafts: await draftRows(request, claimable.drafts),
      returnTo: safeReturn((request.query as { returnTo?: string }).returnTo),
    });
  });

  app.post('/account/claim', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const returnTo = safeReturn(body(request).returnTo) ?? '/account';
    if (text(request, 'choice') === 'none') return reply.redirect(returnTo, 303);
    const cases = list(request, 'cases').filter((id) => uuid.test(id));
    const drafts = list(request, 'drafts').filter((id) => uuid.test(id));
    if (!cases.length && !drafts.length) {
      const claimable = await accounts.claimable(request.tenant.id, account);
      return reply.code(400).render(view('claim'), {
        cases: await caseRows(request, claimable.cases),
        drafts: await draftRows(request, claimable.drafts),
        returnTo,
        errorSummary: summaryOf(request, { items: 'accounts.claim.error-none' }),
        errors: messagesOf(request, { items: 'accounts.claim.error-none' }),
      });
    }
    await accounts.claim(request, account, { cases, drafts });
    await flash(request, 'accounts.claim.done');
    return reply.redirect(returnTo, 303);
  });

  app.get('/account/drafts/:id', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const { id } = request.params as { id: string };
    const draft = (await accounts.drafts(request.tenant.id, account)).find((d) => d.id === id);
    if (!draft) return reply.redirect('/account', 303);
    // Carry on where they left off: the form's own session state points at this draft.
    const session = await request.session();
    const forms = session.get<Record<string, unknown>>('forms') ?? {};
    session.set('forms', { ...forms, [draft.formSlug]: { draftId: draft.id } });
    return reply.redirect(`/forms/${draft.formSlug}`, 303);
  });

  app.get('/account/messages/:id', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const { id } = request.params as { id: string };
    const message = /^\d{1,19}$/.test(id) ? await accounts.mail(request.tenant.id, account, id) : undefined;
    if (!message) return reply.redirect('/account', 303);
    return reply.render(view('message'), { message });
  });

  // Details: nothing is required; each is used only where the person chooses to use it.

  const detailsPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
    values: Record<string, string>,
    errors: Errors = {},
  ) =>
    reply.code(Object.keys(errors).length ? 400 : 200).render(view('details'), {
      account,
      values,
      errorSummary: summaryOf(request, errors),
      errors: messagesOf(request, errors),
    });

  app.get('/account/details', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    return detailsPage(request, reply, account, {
      givenName: account.givenName ?? '',
      familyName: account.familyName ?? '',
      phone: account.phone ? formatPhone(account.phone) : '',
      preferredLanguage: account.preferredLanguage ?? '',
      preferredChannel: account.preferredChannel ?? '',
    });
  });

  app.post('/account/details', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const values = {
      givenName: text(request, 'givenName', 101),
      familyName: text(request, 'familyName', 101),
      phone: text(request, 'phone', 31),
      preferredLanguage: text(request, 'preferredLanguage'),
      preferredChannel: text(request, 'preferredChannel'),
    };
    const errors: Errors = {};
    if (values.givenName.length > 100) errors.givenName = 'accounts.details.error-given-name-long';
    if (values.familyName.length > 100) errors.familyName = 'accounts.details.error-family-name-long';
    const phone = values.phone ? (normalisePhone(values.phone) ?? null) : null;
    if (values.phone && !phone) errors.phone = 'accounts.details.error-phone';
    if (values.preferredLanguage && !['en', 'cy'].includes(values.preferredLanguage))
      errors.preferredLanguage = 'accounts.details.error-choice';
    if (values.preferredChannel && !['email', 'phone', 'letter'].includes(values.preferredChannel))
      errors.preferredChannel = 'accounts.details.error-choice';
    if (values.preferredChannel === 'phone' && !phone)
      errors.phone = 'accounts.details.error-phone-for-channel';
    if (values.preferredChannel === 'letter' && !account.address)
      errors.preferredChannel = 'accounts.details.error-address-for-letter';
    if (Object.keys(errors).length) return detailsPage(request, reply, account, values, errors);
    await accounts.updateDetails(request, account, {
      givenName: values.givenName || null,
      familyName: values.familyName || null,
      phone,
      address: account.address,
      preferredLanguage: (values.preferredLanguage || null) as 'en' | 'cy' | null,
      preferredChannel: (values.preferredChannel || null) as 'email' | 'phone' | 'letter' | null,
    });
    await flash(request, 'accounts.details.saved');
    return reply.redirect('/account', 303);
  });

  // Address: found in the council's gazetteer by postcode (keeping the UPRN), or typed.

  app.get('/account/address', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const postcode = String((request.query as { postcode?: string }).postcode ?? '')
      .trim()
      .slice(0, 12);
    const found = postcode ? await findByPostcode(db, request.tenant.id, postcode) : [];
    const errors: Errors = postcode && !found.length ? { postcode: 'accounts.address.error-none-found' } : {};
    return reply.code(Object.keys(errors).length ? 400 : 200).render(view('address'), {
      account,
      postcode,
      found: found.map((a) => ({
        value: a.uprn,
        text: [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', '),
      })),
      manual: {},
      errorSummary: summaryOf(request, errors),
      errors: messagesOf(request, errors),
    });
  });

  app.post('/account/address', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    let address: AccountAddress | null = null;
    const errors: Errors = {};
    const uprn = text(request, 'uprn', 20);
    const postcode = text(request, 'postcode', 12);
    const manual = {
      line1: text(request, 'line1', 121),
      line2: text(request, 'line2', 121),
      town: text(request, 'town', 81),
      postcode: text(request, 'manualPostcode', 12),
    };
    if (text(request, 'remove') === '1') {
      address = null;
    } else if (uprn) {
      const picked = (await findByPostcode(db, request.tenant.id, postcode)).find((a) => a.uprn === uprn);
      if (!picked) errors.uprn = 'accounts.address.error-pick';
      else
        address = {
          uprn: picked.uprn,
          line1: picked.line1,
          ...(picked.line2 ? { line2: picked.line2 } : {}),
          town: picked.town,
          postcode: picked.postcode,
        };
    } else {
      if (!manual.line1) errors.line1 = 'accounts.address.error-line1';
      if (!manual.town) errors.town = 'accounts.address.error-town';
      const pc = normalisePostcode(manual.postcode);
      if (!pc) errors.manualPostcode = 'accounts.address.error-postcode';
      if (manual.line1.length > 120 || manual.line2.length > 120 || manual.town.length > 80)
        errors.line1 = 'accounts.address.error-long';
      if (!Object.keys(errors).length)
        address = {
          line1: manual.line1,
          ...(manual.line2 ? { line2: manual.line2 } : {}),
          town: manual.town,
          postcode: pc!,
        };
    }
    if (Object.keys(errors).length) {
      const found = postcode ? await findByPostcode(db, request.tenant.id, postcode) : [];
      return reply.code(400).render(view('address'), {
        account,
        postcode,
        found: found.map((a) => ({
          value: a.uprn,
          text: [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', '),
        })),
        manual,
        errorSummary: summaryOf(request, errors),
        errors: messagesOf(request, errors),
      });
    }
    await accounts.updateDetails(request, account, { ...account, address });
    await flash(request, 'accounts.details.saved');
    return reply.redirect('/account', 303);
  });

  // Emails: several, each proved; never fewer than one.

  app.get('/account/emails/add', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    return emailPage(request, reply, { purpose: 'add-email' });
  });

  app.post('/account/emails/add', { config: { rateLimit: rateLimits.signIn } }, async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    return sendCode(request, reply, 'add-email');
  });

  app.get('/account/emails/code', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const pending = await pendingCode(request, 'add-email');
    if (!pending) return reply.redirect('/account/emails/add', 303);
    return codePage(request, reply, pending);
  });

  app.post('/account/emails/code', { config: { rateLimit: rateLimits.signIn } }, async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const pending = await pendingCode(request, 'add-email');
    if (!pending) return reply.redirect('/account/emails/add', 303);
    const result = await accounts.addEmail(request, account, pending, text(request, 'code', 20));
    if (result.status === 'taken')
      return codePage(request, reply, pending, { code: 'accounts.emails.error-taken' }, 400);
    if (result.status !== 'added') {
      const problem = codeErrors(result)!;
      return codePage(request, reply, pending, { code: problem.key }, problem.status);
    }
    (await request.session()).set('residentCode', undefined);
    await flash(request, 'accounts.emails.added');
    const claimable = await accounts.claimable(request.tenant.id, (await accounts.signedIn(request))!);
    return reply.redirect(
      claimable.cases.length || claimable.drafts.length ? '/account/claim' : '/account',
      303,
    );
  });

  app.post('/account/emails/remove', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const removed = await accounts.removeEmail(request, account, text(request, 'email', maxEmail));
    await flash(request, removed ? 'accounts.emails.removed' : 'accounts.emails.error-last');
    return reply.redirect('/account', 303);
  });

  // Security: sessions and activity.

  app.get('/account/security', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const t = i18n.t(request.lang);
    const [sessions, activity] = await Promise.all([
      accounts.sessions(request, account),
      accounts.activity(request.tenant.id, account),
    ]);
    return reply.render(view('security'), {
      sessions: sessions.map((s) => ({
        ...s,
        device: s.device || t('accounts.security.unknown-device'),
      })),
      activity: activity.map((a) => ({
        at: a.at,
        // The identity module's own actions carry their own texts.
        what: t(
          a.action.startsWith('identity.')
            ? a.action
            : `accounts.activity.${a.action.replace('resident.', '')}`,
        ),
      })),
      thisDevice: deviceOf(request.headers['user-agent']),
    });
  });

  app.post('/account/sign-out-everywhere', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    await accounts.signOutEverywhere(request, account);
    return reply.redirect('/sign-in?signedOut=everywhere', 303);
  });

  app.get('/account/data.json', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const data = {
      ...(await accounts.export(request.tenant.id, account)),
      ...(services.signInExtras ? await services.signInExtras.exportData(request, account.id) : {}),
    };
    return reply
      .header('content-disposition', `attachment; filename="my-data-${request.tenant.slug}.json"`)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ council: request.tenant.slug, exported_at: services.now(), ...data }, null, 2));
  });

  app.get('/account/close', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const overview = await accounts.overview(request.tenant.id, account);
    return reply.render(view('close'), { cases: await caseRows(request, overview.cases) });
  });

  app.post('/account/close', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    if (text(request, 'confirm') !== 'yes') {
      const overview = await accounts.overview(request.tenant.id, account);
      const errors = { confirm: 'accounts.close.error-confirm' };
      return reply.code(400).render(view('close'), {
        cases: await caseRows(request, overview.cases),
        errorSummary: summaryOf(request, errors),
        errors: messagesOf(request, errors),
      });
    }
    await accounts.close(request, account);
    return reply.redirect('/sign-in?signedOut=closed', 303);
  });
}
