import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { isSingleAddress } from '../../platform/mail/message.ts';
import type { Session } from '../../platform/sessions/sessions.ts';
import {
  allows,
  isRole,
  type Permission,
  permissions,
  platformPermission,
  type RoutePermission,
  roles,
} from './roles.ts';
import {
  absoluteLimitMs,
  idleLimitMs,
  type StaffService,
  type StaffSessionState,
  type StaffSignIn,
  secondFactorTriesPerSignIn,
  startStaffSession,
} from './service.ts';
import { countUsersByCouncil, findUserInAnyCouncil, listUsers, type StaffUser } from './store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What a /staff route needs: a permission, or "sign-in" for the pages that sign people in.
     * A /staff route without it answers 500: a forgotten check fails closed.
     */
    staff?: RoutePermission | 'sign-in';
  }
  interface FastifyRequest {
    /** The signed-in member of staff, on /staff routes that need a permission. */
    staffUser: StaffUser | undefined;
  }
}

const view = (name: string) => `modules/staff/views/${name}.njk`;
const maxEmailLength = 254;

/** Where each permission takes the person, for the staff home; those without a page yet say so. */
const areas: { permission: Permission; href?: string }[] = [
  { permission: 'cases.work', href: '/staff/cases' },
  { permission: 'contacts.handle', href: '/staff/search' },
  { permission: 'services.configure', href: '/staff/forms' },
  { permission: 'events.manage', href: '/staff/events' },
  { permission: 'insight.view' },
  { permission: 'staff.manage', href: '/staff/users' },
  { permission: 'staff.activity', href: '/staff/activity' },
  { permission: 'council.settings', href: '/staff/settings' },
];

type Field = { text: string } | undefined;

function errorsOf(fields: Record<string, string | undefined>, t: (k: string) => string) {
  const messages: Record<string, Field> = {};
  const summary: { text: string; href: string }[] = [];
  for (const [id, key] of Object.entries(fields)) {
    if (!key) continue;
    messages[id] = { text: t(key) };
    summary.push({ text: t(key), href: `#${id}` });
  }
  return { messages, summary };
}

