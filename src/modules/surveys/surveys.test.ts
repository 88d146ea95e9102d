import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  csrfFrom,
  deliverMail,
  northshire,
  riverford,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor, visitor } from '../../../test/support/staff.ts';
import { resumeHash } from './service.ts';

let t: TestApp;
let admin: Visitor;
before(async () => {
  t = await testApp();
  // The demo's surveys are dated; these tests want the open ones open whatever the day.
  await t.app.services.db.query(
    `update surveys set opens_at = now() - interval '1 day', closes_at = now() + interval '30 days'
     where slug in ('budget-2027', 'stakeholder-waste-strategy')`,
  );
  admin = await signInStaff(t, riverford, 'admin@riverford.example');
});
after(() => t.close());

const db = () => t.app.services.db;
const surveyId = async (slug: string, tenant = t.tenants.riverford.id) => {
  const [row] = await db().query<{ id: string }>(
    'select id::text from surveys where tenant_id = $1 and slug = $2',
    [tenant, slug],
  );
  return row!.id;
};
const responseCount = async (slug: string) => {
  const [row] = await db().query<{ n: number }>(
    `select count(*)::int as n from survey_responses r join surveys s on s.tenant_id = r.tenant_id and s.id = r.survey_id
     where s.tenant_id = $1 and s.slug = $2 and r.status = 'submitted'`,
    [t.tenants.riverford.id, slug],
  );
  return row!.n;
};

/** Answers a page: reads its CSRF token from the page itself and posts the form. */
async function answer(who: Visitor, url: string, form: Record<string, string | string[]>) {
  return who.post(url, url, form);
}

