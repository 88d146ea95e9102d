import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliverMail, northshire, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, visitor } from '../../../test/support/staff.ts';
import { groupInvitees } from './service.ts';

let t: TestApp;
let staff: Awaited<ReturnType<typeof signInStaff>>;
let groupId: string;
before(async () => {
  t = await testApp({ TRUST_PROXY: '1' });
  staff = await signInStaff(t, riverford, 'admin@riverford.example');
  const [row] = await t.app.services.db.query<{ id: string }>(
    `select id from stakeholder_groups where tenant_id = $1 and slug = 'waste-partnership'`,
    [t.tenants.riverford.id],
  );
  groupId = row!.id;
});
after(() => t.close());

type Mail = { to: string; subject: string; text: string; attachments: { url: string }[] };
const mailbox = async (host = riverford) => (await deliverMail(t, host)) as Mail[];
const linkIn = (text: string, path: RegExp) => {
  const match = new RegExp(`https?://[^\\s]+${path.source}[^\\s]*`).exec(text);
  assert.ok(match, `no link like ${path} in:\n${text}`);
  return new URL(match[0]);
};

describe('stakeholder groups', () => {
  it('reaches member people and the contacts of member organisations, once per address', async () => {
    const invitees = await groupInvitees(t.app.services.db, t.tenants.riverford.id, groupId);
    assert.equal(invitees.length, 4);
    assert.ok(invitees.every((i) => i.personId && /@example\.com$/.test(i.email)));
    const contacts = await t.app.services.db.query<{ person_id: string }>(
      `select c.person_id from organisation_contacts c join group_members m
          on m.tenant_id = c.tenant_id and m.organisation_id = c.organisation_id
        where m.tenant_id = $1 and m.group_id = $2`,
      [t.tenants.riverford.id, groupId],
    );
    assert.ok(contacts.length > 0);
    for (const c of contacts) assert.ok(invitees.some((i) => i.personId === c.person_id));
    assert.deepEqual(await groupInvitees(t.app.services.db, t.tenants.northshire.id, groupId), []);
  });

  it('invites the whole group to a survey in one step: each member gets their own link, once', async () => {
    const page = await staff.get(`/staff/groups/${groupId}`);
    const surveyId = /<option value="([0-9a-f-]{36})"[^>]*>[^<]*waste strategy/i.exec(page.body)?.[1];
    assert.ok(surveyId, 'the stakeholder survey is offered');
    const refused = await staff.post(`/staff/groups/${groupId}`, `/staff/groups/${groupId}/invite-survey`, {
      survey: 'not-a-survey',
    });
    assert.equal(refused.statusCode, 400);
    assert.match(textOf(refused.body), /Select a survey by invitation that has not closed/);
    const sent = await staff.post(`/staff/groups/${groupId}`, `/staff/groups/${groupId}/invite-survey`, {
      survey: surveyId,
    });
    assert.equal(sent.headers.location, `/staff/groups/${groupId}?invited=4`);
    const links = (await mailbox())
      .map(
        (m) => /https?:\/\/[^\s]+\/surveys\/stakeholder-waste-strategy[^\s]*invite=[^\s]+/.exec(m.text)?.[0],
      )
      .filter(Boolean);
    assert.equal(new Set(links).size, 4, 'four members, four links of their own');
    const opened = await t.app.inject({
      url: new URL(links[0]!).pathname + new URL(links[0]!).search,
      headers: riverford,
    });
    assert.ok([200, 303].includes(opened.statusCode));
    // Again: those already invited are not invited twice.
    const again = await staff.post(`/staff/groups/${groupId}`, `/staff/groups/${groupId}/invite-survey`, {
      survey: surveyId,
    });
    assert.equal(again.headers.location, `/staff/groups/${groupId}?invited=0`);
  });

  it('invites the whole group to a meeting in one step; a member’s link opens the group page', async () => {
    const page = await staff.get(`/staff/groups/${groupId}`);
    assert.equal(page.statusCode, 200);
    const eventId = /<option value="([0-9a-f-]{36})"[^>]*>Waste partnership group meeting/.exec(
      page.body,
    )?.[1];
    assert.ok(eventId, 'the meeting is offered');
    const sent = await staff.post(`/staff/groups/${groupId}`, `/staff/groups/${groupId}/invite`, {
      event: eventId,
    });
    assert.equal(sent.headers.location, `/staff/groups/${groupId}?invited=4`);
    const invites = (await mailbox()).filter(
      (m) => m.subject === 'Invitation: Waste partnership group meeting',
    );
    assert.equal(invites.length, 4);
    const register = linkIn(invites[0]!.text, /\/events\/waste-partnership-meeting/);
    assert.equal((await t.app.inject({ url: register.pathname, headers: riverford })).statusCode, 200);

    const member = linkIn(invites[0]!.text, /\/groups\/waste-partnership\?member=/);
    const mine = await t.app.inject({ url: `${member.pathname}${member.search}`, headers: riverford });
    assert.equal(mine.statusCode, 200);
    const text = textOf(mine.body);
    assert.match(text, /Next meetings/);
    assert.match(text, /Waste partnership group meeting/);
    assert.match(text, /Next meeting: agenda and how to take part/);
    assert.match(text, /Waste partnership group meeting \(previous\)/);

    // Without the link, or with a forged one, the page keeps its papers to itself.
    for (const url of [
      '/groups/waste-partnership',
      `${member.pathname}${member.search.replace(/token=[^&]+/, 'token=forged')}`,
    ]) {
      const outside = textOf((await t.app.inject({ url, headers: riverford })).body);
      assert.doesNotMatch(outside, /Next meeting: agenda/);
      assert.match(outside, /Ask to join the group/);
    }
    const [logged] = await t.app.services.db.query<{ n: number }>(
      `select count(*)::int as n from interactions where tenant_id = $1 and kind = 'event-invitation'`,
      [t.tenants.riverford.id],
    );
    assert.equal(logged!.n, 4);
  });

  it('takes a request to join, which staff approve: the person joins from the CRM and gets their link', async () => {
    const who = visitor(t, riverford);
    const bad = await who.post('/groups/waste-partnership/join', '/groups/waste-partnership/join', {
      name: '',
      email: 'nope',
      organisation: '',
      reason: '',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#name"/);
    assert.match(bad.body, /href="#email"/);
    const asked = await who.post('/groups/waste-partnership/join', '/groups/waste-partnership/join', {
      name: 'Mari Jones',
      email: 'Mari.Jones@example.org',
      organisation: 'Millbrook Repair Café',
      reason: 'We fix things so they are not thrown away',
    });
    assert.equal(asked.headers.location, '/groups/waste-partnership/join/sent');

    const page = await staff.get(`/staff/groups/${groupId}`);
    assert.match(textOf(page.body), /Mari Jones mari\.jones@example\.org · Millbrook Repair Café/);
    const requestId = /\/requests\/([0-9a-f-]{36})"/.exec(page.body)?.[1];
    const approved = await staff.post(
      `/staff/groups/${groupId}`,
      `/staff/groups/${groupId}/requests/${requestId}`,
      {
        decision: 'approve',
      },
    );
    assert.equal(approved.statusCode, 303);
    const [welcome] = (await mailbox()).filter((m) => m.to === 'mari.jones@example.org');
    assert.equal(welcome?.subject, 'Welcome to Waste partnership group');
    const link = linkIn(welcome!.text, /\/groups\/waste-partnership\?member=/);
    const mine = textOf(
      (await t.app.inject({ url: `${link.pathname}${link.search}`, headers: riverford })).body,
    );
    assert.match(mine, /Next meeting: agenda/);
    const [timeline] = await t.app.services.db.query<{ summary: string }>(
      `select i.summary from interactions i join person_emails e on e.tenant_id = i.tenant_id and e.person_id = i.person_id
        where i.tenant_id = $1 and e.email = 'mari.jones@example.org' and i.kind = 'group-membership'`,
      [t.tenants.riverford.id],
    );
    assert.equal(timeline?.summary, 'Joined Waste partnership group');
  });

  it('adds a member found in the CRM by name, and keeps another council’s group out of reach', async () => {
    const [person] = await t.app.services.db.query<{ id: string; given_name: string; family_name: string }>(
      `select id, given_name, family_name from people p where tenant_id = $1 and not exists
         (select 1 from group_members m where m.tenant_id = p.tenant_id and m.person_id = p.id) order by id limit 1`,
      [t.tenants.riverford.id],
    );
    const name = `${person!.given_name} ${person!.family_name}`;
    const found = await staff.get(`/staff/groups/${groupId}?q=${encodeURIComponent(name)}`);
    assert.match(found.body, new RegExp(`name="person" value="${person!.id}"`));
    const added = await staff.post(
      `/staff/groups/${groupId}?q=${encodeURIComponent(name)}`,
      `/staff/groups/${groupId}/members`,
      { person: person!.id },
    );
    assert.equal(added.statusCode, 303);
    assert.match(textOf((await staff.get(`/staff/groups/${groupId}`)).body), /Members \(6\)/);

    const other = await signInStaff(t, northshire, 'admin@northshire.example');
    assert.equal((await other.get(`/staff/groups/${groupId}`)).statusCode, 404);
    const [theirs] = await t.app.services.db.query<{ id: string }>(
      `select id from stakeholder_groups where tenant_id = $1 and slug = 'waste-partnership'`,
      [t.tenants.northshire.id],
    );
    const crossing = await other.post(`/staff/groups/${theirs!.id}`, `/staff/groups/${theirs!.id}/members`, {
      person: person!.id,
    });
    assert.equal(crossing.statusCode, 404, 'a Riverford person cannot join a Northshire group');
  });
});

describe('staff changes to an event', () => {
  it('sends everyone registered the update as a calendar REQUEST with a higher SEQUENCE, then the cancellation', async () => {
    const who = visitor(t, riverford);
    const registered = await who.post(
      '/events/waste-partnership-meeting',
      '/events/waste-partnership-meeting/register',
      {
        name: 'Update Reader',
        email: 'reader@example.com',
        accessNeeds: 'Hearing loop',
        dietaryNeeds: '',
      },
    );
    assert.equal(registered.statusCode, 303);
    await mailbox();
    const [event] = await t.app.services.db.query<{ id: string }>(
      `select id from events where tenant_id = $1 and slug = 'waste-partnership-meeting'`,
      [t.tenants.riverford.id],
    );
    const detail = await staff.get(`/staff/events/${event!.id}`);
    assert.match(textOf(detail.body), /Update Reader \(reader@example\.com\)/);
    assert.match(textOf(detail.body), /Access needs: Hearing loop/);
    const [audited] = await t.app.services.db.query<{ n: number }>(
      `select count(*)::int as n from audit_log where tenant_id = $1 and subject_type = 'event' and action = 'view'`,
      [t.tenants.riverford.id],
    );
    assert.ok(audited!.n >= 1);

    const form = await staff.get(`/staff/events/${event!.id}/edit`);
    const value = (name: string) =>
      new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(form.body)?.[1] ??
      new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(form.body)?.[1] ??
      '';
    const fields = Object.fromEntries(
      [
        'titleEn',
        'titleCy',
        'slug',
        'date-day',
        'date-month',
        'date-year',
        'end',
        'venueEn',
        'venueCy',
        'meetingUrl',
        'capacity',
      ].map((n) => [n, value(n)]),
    );
    const saved = await staff.post(`/staff/events/${event!.id}/edit`, `/staff/events/${event!.id}/edit`, {
      ...fields,
      descriptionEn: 'Moved half an hour later.',
      descriptionCy: '',
      accessEn: '',
      accessCy: '',
      start: '19:00',
      end: '21:00',
      format: 'hybrid',
      visibility: 'public',
      group: groupId,
    });
    assert.equal(saved.statusCode, 303, textOf(saved.body).slice(0, 1500));
    const [update] = (await mailbox()).filter((m) => m.to === 'reader@example.com');
    assert.equal(update?.subject, 'Changed: Waste partnership group meeting');
    const ics = (await t.app.inject({ url: update!.attachments[0]!.url, headers: riverford })).body;
    assert.match(ics, /METHOD:REQUEST/);
    assert.match(ics, /SEQUENCE:1/);
    assert.match(ics, /DTSTART;TZID=Europe\/London:\d{8}T190000/);

    const cancelled = await staff.post(
      `/staff/events/${event!.id}/cancel`,
      `/staff/events/${event!.id}/cancel`,
      {},
    );
    assert.equal(cancelled.statusCode, 303);
    const [notice] = (await mailbox()).filter((m) => m.to === 'reader@example.com');
    assert.equal(notice?.subject, 'Cancelled: Waste partnership group meeting');
    const cancel = (await t.app.inject({ url: notice!.attachments[0]!.url, headers: riverford })).body;
    assert.match(cancel, /METHOD:CANCEL/);
    assert.match(cancel, /SEQUENCE:2/);
    const page = await t.app.inject({ url: '/events/waste-partnership-meeting', headers: riverford });
    assert.match(textOf(page.body), /This event has been cancelled/);
  });
});

describe('My Account', () => {
  it('lists the events a signed-in person registered for, and opens their registration', async () => {
    const who = visitor(t, northshire);
    await who.post('/events/waste-partnership-meeting', '/events/waste-partnership-meeting/register', {
      name: 'Account Holder',
      email: 'holder@example.com',
      accessNeeds: '',
      dietaryNeeds: '',
    });
    await who.post('/sign-in', '/sign-in', { email: 'holder@example.com' });
    const code = /\b(\d{6})\b/.exec(
      (await mailbox(northshire)).find((m) => m.to === 'holder@example.com' && /code/i.test(m.subject))!.text,
    )![1]!;
    const signed = await who.post('/sign-in/code', '/sign-in/code', { code });
    assert.equal(signed.statusCode, 303);
    const mine = await who.get('/account/events');
    assert.equal(mine.statusCode, 200);
    assert.match(textOf(mine.body), /Waste partnership group meeting/);
    assert.match(textOf(mine.body), /Place confirmed/);
    const open = /href="(\/account\/events\/[0-9a-f-]{36})"/.exec(mine.body)![1]!;
    const redirect = await who.get(open);
    assert.match(String(redirect.headers.location), /^\/events\/waste-partnership-meeting\/registrations\//);
    assert.match(textOf((await who.get(String(redirect.headers.location))).body), /You are registered/);
    assert.match((await who.get('/account')).body, /href="\/account\/events"/);
  });
});
