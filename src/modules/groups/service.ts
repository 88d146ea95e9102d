/**
 * Standing stakeholder groups: members are CRM people and organisations (an organisation is
 * reached through its contacts). Members see the group's page by an emailed, signed link
 * or by signing in; anyone may ask to join, and staff decide.
 */
import { publicOrigin } from '../../config.ts';
import type { Queryable } from '../../db/database.ts';
import type { I18n } from '../../platform/i18n/catalogue.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import type { Signer } from '../../platform/security/signer.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import { linkContact, recordInteraction } from '../crm/service.ts';
import { type EventRow, inviteToken, whenText } from '../events/service.ts';
import {
  addMember,
  decideRequest,
  findRequest,
  type Group,
  insertRequest,
  invitees,
  type MembershipRequest,
} from './store.ts';

export * from './store.ts';

/**
 * Everyone an invitation to the group goes to (for a meeting, or a survey): member people
 * and the contacts of member organisations, once per email address.
 */
export async function groupInvitees(
  db: Queryable,
  tenantId: string,
  groupId: string,
): Promise<{ name: string; email: string; personId: string | null }[]> {
  return invitees(db, tenantId, groupId);
}

export interface GroupsDeps {
  mailer: Mailer;
  i18n: I18n;
  signer: Signer;
  config: { publicOriginTemplate: string };
}

const pagePurpose = 'group-page';

export function memberToken(signer: Signer, tenantId: string, groupId: string, personId: string): string {
  return signer.sign(pagePurpose, `${tenantId}:${groupId}:${personId}`);
}

export function memberTokenValid(
  signer: Signer,
  tenantId: string,
  groupId: string,
  personId: string,
  token: unknown,
): boolean {
  return signer.verify(pagePurpose, `${tenantId}:${groupId}:${personId}`, token);
}

export function memberLink(deps: GroupsDeps, tenant: Tenant, group: Group, personId: string): string {
  const token = memberToken(deps.signer, tenant.id, group.id, personId);
  return `${publicOrigin(deps.config, tenant.slug)}/groups/${group.slug}?member=${personId}&token=${token}`;
}

export async function requestMembership(
  tx: Queryable,
  tenantId: string,
  r: Pick<MembershipRequest, 'groupId' | 'name' | 'email' | 'organisation' | 'reason' | 'lang'>,
): Promise<string> {
  return insertRequest(tx, tenantId, { ...r, email: r.email.toLowerCase() });
}

/** Approves or declines; an approved person joins (found or added in the CRM) and gets the group's link. */
export async function decide(
  deps: GroupsDeps,
  tx: Queryable,
  tenant: Tenant,
  group: Group,
  requestId: string,
  approve: boolean,
  staffId: string,
): Promise<MembershipRequest | undefined> {
  let personId: string | null = null;
  const t = (lang: Language) => deps.i18n.t(lang);
  const pending = await findRequest(tx, tenant.id, requestId);
  if (pending?.status !== 'pending' || pending.groupId !== group.id) return undefined;
  if (approve) {
    const [given, ...rest] = pending.name.trim().split(/\s+/);
    personId =
      (await linkContact(tx, tenant.id, {
        givenName: rest.length ? [given, ...rest.slice(0, -1)].join(' ') : (given ?? ''),
        familyName: rest.at(-1) ?? '',
        email: pending.email,
      })) ?? null;
  }
  const decided = await decideRequest(
    tx,
    tenant.id,
    requestId,
    approve ? 'approved' : 'declined',
    staffId,
    personId,
  );
  if (!decided || decided.groupId !== group.id) return undefined;
  const name = localise(group.name, decided.lang).text;
  if (approve && personId) {
    await addMember(tx, tenant.id, group.id, { personId });
    await recordInteraction(tx, tenant.id, {
      channel: 'web',
      kind: 'group-membership',
      personId,
      email: decided.email,
      summary: `Joined ${group.name.en}`,
      reason: 'Stakeholder group',
    });
    await deps.mailer.send(tx, tenant.id, {
      to: decided.email,
      subject: t(decided.lang)('groups.email.approved-subject', { group: name }),
      text: t(decided.lang)('groups.email.approved-body', {
        group: name,
        link: memberLink(deps, tenant, group, personId),
      }),
    });
  } else {
    await deps.mailer.send(tx, tenant.id, {
      to: decided.email,
      subject: t(decided.lang)('groups.email.declined-subject', { group: name }),
      text: t(decided.lang)('groups.email.declined-body', { group: name }),
    });
  }
  return decided;
}

/** Invites every member (and member organisations' contacts) to a meeting, in one step. */
export async function inviteGroupToEvent(
  deps: GroupsDeps,
  tx: Queryable,
  tenant: Tenant,
  group: Group,
  event: EventRow,
  lang: Language = 'en',
): Promise<number> {
  const origin = publicOrigin(deps.config, tenant.slug);
  const link =
    event.visibility === 'invitation'
      ? `${origin}/events/${event.slug}?invite=${inviteToken(deps.signer, tenant.id, event.id)}`
      : `${origin}/events/${event.slug}`;
  const people = await invitees(tx, tenant.id, group.id);
  const t = deps.i18n.t(lang);
  const title = localise(event.title, lang).text;
  for (const p of people) {
    await deps.mailer.send(tx, tenant.id, {
      to: p.email,
      subject: t('groups.email.invite-subject', { title }),
      text: t('groups.email.invite-body', {
        name: p.name || p.email,
        group: localise(group.name, lang).text,
        title,
        when: whenText(event, lang),
        link,
        page: p.personId ? memberLink(deps, tenant, group, p.personId) : `${origin}/groups/${group.slug}`,
      }),
    });
    if (p.personId)
      await recordInteraction(tx, tenant.id, {
        channel: 'email',
        kind: 'event-invitation',
        personId: p.personId,
        email: p.email,
        summary: `Invited with ${group.name.en} to ${event.title.en}`,
        reason: 'Stakeholder group',
      });
  }
  return people.length;
}