async function invitationLink(email: string): Promise<string> {
  const mail = await deliverMail(t, riverford);
  const message = mail.find((m) => m.to === email);
  assert.ok(message, `no invitation mailed to ${email}`);
  const link = /https?:\/\/[^\s]+\/surveys\/[a-z0-9-]+\?invite=[A-Za-z0-9_-]{43}/.exec(message.text)?.[0];
  assert.ok(link, message.text);
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

async function invite(slug: string, listName: string, people: string) {
  const id = await surveyId(slug);
  const sent = await admin.post(`/staff/surveys/${id}/invitations`, `/staff/surveys/${id}/invitations`, {
    listName,
    people,
  });
  assert.equal(sent.statusCode, 303, sent.body);
  return id;
}

describe('an open consultation', () => {
  it('is listed on the hub, answered page by page without an account, saved as it goes and sent once', async () => {
    const resident = visitor(t, riverford);
    const hub = await resident.get('/surveys');
    assert.match(hub.body, /href="\/surveys\/budget-2027"/);
    assert.match(hub.body, /href="\/surveys\/library-opening-hours\/outcome"/);
    assert.doesNotMatch(hub.body, /stakeholder-waste-strategy/, 'an invitation-only survey is not listed');

    const start = await resident.get('/surveys/budget-2027');
    assert.match(start.body, /Start now/);
    assert.match(start.body, /Draft budget summary/);
    assert.match(start.body, /another format, such as large print/);

    // A ranking must use each position once.
    const bad = await answer(resident, '/surveys/budget-2027/p/priorities', {
      'priorities-social-care': '1',
      'priorities-roads': '1',
      'priorities-libraries': '3',
      'priorities-parks': '4',
      councilTax: 'three',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(textOf(bad.body), /Give each option a different position from 1 to 4/);

    const first = await answer(resident, '/surveys/budget-2027/p/priorities', {
      'priorities-social-care': '2',
      'priorities-roads': '1',
      'priorities-libraries': '4',
      'priorities-parks': '3',
      councilTax: 'five',
    });
    assert.equal(first.headers.location, '/surveys/budget-2027/p/statements');
    // Saved as it goes: the page shows the ranking given.
    const again = await resident.get('/surveys/budget-2027/p/priorities');
    assert.deepEqual(parseRanking(again.body, 'priorities'), {
      'social-care': '2',
      roads: '1',
      libraries: '4',
      parks: '3',
    });

    const likertMissing = await answer(resident, '/surveys/budget-2027/p/statements', {
      'statements-value': 'agree',
    });
    assert.equal(likertMissing.statusCode, 400);
    assert.match(likertMissing.body, /href="#statements-listens"/);
    await answer(resident, '/surveys/budget-2027/p/statements', {
      'statements-value': 'agree',
      'statements-listens': 'disagree',
    });
    const last = await answer(resident, '/surveys/budget-2027/p/overall', {
      confidence: '4',
      comments: 'More buses',
    });
    assert.equal(last.headers.location, '/surveys/budget-2027/check');
    const check = await resident.get('/surveys/budget-2027/check');
    assert.match(
      textOf(check.body),
      /1\. Roads and pavements 2\. Social care 3\. Parks and open spaces 4\. Libraries/,
    );
    assert.match(textOf(check.body), /4 out of 5/);

    const before = await responseCount('budget-2027');
    const sent = await answer(resident, '/surveys/budget-2027/check', {});
    assert.equal(sent.headers.location, '/surveys/budget-2027/done');
    assert.equal(await responseCount('budget-2027'), before + 1);
    // Sent, and not to be changed: the pages lead to the thank-you page, and sending again adds nothing.
    assert.equal(
      (await resident.get('/surveys/budget-2027/p/priorities')).headers.location,
      '/surveys/budget-2027/done',
    );
    const twice = await t.app.inject({
      method: 'POST',
      url: '/surveys/budget-2027/check',
      headers: { ...riverford, cookie: resident.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(check.body) }).toString(),
    });
    assert.equal(twice.headers.location, '/surveys/budget-2027/done');
    assert.equal(await responseCount('budget-2027'), before + 1);

    // Anonymous: nothing on the row says whose it is.
    const [row] = await db().query<Record<string, unknown>>(
      `select invitation_id, account_id, person_id, to_char(submitted_at at time zone 'UTC', 'HH24:MI') as at
       from survey_responses where tenant_id = $1 and answers->>'comments' = 'More buses'`,
      [t.tenants.riverford.id],
    );
    assert.deepEqual(row, { invitation_id: null, account_id: null, person_id: null, at: '12:00' });
  });

  it('does not show a later page before an earlier one is answered', async () => {
    const resident = visitor(t, riverford);
    const early = await resident.get('/surveys/budget-2027/p/overall');
    assert.equal(early.headers.location, '/surveys/budget-2027/p/priorities');
  });

  it('belongs to its council only', async () => {
    const id = await surveyId('budget-2027', t.tenants.northshire.id);
    const elsewhere = await admin.get(`/staff/surveys/${id}/results`);
    assert.equal(elsewhere.statusCode, 404);
    const north = await visitor(t, northshire).get('/surveys/budget-2027');
    assert.match(north.body, /Northshire budget 2027 to 2028/);
    assert.doesNotMatch(north.body, /Riverford budget/);
  });
});

describe('an invitation-only, identified survey', () => {
  it('lets an invitee with no account answer once from the emailed link; it goes on their CRM timeline', async () => {
    await invite(
      'stakeholder-waste-strategy',
      'Working group',
      'name,email\nAda Expert,ada.expert@university.example\n',
    );
    const link = await invitationLink('ada.expert@university.example');
    const expert = visitor(t, riverford);
    const opened = await expert.get(link);
    assert.equal(opened.statusCode, 303);
    assert.equal(opened.headers.location, '/surveys/stakeholder-waste-strategy/p/organisation');
    await answer(expert, '/surveys/stakeholder-waste-strategy/p/organisation', { role: 'expert' });
    await answer(expert, '/surveys/stakeholder-waste-strategy/p/strategy', {
      'proposals-food-waste': 'strongly-agree',
      'proposals-three-weekly': 'disagree',
      'proposals-reuse-shops': 'agree',
      readiness: '6',
      advice: 'Phase it in over two years',
    });
    const sent = await answer(expert, '/surveys/stakeholder-waste-strategy/check', {});
    assert.equal(sent.headers.location, '/surveys/stakeholder-waste-strategy/done');
    assert.equal(await responseCount('stakeholder-waste-strategy'), 1);

    const timeline = await db().query<{ summary: string }>(
      `select i.summary from interactions i join person_emails e on e.tenant_id = i.tenant_id and e.person_id = i.person_id
       where i.tenant_id = $1 and e.email = $2 and i.kind = 'survey-response'`,
      [t.tenants.riverford.id, 'ada.expert@university.example'],
    );
    assert.equal(timeline.length, 1);
    assert.match(timeline[0]!.summary, /Waste strategy: stakeholder survey/);

    // The link again, even on another device: the thank-you page with a way to change the answers, never a second response.
    const later = visitor(t, riverford);
    const back = await later.get(link);
    assert.equal(back.headers.location, '/surveys/stakeholder-waste-strategy/done');
    const done = await later.get('/surveys/stakeholder-waste-strategy/done');
    assert.match(done.body, /Change your answers/);
    await answer(later, '/surveys/stakeholder-waste-strategy/p/organisation', { role: 'public' });
    await answer(later, '/surveys/stakeholder-waste-strategy/check', {});
    assert.equal(await responseCount('stakeholder-waste-strategy'), 1);
    const [stored] = await db().query<{ role: string }>(
      `select answers->>'role' as role from survey_responses where tenant_id = $1 and answers->>'advice' = 'Phase it in over two years'`,
      [t.tenants.riverford.id],
    );
    assert.equal(stored!.role, 'public');
  });

  it('refuses a link once revoked, and a made-up one', async () => {
    const id = await invite('stakeholder-waste-strategy', 'Working group', 'Bob Partner,bob@partner.example');
    const link = await invitationLink('bob@partner.example');
    const [row] = await db().query<{ id: string }>(
      `select id::text from survey_invitations where tenant_id = $1 and email = 'bob@partner.example'`,
      [t.tenants.riverford.id],
    );
    const revoked = await admin.post(
      `/staff/surveys/${id}/invitations`,
      `/staff/surveys/${id}/invitations/${row!.id}/revoke`,
      {},
    );
    assert.equal(revoked.statusCode, 303);
    const bob = visitor(t, riverford);
    const refused = await bob.get(link);
    assert.equal(refused.statusCode, 404);
    assert.match(refused.body, /This link does not work/);
    assert.equal((await bob.get('/surveys/stakeholder-waste-strategy/p/organisation')).statusCode, 303);
    const madeUp = await bob.get(`/surveys/stakeholder-waste-strategy?invite=${'A'.repeat(43)}`);
    assert.equal(madeUp.statusCode, 404);
  });

  it('sends reminders only to those who have not answered', async () => {
    const id = await invite('stakeholder-waste-strategy', 'Partners', 'Cy Waiting,cy@waiting.example');
    await deliverMail(t, riverford);
    await admin.post(`/staff/surveys/${id}/invitations`, `/staff/surveys/${id}/reminders`, {});
    const reminders = await db().query<{ to: string }>(
      `select payload->>'to' as to from jobs where tenant_id = $1 and kind = 'mail.send' and payload->>'subject' like 'Reminder:%'`,
      [t.tenants.riverford.id],
    );
    assert.deepEqual(reminders.map((r) => r.to).sort(), ['cy@waiting.example']);
    const page = await admin.get(`/staff/surveys/${id}/invitations`);
    assert.match(textOf(page.body), /Working group 1 1 100%/);
  });
});

describe('an anonymous invitation survey built by staff', () => {
  let id: string;
  it('is built from the staff page, refusing bad questions with an error summary', async () => {
    const definition = {
      pages: [
        {
          id: 'views',
          questions: [
            { id: 'happy', type: 'yesno', label: { en: 'Are you happy with the service?' } },
            { id: 'why', type: 'textarea', label: { en: 'Why?' }, required: false },
          ],
        },
      ],
    };
    const form = {
      'title-en': 'Tenants’ panel',
      slug: 'tenants-panel',
      kind: 'survey',
      access: 'invitation',
      anonymous: 'yes',
      allowEdit: 'no',
      closesAt: '2099-01-15T17:00',
    };
    const bad = await admin.post('/staff/surveys/new', '/staff/surveys', {
      ...form,
      definition: '{"pages": [}',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#definition">The questions are not valid JSON/);
    const made = await admin.post('/staff/surveys/new', '/staff/surveys', {
      ...form,
      definition: JSON.stringify(definition),
    });
    assert.equal(made.statusCode, 303, made.body);
    id = await surveyId('tenants-panel');
    const [s] = await db().query<{ closes: string }>(
      `select to_char(closes_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as closes from surveys where id = $1`,
      [id],
    );
    assert.equal(s!.closes, '2099-01-15 17:00', 'London time in January is UTC');
  });

  it('keeps answers apart from invitees: no results page or export names them', async () => {
    await invite(
      'tenants-panel',
      'Tenants',
      'Dilys Tenant,dilys@tenant.example\nEvan Tenant,evan@tenant.example\nFfion Tenant,ffion@tenant.example',
    );
    const link = await invitationLink('dilys@tenant.example');
    const dilys = visitor(t, riverford);
    await dilys.get(link);
    await answer(dilys, '/surveys/tenants-panel/p/views', { happy: 'no', why: 'Repairs take months' });
    await answer(dilys, '/surveys/tenants-panel/check', {});
    const [invitation] = await db().query<{ answered: boolean }>(
      `select answered from survey_invitations where email = 'dilys@tenant.example'`,
    );
    assert.equal(invitation!.answered, true);
    const [response] = await db().query<Record<string, unknown>>(
      `select invitation_id, account_id, person_id from survey_responses where survey_id = $1`,
      [id],
    );
    assert.deepEqual(response, { invitation_id: null, account_id: null, person_id: null });
    // Nor can the key that resumes it be worked out from the invitation, even with the secret.
    const [ids] = await db().query<{ invitation: string; resume: string }>(
      `select (select id::text from survey_invitations where email = 'dilys@tenant.example') as invitation,
              (select resume_hash from survey_responses where survey_id = $1) as resume`,
      [id],
    );
    assert.notEqual(ids!.resume, resumeHash('invitation', ids!.invitation));
    // One response each: the link again leads to the thank-you page.
    assert.equal((await visitor(t, riverford).get(link)).headers.location, '/surveys/tenants-panel/done');

    // One answer of three invited: too few to show without pointing at Dilys.
    const early = await admin.get(`/staff/surveys/${id}/results`);
    assert.match(textOf(early.body), /shown once at least 3 people have answered/);
    assert.doesNotMatch(early.body, /Repairs take months/);
    assert.equal((await admin.get(`/staff/surveys/${id}/results.csv`)).body.trim().split('\r\n').length, 1);
    for (const [email, happy] of [
      ['evan@tenant.example', 'yes'],
      ['ffion@tenant.example', 'yes'],
    ] as const) {
      const other = visitor(t, riverford);
      await other.get(await invitationLink(email));
      await answer(other, '/surveys/tenants-panel/p/views', { happy });
      await answer(other, '/surveys/tenants-panel/check', {});
    }

    const pages = [
      await admin.get(`/staff/surveys/${id}/results`),
      await admin.get(`/staff/surveys/${id}/results?list=Tenants`),
      await admin.get(`/staff/surveys/${id}/results.csv`),
      await admin.get(`/staff/surveys/${id}/results.json`),
    ];
    for (const page of pages) {
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /dilys|Dilys|evan|Evan/);
    }
    assert.match(pages[0]!.body, /Repairs take months/);
    const timeline = await db().query(
      `select 1 from interactions where kind = 'survey-response' and email = 'dilys@tenant.example'`,
    );
    assert.equal(timeline.length, 0);
  });

  it('lets staff tag free text', async () => {
    const [r] = await db().query<{ id: string }>(
      `select id::text from survey_responses where survey_id = $1 and answers->>'why' = 'Repairs take months'`,
      [id],
    );
    const tagged = await admin.post(`/staff/surveys/${id}/results`, `/staff/surveys/${id}/tags`, {
      responseId: r!.id,
      questionId: 'why',
      tag: 'Repairs',
      back: `/staff/surveys/${id}/results`,
    });
    assert.equal(tagged.statusCode, 303);
    const page = await admin.get(`/staff/surveys/${id}/results`);
    assert.match(page.body, /<strong class="govuk-tag">repairs<\/strong>/);
    const json = (await admin.get(`/staff/surveys/${id}/results.json`)).json();
    assert.deepEqual(json.freeText[0].answers, [{ text: 'Repairs take months', tags: ['repairs'] }]);
  });
});

describe('results', () => {
  it('draws each chart from the same figures as the CSV export, with a table beside it', async () => {
    const id = await surveyId('budget-2027');
    const page = await admin.get(`/staff/surveys/${id}/results`);
    assert.equal(page.statusCode, 200);
    const svgs = [
      ...page.body.matchAll(/<svg[^>]*role="img"[^>]*>\s*<title id="[^"]+">([^<]+)<\/title>(.*?)<\/svg>/gs),
    ];
    assert.ok(svgs.length >= 4);
    // Every bar's figure as drawn: label then value, in the SVG.
    const drawn = svgs.flatMap((m) =>
      [
        ...m[2]!.matchAll(
          /<text[^>]*text-anchor="end"[^>]*>([^<]*)<\/text><rect[^>]*><\/rect><text[^>]*>(\d+)<\/text>/g,
        ),
      ].map((b) => [decode(b[1]!), Number(b[2])]),
    );
    const csv = await admin.get(`/staff/surveys/${id}/results.csv`);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const rows = csv.body
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => parseCsvLine(line));
    assert.deepEqual(
      drawn,
      rows.map((r) => [r[3], Number(r[5])]),
    );
    // The tables beside the charts hold the same numbers.
    const tabled = [
      ...page.body.matchAll(/<td class="govuk-table__cell govuk-table__cell--numeric">\s*(\d+)\s*<\/td>/g),
    ].map((m) => Number(m[1]));
    assert.deepEqual(
      tabled.slice(0, rows.length),
      rows.map((r) => Number(r[5])),
    );
    // The demo's four responses, ranked: roads first twice, so it leads on points.
    const ranking = rows.filter((r) => r[0] === 'priorities');
    assert.equal(ranking[0]![4], 'points');
    const json = (await admin.get(`/staff/surveys/${id}/results.json`)).json();
    assert.deepEqual(
      json.charts.flatMap((c: { bars: { value: number }[] }) => c.bars.map((b) => b.value)),
      rows.map((r) => Number(r[5])),
    );
  });

  it('filters by invite list, and records that staff looked', async () => {
    const id = await surveyId('stakeholder-waste-strategy');
    const all = (await admin.get(`/staff/surveys/${id}/results.json`)).json();
    const group = (
      await admin.get(`/staff/surveys/${id}/results.json?list=${encodeURIComponent('Working group')}`)
    ).json();
    const partners = (await admin.get(`/staff/surveys/${id}/results.json?list=Partners`)).json();
    assert.equal(group.responses, 1);
    assert.equal(partners.responses, 0);
    assert.ok(all.responses >= group.responses);
    assert.equal(group.filter.listName, 'Working group');
    await admin.get(`/staff/surveys/${id}/results?list=Partners`);
    const audited = await db().query(
      `select 1 from audit_log where tenant_id = $1 and action = 'survey.results.view' and subject_id = $2`,
      [t.tenants.riverford.id, id],
    );
    assert.ok(audited.length >= 1);
  });

  it('filters by question', async () => {
    const id = await surveyId('budget-2027');
    const csv = await admin.get(`/staff/surveys/${id}/results.csv?question=councilTax`);
    const lines = csv.body.trim().split('\r\n').slice(1);
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.startsWith('councilTax,')));
  });

  it('is not for roles without insight', async () => {
    const agent = await signInStaff(t, riverford, 'agent@riverford.example');
    const id = await surveyId('budget-2027');
    assert.equal((await agent.get(`/staff/surveys/${id}/results`)).statusCode, 403);
  });
});