export function registerStaff(
  app: FastifyInstance,
  services: Services & {
    staff: StaffService;
    /** Other modules' /staff pages, added inside this scope so the one permission hook guards them. */
    staffPages?: ((scope: FastifyInstance) => void)[];
    /** More for the sign-in page: single sign-on buttons (identity module). */
    signInExtras?: (request: FastifyRequest) => Promise<Record<string, unknown>>;
  },
): void {
  const { db, i18n, now, tenants, staff } = services;
  app.decorateRequest('staffUser', undefined);

  const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
  const field = (request: FastifyRequest, name: string, max = 200) =>
    String(body(request)[name] ?? '')
      .trim()
      .slice(0, max);

  const signInState = async (request: FastifyRequest) => {
    const session = await request.session();
    return { session, state: session.get<StaffSignIn>('staffSignIn') };
  };

  /** Ends the staff part of a session (sign-out, timeout, a removed account). */
  const endStaffSession = (session: Session) => {
    session.set('staff', undefined);
    session.set('staffSignIn', undefined);
    session.rotate();
  };

  void app.register(
    async (scope) => {
      // The one place /staff permissions are checked: every route names what it needs.
      scope.addHook('preHandler', async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const needed = request.routeOptions.config.staff;
        if (!needed) throw new Error(`staff route ${request.routeOptions.url} names no permission`);
        if (needed === 'sign-in') return;
        const session = await request.session();
        const state = session.get<StaffSessionState>('staff');
        if (!state) return reply.redirect('/staff/sign-in', 303);
        // Sessions belong to one council's host; a staff session of another council is nobody here.
        if (state.tenantId !== request.tenant.id) throw notFound();
        const at = now().getTime();
        const idle = session.lastSeenAt && at - session.lastSeenAt.getTime() > idleLimitMs;
        const tooOld = at - state.signedInAt > absoluteLimitMs;
        const user = await staff.findUser(request.tenant.id, state.userId);
        if (idle || tooOld || !user?.active) {
          endStaffSession(session);
          await staff.audit(request.tenant.id, user, 'staff.signed-out', request.ip, {
            reason: idle ? 'idle' : tooOld ? 'absolute-limit' : 'account-closed',
          });
          return reply.redirect(`/staff/sign-in?ended=${idle ? 'idle' : 'limit'}`, 303);
        }
        if (user.role !== state.role || user.platformAdmin !== state.platformAdmin) {
          // A change of privilege, made by an administrator since the last request: new session id.
          session.rotate();
          session.set('staff', { ...state, role: user.role, platformAdmin: user.platformAdmin });
        }
        request.staffUser = user;
        if (!allows(user, needed)) {
          const t = i18n.t(request.lang);
          return reply.code(403).render(view('forbidden'), {
            user,
            roleName: t(`staff.role.${user.role}`),
            areas: homeAreas(user, t),
          });
        }
      });

      const homeAreas = (user: StaffUser, t: (k: string) => string) =>
        areas
          .filter((a) => allows(user, a.permission))
          .map((a) => ({
            title: t(`staff.area.${a.permission}.title`),
            description: t(`staff.area.${a.permission}.description`),
            href: a.href,
          }));

      const page = (request: FastifyRequest, reply: FastifyReply, name: string, context = {}) =>
        reply.render(view(name), { user: request.staffUser, ...context });

      // Sign-in, step 1: the email address.
      const emailPage = async (
        reply: FastifyReply,
        request: FastifyRequest,
        value = '',
        error?: string,
        status = 200,
      ) => {
        const t = i18n.t(request.lang);
        const errors = errorsOf({ email: error }, t);
        const ended = (request.query as { ended?: string }).ended;
        const extras = services.signInExtras ? await services.signInExtras(request) : {};
        return reply.code(status).render(view('sign-in'), {
          ...extras,
          value,
          error: errors.messages.email,
          errorSummary: errors.summary,
          ended: ['idle', 'limit', 'signed-out', 'tries'].includes(ended ?? '') ? ended : undefined,
        });
      };

      scope.get('/sign-in', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const session = await request.session();
        if (session.get('staff')) return reply.redirect('/staff', 303);
        return emailPage(reply, request);
      });

      scope.post('/sign-in', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const typed = field(request, 'email', maxEmailLength + 1);
        const email = typed.toLowerCase();
        if (!typed) return emailPage(reply, request, typed, 'staff.sign-in.error-email-empty', 400);
        if (typed.length > maxEmailLength || !isSingleAddress(email) || !/@[^.]+\..+/.test(email))
          return emailPage(reply, request, typed, 'staff.sign-in.error-email-invalid', 400);
        const t = i18n.t(request.lang);
        const council = localise(request.tenant.name, request.lang).text;
        const result = await staff.requestCode({
          tenantId: request.tenant.id,
          email,
          ip: request.ip,
          message: (code) => ({
            subject: t('staff.sign-in.email-subject', { council }),
            text: t('staff.sign-in.email-body', { code, council }),
          }),
        });
        if (result.status === 'throttled')
          return emailPage(reply, request, typed, 'staff.sign-in.error-too-many-codes', 429);
        const { session } = await signInState(request);
        session.set('staffSignIn', { step: 'email-code', email, challengeId: result.challengeId });
        return reply.redirect('/staff/sign-in/code', 303);
      });

      // Step 2: the emailed code.
      const codePage = async (request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) => {
        const { state } = await signInState(request);
        if (state?.step !== 'email-code') return reply.redirect('/staff/sign-in', 303);
        const t = i18n.t(request.lang);
        const errors = errorsOf({ code: error }, t);
        return reply.code(status).render(view('code'), {
          email: state.email,
          error: errors.messages.code,
          errorSummary: errors.summary,
        });
      };

      scope.get('/sign-in/code', { config: { staff: 'sign-in' } }, (request, reply) =>
        codePage(request, reply),
      );

      scope.post('/sign-in/code', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const { session, state } = await signInState(request);
        if (state?.step !== 'email-code') return reply.redirect('/staff/sign-in', 303);
        const code = field(request, 'code', 20);
        if (!code) return codePage(request, reply, 'staff.code.error-empty', 400);
        const { result, user } = await staff.verifyCode({
          tenantId: request.tenant.id,
          challengeId: state.challengeId,
          email: state.email,
          code,
          ip: request.ip,
        });
        switch (result.status) {
          case 'malformed':
            return codePage(request, reply, 'staff.code.error-format', 400);
          case 'incorrect':
            return codePage(
              request,
              reply,
              result.triesLeft > 0 ? 'staff.code.error-incorrect' : 'staff.code.error-no-tries',
              400,
            );
          case 'expired':
            return codePage(request, reply, 'staff.code.error-expired', 400);
          case 'throttled':
            return codePage(request, reply, 'staff.code.error-throttled', 429);
        }
        // The email is proved: a new session id for the next, stronger step.
        session.rotate();
        const hasApp = staff.hasAuthenticator(user!);
        session.set('staffSignIn', {
          step: hasApp ? 'second-factor' : 'set-up',
          email: state.email,
          challengeId: state.challengeId,
          userId: user!.id,
          ...(hasApp ? {} : { setUpSecret: staff.newTotpSecret() }),
          misses: 0,
        } satisfies StaffSignIn);
        return reply.redirect(hasApp ? '/staff/sign-in/authenticator' : '/staff/sign-in/set-up', 303);
      });

      /** The person part way through sign-in at a given step, or a redirect back to the start. */
      const pending = async (request: FastifyRequest, step: StaffSignIn['step']) => {
        const { session, state } = await signInState(request);
        if (state?.step !== step || !state.userId) return undefined;
        const user = await staff.findUser(request.tenant.id, state.userId);
        if (!user?.active) return undefined;
        return { session, state, user };
      };

      /** Both factors passed: the person is signed in, under a new session id. */
      const completeSignIn = async (
        request: FastifyRequest,
        session: Session,
        user: StaffUser,
        method: StaffSessionState['method'],
      ) => {
        startStaffSession(session, user, method, now());
        await staff.audit(user.tenantId, user, 'staff.signed-in', request.ip, { method });
      };

      /** A wrong second factor: counted in this sign-in; too many and it starts again. */
      const miss = (session: Session, state: StaffSignIn): boolean => {
        const misses = (state.misses ?? 0) + 1;
        if (misses >= secondFactorTriesPerSignIn) {
          session.set('staffSignIn', undefined);
          return true;
        }
        session.set('staffSignIn', { ...state, misses });
        return false;
      };

      // Step 3: the authenticator app.
      const totpPage = (request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) => {
        const t = i18n.t(request.lang);
        const errors = errorsOf({ code: error }, t);
        return reply.code(status).render(view('authenticator'), {
          error: errors.messages.code,
          errorSummary: errors.summary,
        });
      };

      scope.get('/sign-in/authenticator', { config: { staff: 'sign-in' } }, async (request, reply) => {
        if (!(await pending(request, 'second-factor'))) return reply.redirect('/staff/sign-in', 303);
        return totpPage(request, reply);
      });

      scope.post('/sign-in/authenticator', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const found = await pending(request, 'second-factor');
        if (!found) return reply.redirect('/staff/sign-in', 303);
        const code = field(request, 'code', 20).replace(/\s/g, '');
        if (!code) return totpPage(request, reply, 'staff.authenticator.error-empty', 400);
        if (!/^\d{6}$/.test(code)) return totpPage(request, reply, 'staff.authenticator.error-format', 400);
        const result = await staff.verifyTotp(found.user, code, request.ip);
        if (result === 'accepted') {
          await completeSignIn(request, found.session, found.user, 'totp');
          return reply.redirect('/staff', 303);
        }
        if (result === 'throttled')
          return totpPage(request, reply, 'staff.authenticator.error-throttled', 429);
        if (miss(found.session, found.state)) return reply.redirect('/staff/sign-in?ended=tries', 303);
        return totpPage(request, reply, 'staff.authenticator.error-incorrect', 400);
      });

      // Step 3, instead: a recovery code.
      const recoveryPage = (request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) => {
        const t = i18n.t(request.lang);
        const errors = errorsOf({ code: error }, t);
        return reply.code(status).render(view('recovery-code'), {
          error: errors.messages.code,
          errorSummary: errors.summary,
        });
      };

      scope.get('/sign-in/recovery-code', { config: { staff: 'sign-in' } }, async (request, reply) => {
        if (!(await pending(request, 'second-factor'))) return reply.redirect('/staff/sign-in', 303);
        return recoveryPage(request, reply);
      });

      scope.post('/sign-in/recovery-code', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const found = await pending(request, 'second-factor');
        if (!found) return reply.redirect('/staff/sign-in', 303);
        const code = field(request, 'code', 40);
        if (!code) return recoveryPage(request, reply, 'staff.recovery-code.error-empty', 400);
        const result = await staff.useRecoveryCode(found.user, code, request.ip);
        if (result === 'accepted') {
          await completeSignIn(request, found.session, found.user, 'recovery-code');
          return reply.redirect('/staff', 303);
        }
        if (result === 'throttled')
          return recoveryPage(request, reply, 'staff.authenticator.error-throttled', 429);
        if (miss(found.session, found.state)) return reply.redirect('/staff/sign-in?ended=tries', 303);
        return recoveryPage(request, reply, 'staff.recovery-code.error-incorrect', 400);
      });

      // First sign-in: set up the authenticator app.
      const setUpPage = (
        request: FastifyRequest,
        reply: FastifyReply,
        found: { state: StaffSignIn; user: StaffUser },
        error?: string,
        status = 200,
      ) => {
        const t = i18n.t(request.lang);
        const errors = errorsOf({ code: error }, t);
        const secret = found.state.setUpSecret!;
        return reply.code(status).render(view('set-up'), {
          secret: secret.replace(/(.{4})/g, '$1 ').trim(),
          uri: staff.totpUri(secret, found.user.email, request.tenant.slug),
          error: errors.messages.code,
          errorSummary: errors.summary,
        });
      };

      scope.get('/sign-in/set-up', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const found = await pending(request, 'set-up');
        if (!found) return reply.redirect('/staff/sign-in', 303);
        return setUpPage(request, reply, found);
      });

      scope.post('/sign-in/set-up', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const found = await pending(request, 'set-up');
        if (!found) return reply.redirect('/staff/sign-in', 303);
        const code = field(request, 'code', 20).replace(/\s/g, '');
        if (!code) return setUpPage(request, reply, found, 'staff.authenticator.error-empty', 400);
        if (!/^\d{6}$/.test(code))
          return setUpPage(request, reply, found, 'staff.authenticator.error-format', 400);
        const { result, recoveryCodes } = await staff.setUpAuthenticator(
          found.user,
          found.state.setUpSecret!,
          code,
          request.ip,
        );
        if (result === 'throttled')
          return setUpPage(request, reply, found, 'staff.authenticator.error-throttled', 429);
        if (result === 'incorrect') {
          if (miss(found.session, found.state)) return reply.redirect('/staff/sign-in?ended=tries', 303);
          return setUpPage(request, reply, found, 'staff.set-up.error-incorrect', 400);
        }
        await completeSignIn(request, found.session, found.user, 'totp');
        // Shown once, in this response: never kept anywhere they could be read again.
        return reply.render(view('recovery-codes'), { codes: recoveryCodes, firstTime: true });
      });

      scope.post('/sign-out', { config: { staff: 'sign-in' } }, async (request, reply) => {
        const session = await request.session();
        const state = session.get<StaffSessionState>('staff');
        if (state && state.tenantId === request.tenant.id) {
          const user = await staff.findUser(request.tenant.id, state.userId);
          await staff.audit(request.tenant.id, user, 'staff.signed-out', request.ip, { reason: 'asked' });
        }
        endStaffSession(session);
        return reply.redirect('/staff/sign-in?ended=signed-out', 303);
      });

      // The staff home: what this role may use.
      scope.get('/', { config: { staff: 'staff.home' } }, async (request, reply) => {
        const user = request.staffUser!;
        const t = i18n.t(request.lang);
        return page(request, reply, 'home', {
          roleName: t(`staff.role.${user.role}`),
          areas: homeAreas(user, t),
        });
      });

      // The person's own security: authenticator, recovery codes.
      scope.get('/account', { config: { staff: 'staff.home' } }, async (request, reply) => {
        const user = request.staffUser!;
        return page(request, reply, 'account', { recoveryCodesLeft: await staff.recoveryCodesLeft(user) });
      });

      scope.post('/account/recovery-codes', { config: { staff: 'staff.home' } }, async (request, reply) => {
        const codes = await staff.newRecoveryCodes(request.staffUser!, request.ip);
        return page(request, reply, 'recovery-codes', { codes, firstTime: false });
      });

      // Administrators: the council's staff.
      scope.get('/users', { config: { staff: 'staff.manage' } }, async (request, reply) => {
        const t = i18n.t(request.lang);
        const users = await listUsers(db, request.tenant.id);
        return page(request, reply, 'users', {
          users: users.map((u) => ({ ...u, roleName: t(`staff.role.${u.role}`) })),
        });
      });

      const newUserPage = (
        request: FastifyRequest,
        reply: FastifyReply,
        values: Record<string, string> = {},
        fields: Record<string, string | undefined> = {},
        status = 200,
      ) => {
        const t = i18n.t(request.lang);
        const errors = errorsOf(fields, t);
        return page(request, reply.code(status), 'new-user', {
          values,
          errors: errors.messages,
          errorSummary: errors.summary,
          roleItems: roles.map((r) => ({ value: r, text: t(`staff.role.${r}`), checked: values.role === r })),
        });
      };

      scope.get('/users/new', { config: { staff: 'staff.manage' } }, (request, reply) =>
        newUserPage(request, reply),
      );

      scope.post('/users', { config: { staff: 'staff.manage' } }, async (request, reply) => {
        const values = {
          name: field(request, 'name'),
          email: field(request, 'email', maxEmailLength + 1).toLowerCase(),
          role: field(request, 'role', 40),
        };
        const fields = {
          name: values.name ? undefined : 'staff.users.error-name-empty',
          email: !values.email
            ? 'staff.sign-in.error-email-empty'
            : values.email.length > maxEmailLength || !isSingleAddress(values.email)
              ? 'staff.sign-in.error-email-invalid'
              : undefined,
          role: isRole(values.role) ? undefined : 'staff.users.error-role',
        };
        if (Object.values(fields).some(Boolean)) return newUserPage(request, reply, values, fields, 400);
        const created = await staff.createUser(
          request.staffUser,
          request.tenant.id,
          { name: values.name, email: values.email, role: values.role as StaffUser['role'] },
          request.ip,
        );
        if (!created)
          return newUserPage(request, reply, values, { email: 'staff.users.error-email-taken' }, 400);
        return reply.redirect(`/staff/users/${created.id}`, 303);
      });

      /** A member of staff by id: this council's, or, for platform administrators, any council's. */
      const userById = async (request: FastifyRequest) => {
        const { id } = request.params as { id: string };
        const admin = request.staffUser!;
        const user = admin.platformAdmin
          ? await findUserInAnyCouncil(db, id)
          : await staff.findUser(request.tenant.id, id);
        if (!user) throw notFound();
        return user;
      };

      const userPage = async (
        request: FastifyRequest,
        reply: FastifyReply,
        subject: StaffUser,
        roleError?: string,
        status = 200,
      ) => {
        const t = i18n.t(request.lang);
        const errors = errorsOf({ role: roleError }, t);
        const own = subject.tenantId === request.tenant.id;
        const entries = own
          ? await listAudit(db, request.tenant.id, {
              subjectType: 'staff-user',
              subjectId: subject.id,
              limit: 20,
            })
          : [];
        return page(request, reply.code(status), 'user', {
          subject: {
            ...subject,
            roleName: t(`staff.role.${subject.role}`),
            council: localise(tenants.byId(subject.tenantId)?.name ?? { en: '' }, request.lang).text,
            hasAuthenticator: staff.hasAuthenticator(subject),
          },
          own,
          entries: entries.map((e) => ({
            ...e,
            actionText: t(e.action.startsWith('identity.') ? e.action : `staff.action.${e.action}`),
          })),
          roleItems: roles.map((r) => ({
            value: r,
            text: t(`staff.role.${r}`),
            checked: subject.role === r,
          })),
          errors: errors.messages,
          errorSummary: errors.summary,
        });
      };

      scope.get('/users/:id', { config: { staff: 'staff.manage' } }, async (request, reply) =>
        userPage(request, reply, await userById(request)),
      );

      /** Changes are made only to this council's staff, even by platform administrators. */
      const ownUser = async (request: FastifyRequest) => {
        const { id } = request.params as { id: string };
        const user = await staff.findUser(request.tenant.id, id);
        if (!user) throw notFound();
        return user;
      };

      scope.post('/users/:id/role', { config: { staff: 'staff.manage' } }, async (request, reply) => {
        const subject = await ownUser(request);
        const role = field(request, 'role', 40);
        if (!isRole(role)) return userPage(request, reply, subject, 'staff.users.error-role', 400);
        await staff.changeRole(request.staffUser!, subject, role, request.ip);
        return reply.redirect(`/staff/users/${subject.id}`, 303);
      });

      scope.post(
        '/users/:id/reset-authenticator',
        { config: { staff: 'staff.manage' } },
        async (request, reply) => {
          const subject = await ownUser(request);
          await staff.resetAuthenticator(request.staffUser!, subject, request.ip);
          return reply.redirect(`/staff/users/${subject.id}`, 303);
        },
      );

      // Administrators: sign-ins, failures and method changes.
      scope.get('/activity', { config: { staff: 'staff.activity' } }, async (request, reply) => {
        const t = i18n.t(request.lang);
        const [entries, users] = await Promise.all([
          listAudit(db, request.tenant.id, { subjectType: 'staff-user', limit: 200 }),
          listUsers(db, request.tenant.id),
        ]);
        const byId = new Map(users.map((u) => [u.id, u]));
        return page(request, reply, 'activity', {
          entries: entries.map((e) => ({
            ...e,
            actionText: t(e.action.startsWith('identity.') ? e.action : `staff.action.${e.action}`),
            subjectName: e.subject.id
              ? (byId.get(e.subject.id)?.email ?? '')
              : t('staff.activity.unknown-address'),
            actorName: e.actor.id && e.actor.id !== e.subject.id ? (byId.get(e.actor.id)?.email ?? '') : '',
          })),
        });
      });

      // Platform administrators: every council and its staff.
      scope.get('/councils', { config: { staff: platformPermission } }, async (request, reply) => {
        const counts = await countUsersByCouncil(db);
        return page(request, reply, 'councils', {
          councils: tenants.all().map((c) => ({
            slug: c.slug,
            name: localise(c.name, request.lang).text,
            staff: counts.get(c.id) ?? 0,
          })),
        });
      });

      scope.get('/councils/:slug', { config: { staff: platformPermission } }, async (request, reply) => {
        const { slug } = request.params as { slug: string };
        const council = tenants.bySlug(slug);
        if (!council) throw notFound();
        const t = i18n.t(request.lang);
        const users = await listUsers(db, council.id);
        return page(request, reply, 'council', {
          council: { slug, name: localise(council.name, request.lang).text },
          users: users.map((u) => ({ ...u, roleName: t(`staff.role.${u.role}`) })),
        });
      });

      for (const add of services.staffPages ?? []) add(scope);
    },
    { prefix: '/staff' },
  );
}

/** Every permission has its texts: checked by the staff tests. */
export const permissionKeys = permissions.map((p) => `staff.area.${p}.title`);