/** Makes a survey from the staff page; returns its id. */
async function build(slug: string, settings: Record<string, string>, definition: unknown): Promise<string> {
  const made = await admin.post('/staff/surveys/new', '/staff/surveys', {
    'title-en': slug.replace(/-/g, ' '),
    slug,
    kind: 'survey',
    access: 'link',
    anonymous: 'yes',
    allowEdit: 'no',
    ...settings,
    definition: JSON.stringify(definition),
  });
  assert.equal(made.statusCode, 303, made.body);
  return surveyId(slug);
}
const oneQuestion = {
  pages: [
    {
      id: 'q',
      questions: [
        {
          id: 'choice',
          type: 'radios',
          label: { en: 'Pick one', cy: 'Dewiswch un' },
          options: [
            { value: 'a', label: { en: 'A' } },
            { value: 'b', label: { en: 'B' } },
          ],
        },
      ],
    },
  ],
};

async function signInResident(email: string): Promise<Visitor> {
  const who = visitor(t, riverford);
  const asked = await who.post('/sign-in', '/sign-in', { email });
  assert.equal(asked.headers.location, '/sign-in/code', asked.body.slice(0, 2000));
  const mail = await deliverMail(t, riverford);
  const code = /\b(\d{6})\b/.exec(
    mail.find((m) => m.to === email && /sign-in code/.test(m.subject))?.text ?? '',
  )?.[1];
  assert.ok(code);
  const signed = await who.post('/sign-in/code', '/sign-in/code', { code });
  assert.equal(signed.statusCode, 303, signed.body.slice(0, 300));
  return who;
}

describe('settings, limits, outcomes and My Account', () => {
  it('keeps a signed-in resident’s identified response with their account, on their timeline and in My Account', async () => {
    await build('parking-review', { anonymous: 'no' }, oneQuestion);
    const email = 'resident.survey@example.com';
    await invite('stakeholder-waste-strategy', 'Residents', `Rhian Resident,${email}`);
    const resident = await signInResident(email);
    const start = await resident.get('/surveys/parking-review');
    assert.doesNotMatch(start.body, /Sign in first/, 'already signed in');
    assert.match((await visitor(t, riverford).get('/surveys/parking-review')).body, /Sign in first/);
    await answer(resident, '/surveys/parking-review/p/q', { choice: 'b' });
    await answer(resident, '/surveys/parking-review/check', {});
    const timeline = await db().query(
      `select 1 from interactions i join people p on p.tenant_id = i.tenant_id and p.id = i.person_id
       where i.tenant_id = $1 and i.kind = 'survey-response' and p.account_id is not null and i.summary like '%parking-review%'`,
      [t.tenants.riverford.id],
    );
    assert.equal(timeline.length, 1);
    const mine = await resident.get('/account/surveys');
    assert.equal(mine.statusCode, 200);
    const text = textOf(mine.body);
    assert.match(text, /Waste strategy: stakeholder survey – waiting for your answers/);
    assert.match(text, /parking review – sent/);
    assert.match((await resident.get('/account')).body, /href="\/account\/surveys"/);
  });

  it('stops taking responses at its limit', async () => {
    await build('limited', { responseLimit: '1' }, oneQuestion);
    const first = visitor(t, riverford);
    const second = visitor(t, riverford);
    await answer(second, '/surveys/limited/p/q', { choice: 'a' });
    const secondCheck = await second.get('/surveys/limited/check');
    await answer(first, '/surveys/limited/p/q', { choice: 'a' });
    assert.equal(
      (await answer(first, '/surveys/limited/check', {})).headers.location,
      '/surveys/limited/done',
    );
    // The second had started first, but the survey is full by the time they send.
    const late = await t.app.inject({
      method: 'POST',
      url: '/surveys/limited/check',
      headers: { ...riverford, cookie: second.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(secondCheck.body) }).toString(),
    });
    assert.equal(late.headers.location, '/surveys/limited');
    assert.match(
      textOf((await second.get('/surveys/limited')).body),
      /received all the responses it can take/,
    );
    assert.equal(
      (await visitor(t, riverford).get('/surveys/limited/p/q')).headers.location,
      '/surveys/limited',
    );
  });

  it('shows a closed survey as closed, and publishes its outcome only once closed', async () => {
    const id = await build('closing-soon', { closesAt: '2099-01-01T12:00' }, oneQuestion);
    const outcome = {
      'asked-en': 'We asked about A or B.',
      'said-en': 'Most said B.',
      'did-en': 'We chose B.',
    };
    const early = await admin.post(`/staff/surveys/${id}/outcome`, `/staff/surveys/${id}/outcome`, {
      ...outcome,
      publish: 'yes',
    });
    assert.equal(early.statusCode, 400);
    assert.match(early.body, /href="#publish">It can be published only after it closes/);
    await db().query(`update surveys set closes_at = now() - interval '1 hour' where id = $1`, [id]);
    const resident = visitor(t, riverford);
    assert.equal((await resident.get('/surveys/closing-soon/p/q')).headers.location, '/surveys/closing-soon');
    assert.match(textOf((await resident.get('/surveys/closing-soon')).body), /This has closed/);
    assert.equal((await resident.get('/surveys/closing-soon/outcome')).statusCode, 404);
    const published = await admin.post(`/staff/surveys/${id}/outcome`, `/staff/surveys/${id}/outcome`, {
      ...outcome,
      publish: 'yes',
    });
    assert.equal(published.statusCode, 303);
    const page = await resident.get('/surveys/closing-soon/outcome');
    assert.match(
      textOf(page.body),
      /We asked We asked about A or B\. You said Most said B\. We did We chose B\./,
    );
    assert.match((await resident.get('/surveys')).body, /href="\/surveys\/closing-soon\/outcome"/);
  });

  it('changes settings from the staff page and shows Welsh where staff wrote it', async () => {
    const id = await surveyId('budget-2027');
    const page = await admin.get(`/staff/surveys/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /name="definition"/);
    const form = Object.fromEntries(
      [...page.body.matchAll(/<input[^>]*name="([^"_][^"]*)"[^>]*value="([^"]*)"[^>]*>/g)].map((m) => [
        m[1]!,
        m[2]!,
      ]),
    );
    const textarea = (name: string) =>
      decode(
        new RegExp(`<textarea[^>]*name="${name}"[^>]*>([^<]*)</textarea>`).exec(page.body)?.[1] ?? '',
      ).trim();
    const saved = await admin.post(`/staff/surveys/${id}`, `/staff/surveys/${id}`, {
      ...form,
      kind: 'consultation',
      access: 'link',
      anonymous: 'yes',
      allowEdit: 'no',
      'title-cy': 'Cyllideb newydd',
      'description-en': textarea('description-en'),
      documents: textarea('documents'),
      definition: textarea('definition'),
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const welsh = visitor(t, riverford);
    const switched = await welsh.get('/surveys/budget-2027?lang=cy');
    assert.equal(switched.statusCode, 303);
    const start = await welsh.get('/surveys/budget-2027');
    assert.match(start.body, /<h1 class="govuk-heading-l app-break-anywhere">Cyllideb newydd<\/h1>/);
    assert.match(start.body, /Dechrau nawr/);
  });

  it('invites from an uploaded CSV file', async () => {
    const id = await surveyId('stakeholder-waste-strategy');
    const page = await admin.get(`/staff/surveys/${id}/invitations`);
    const boundary = '----surveys-test';
    const part = (name: string, value: string) =>
      `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const payload =
      part('_csrf', csrfFrom(page.body)) +
      part('listName', 'Uploaded') +
      part('people', '') +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="people.csv"\r\ncontent-type: text/csv\r\n\r\n` +
      'name,email\r\n"Gwen, the Planner",gwen@planning.example\r\nnot an address\r\n' +
      `\r\n--${boundary}--\r\n`;
    const bad = await t.app.inject({
      method: 'POST',
      url: `/staff/surveys/${id}/invitations`,
      headers: {
        ...riverford,
        cookie: admin.cookie,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload,
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /These lines have no valid email address: 3/);
    assert.doesNotMatch(bad.body, /no valid email address: 2/, 'the header line is not a person');
    const good = await t.app.inject({
      method: 'POST',
      url: `/staff/surveys/${id}/invitations`,
      headers: {
        ...riverford,
        cookie: admin.cookie,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload: payload.replace('not an address\r\n', ''),
    });
    assert.equal(good.statusCode, 303, good.body);
    const [row] = await db().query<{ name: string; list_name: string }>(
      `select name, list_name from survey_invitations where email = 'gwen@planning.example'`,
    );
    assert.deepEqual(row, { name: 'Gwen, the Planner', list_name: 'Uploaded' });
  });

  it('adds and removes questions from the staff page, without writing JSON', async () => {
    const id = await build('built-by-form', {}, oneQuestion);
    const url = `/staff/surveys/${id}/questions`;
    const empty = await admin.post(url, url, {
      page: 'q',
      type: 'ranking',
      'label-en': 'Rank these',
      choices: 'Only one',
    });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#choices">Enter the options/);
    const ranked = await admin.post(url, url, {
      page: 'q',
      type: 'ranking',
      'label-en': 'Rank these services',
      'label-cy': 'Trefnwch y gwasanaethau hyn',
      choices: 'Parks | Parciau\nLibraries | Llyfrgelloedd\nRoads',
      required: 'yes',
    });
    assert.equal(ranked.statusCode, 303, ranked.body);
    const grid = await admin.post(url, url, {
      page: 'new',
      type: 'likert',
      'label-en': 'Do you agree?',
      choices: 'Buses are on time',
      required: 'no',
    });
    assert.equal(grid.statusCode, 303, grid.body);
    const [row] = await db().query<{
      definition: { pages: { id: string; questions: Record<string, unknown>[] }[] };
    }>('select definition from surveys where id = $1', [id]);
    const pages = row!.definition.pages;
    assert.deepEqual(
      pages.map((p) => [p.id, p.questions.map((q) => `${q.id}:${q.type}`)]),
      [
        ['q', ['choice:radios', 'rankTheseServices:ranking']],
        ['page-2', ['doYouAgree:likert']],
      ],
    );
    assert.deepEqual(pages[0]!.questions[1]!.items, [
      { value: 'parks', label: { en: 'Parks', cy: 'Parciau' } },
      { value: 'libraries', label: { en: 'Libraries', cy: 'Llyfrgelloedd' } },
      { value: 'roads', label: { en: 'Roads' } },
    ]);
    const form = await visitor(t, riverford).get('/surveys/built-by-form/p/q');
    assert.match(
      form.body,
      /<select class="govuk-select" id="rankTheseServices-parks" name="rankTheseServices-parks"/,
    );
    const removed = await admin.post(url, `${url}/remove`, { questionId: 'doYouAgree' });
    assert.equal(removed.statusCode, 303);
    const [after] = await db().query<{ pages: number }>(
      "select jsonb_array_length(definition->'pages')::int as pages from surveys where id = $1",
      [id],
    );
    assert.equal(after!.pages, 1, 'an empty page goes with its last question');
  });

  it('attaches a PDF as a consultation document, served from the survey’s page', async () => {
    const id = await surveyId('budget-2027');
    const page = await admin.get(`/staff/surveys/${id}`);
    const boundary = '----surveys-doc';
    const body = (file: string) =>
      `--${boundary}\r\ncontent-disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(page.body)}\r\n` +
      `--${boundary}\r\ncontent-disposition: form-data; name="document-en"\r\n\r\nFull budget book\r\n` +
      `--${boundary}\r\ncontent-disposition: form-data; name="document"; filename="budget.pdf"\r\ncontent-type: application/pdf\r\n\r\n${file}\r\n` +
      `--${boundary}--\r\n`;
    const send = (file: string) =>
      t.app.inject({
        method: 'POST',
        url: `/staff/surveys/${id}/documents`,
        headers: {
          ...riverford,
          cookie: admin.cookie,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload: body(file),
      });
    const notPdf = await send('just some text');
    assert.equal(notPdf.statusCode, 400);
    assert.match(notPdf.body, /href="#document">The file must be a PDF/);
    const added = await send('%PDF-1.4\n% a tiny test document\n%%EOF');
    assert.equal(added.statusCode, 303, added.body);
    const start = await visitor(t, riverford).get('/surveys/budget-2027');
    const href =
      /<a class="govuk-link" href="(\/surveys\/budget-2027\/documents\/[0-9a-f-]{36})">Full budget book<\/a>/.exec(
        start.body,
      )?.[1];
    assert.ok(href, 'the document is listed');
    const pdf = await visitor(t, riverford).get(href);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.match(pdf.body, /^%PDF-1\.4/);
    const elsewhere = await visitor(t, riverford).get(href.replace('budget-2027', 'library-opening-hours'));
    assert.equal(elsewhere.statusCode, 404);
  });

  it('takes a request for another format and passes it to the council’s inbox', async () => {
    const resident = visitor(t, riverford);
    const empty = await resident.post('/surveys/budget-2027/formats', '/surveys/budget-2027/formats', {
      format: 'language',
      email: 'reader@example.com',
    });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#details">Tell us which language you need/);
    const sent = await resident.post('/surveys/budget-2027/formats', '/surveys/budget-2027/formats', {
      format: 'language',
      details: 'Polish',
      email: 'reader@example.com',
    });
    assert.equal(sent.headers.location, '/surveys/budget-2027/formats/sent');
    const mail = await deliverMail(t, riverford);
    const request = mail.find((m) => m.subject.startsWith('Alternative format request'));
    assert.ok(request);
    assert.equal(request.to, t.app.services.tenants.bySlug('riverford')!.contact.email);
    assert.match(request.text, /Format: Another language\nDetails: Polish\nSend it to: reader@example\.com/);
  });

  it('skips people already invited when called from another module', async () => {
    const { inviteToSurvey } = await import('./service.ts');
    const result = await inviteToSurvey(db(), {
      tenantId: t.tenants.riverford.id,
      surveyId: await surveyId('stakeholder-waste-strategy'),
      listName: 'Group: partners',
      invitees: [
        { name: 'Gwen', email: 'GWEN@planning.example' },
        { name: 'Huw', email: 'huw@partners.example' },
        { name: 'Nobody', email: 'not-an-email' },
      ],
      now: new Date(),
    });
    assert.deepEqual(result, { invited: 1, skipped: 2 });
  });
});

/** The position picked in each select of a ranking question. */
function parseRanking(html: string, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(new RegExp(`<select[^>]*name="${id}-([a-z-]+)"[^>]*>(.*?)</select>`, 'gs'))) {
    out[m[1]!] = /<option value="(\d+)" selected/.exec(m[2]!)?.[1] ?? '';
  }
  return out;
}

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cell);
      cell = '';
    } else cell += c;
  }
  out.push(cell);
  return out;
}
