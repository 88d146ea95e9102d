import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  cookiesFrom,
  csrfFrom,
  deliverMail,
  riverford,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import { binForm, publishForm } from '../../../test/support/forms.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
  await publishForm(t.app.services.db, t.tenants.riverford.id, binForm());
});
after(() => t.close());

const count = async (table: string) =>
  (
    await t.app.services.db.query<{ n: number }>(
      `select count(*)::int as n from ${table} where tenant_id = $1`,
      [t.tenants.riverford.id],
    )
  )[0]!.n;

/** A visitor with a cookie jar, as a browser without JavaScript, from an address of their own. */
let visitors = 0;
function visitor() {
  visitors += 1;
  const remoteAddress = `10.0.${visitors >> 8}.${visitors & 255}`;
  let cookie = '';
  let csrf = '';
  return {
    async get(url: string) {
      const res = await t.app.inject({ url, remoteAddress, headers: { ...riverford, cookie } });
      cookie = cookiesFrom(res, cookie);
      if (res.statusCode === 200 && /name="_csrf"/.test(res.body)) csrf = csrfFrom(res.body);
      return res;
    },
    async post(url: string, fields: Record<string, string | string[]>) {
      const body = new URLSearchParams();
      body.append('_csrf', csrf);
      for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
      const res = await t.app.inject({
        method: 'POST',
        url,
        remoteAddress,
        headers: { ...riverford, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: body.toString(),
      });
      cookie = cookiesFrom(res, cookie);
      return res;
    },
  };
}

const form = '/forms/missed-bin-collection';

describe('a guest completing a form', () => {
  let before: Record<string, number>;
  beforeEach(async () => {
    before = { cases: await count('cases'), drafts: await count('form_drafts') };
  });

  it('answers one thing per page, checks, sends and gets a reference on screen and by email', async () => {
    const v = visitor();
    const start = await v.get(form);
    assert.equal(start.headers.location, `${form}/which-bin`);
    const first = await v.get(`${form}/which-bin`);
    assert.match(first.body, /<h1 class="govuk-fieldset__heading">\s*Which bin was missed\?/);
    assert.match(first.body, /How we use the information you give on this form/);

    let res = await v.post(`${form}/which-bin`, { binType: 'recycling' });
    assert.equal(res.headers.location, `${form}/contact`);
    const second = await v.get(`${form}/contact`);
    assert.match(second.body, new RegExp(`href="${form}/which-bin"[^>]*>Back`));
    res = await v.post(`${form}/contact`, { email: 'Jo@Example.com' });
    assert.equal(res.headers.location, `${form}/check`);

    const check = await v.get(`${form}/check`);
    assert.match(check.body, /Check your answers before sending/);
    assert.match(check.body, /Recycling/);
    assert.match(check.body, new RegExp(`href="${form}/which-bin\\?change=1"`));

    res = await v.post(`${form}/submit`, {});
    assert.equal(res.headers.location, `${form}/done`);
    const done = await v.get(`${form}/done`);
    const reference = /<strong class="app-reference">(RF-[0-9A-Z]{4}-[0-9A-Z]{4})<\/strong>/.exec(
      done.body,
    )?.[1];
    assert.ok(reference, 'the reference is on the confirmation page');
    assert.match(done.body, /Overall, how did you feel about this service\?/);
    assert.equal(await count('cases'), before.cases! + 1);

    const mail = (await deliverMail(t, riverford)) as {
      to: string;
      subject: string;
      text: string;
    }[];
    const confirmation = mail.find((m) => m.to === 'Jo@example.com');
    assert.ok(confirmation, 'a confirmation went to the email given');
    assert.match(confirmation.subject, new RegExp(reference));
    assert.match(confirmation.text, new RegExp(`/track/${reference}`));
    assert.ok(
      mail.some((m) => m.to === 'hello@riverford.example' && m.subject.includes(reference)),
      'the team is told',
    );

    const again = await v.post(`${form}/submit`, {});
    assert.equal(again.headers.location, `${form}/done`);
    assert.equal(await count('cases'), before.cases! + 1, 'sending again makes no second case');
  });

  it('keeps what was typed and explains the problem with an error summary', async () => {
    const v = visitor();
    await v.get(`${form}/which-bin`);
    const res = await v.post(`${form}/which-bin`, {});
    assert.equal(res.headers.location, `${form}/which-bin`);
    const page = await v.get(`${form}/which-bin`);
    assert.match(page.body, /govuk-error-summary/);
    assert.match(page.body, /<title>Error: /);
    assert.match(page.body, /href="#binType"/);
    await v.post(`${form}/which-bin`, { binType: 'refuse' });
    await v.get(`${form}/contact`);
    await v.post(`${form}/contact`, { email: 'not an email' });
    const contact = await v.get(`${form}/contact`);
    assert.match(contact.body, /value="not an email"/);
    assert.match(contact.body, /href="#email"/);
  });

  it('returns to check your answers after a change', async () => {
    const v = visitor();
    await v.get(`${form}/which-bin`);
    await v.post(`${form}/which-bin`, { binType: 'refuse' });
    await v.get(`${form}/contact`);
    await v.post(`${form}/contact`, {});
    const change = await v.get(`${form}/which-bin?change=1`);
    assert.match(change.body, /value="refuse" checked/);
    assert.match(change.body, new RegExp(`href="${form}/check"[^>]*>Back`));
    const res = await v.post(`${form}/which-bin?change=1`, { binType: 'recycling' });
    assert.equal(res.headers.location, `${form}/check`);
    const check = await v.get(`${form}/check`);
    assert.match(check.body, /Recycling/);
  });
});

describe('many people answering at once', () => {
  it('keeps every answer, each on its own draft, however the writes are grouped', async () => {
    const people = Array.from({ length: 40 }, () => visitor());
    const bins = ['refuse', 'recycling'];
    const labels: Record<string, string> = { refuse: 'Rubbish', recycling: 'Recycling' };
    const first = (i: number) => bins[i % 2]!;
    const last = (i: number) => bins[(i + 1) % 2]!;
    await Promise.all(people.map((v) => v.get(`${form}/which-bin`)));
    // Everyone at once; each person answers, then changes their mind: the last answer stands.
    const checks = await Promise.all(
      people.map(async (v, i) => {
        const res = await v.post(`${form}/which-bin`, { binType: first(i) });
        assert.equal(res.headers.location, `${form}/contact`);
        await v.post(`${form}/which-bin`, { binType: last(i) });
        await v.post(`${form}/contact`, { email: 'many@example.com' });
        return v.get(`${form}/check`);
      }),
    );
    checks.forEach((page, i) => {
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(labels[last(i)]!), `person ${i} sees their own last answer`);
      assert.doesNotMatch(page.body, new RegExp(labels[first(i)]!), `person ${i} sees no earlier answer`);
    });
  });

  it('show two visitors the same question page, each with their own CSRF token', async () => {
    const a = visitor();
    const b = visitor();
    const pageA = await a.get(`${form}/which-bin`);
    const pageB = await b.get(`${form}/which-bin`);
    const tokenA = csrfFrom(pageA.body);
    const tokenB = csrfFrom(pageB.body);
    assert.notEqual(tokenA, tokenB);
    assert.equal(pageA.body.replace(tokenA, 'TOKEN'), pageB.body.replace(tokenB, 'TOKEN'));
    // The token works: the second visitor's answer is taken.
    const res = await b.post(`${form}/which-bin`, { binType: 'recycling' });
    assert.equal(res.headers.location, `${form}/contact`);
    // And a page showing their answer is theirs alone.
    const again = await b.get(`${form}/which-bin`);
    assert.match(again.body, /value="recycling" checked/);
    const other = await a.get(`${form}/which-bin`);
    assert.doesNotMatch(other.body, /checked/);
  });
});

describe('crafted posts are refused and store nothing', () => {
  const cases: [
    string,
    string,
    Record<string, string | string[]>,
    (v: ReturnType<typeof visitor>) => Promise<void>,
  ][] = [
    ['a skipped page', `${form}/contact`, { email: 'a@b.com' }, async () => {}],
    ['an unknown field', `${form}/which-bin`, { binType: 'refuse', isAdmin: 'yes' }, async () => {}],
    ['a value outside the options', `${form}/which-bin`, { binType: 'nuclear' }, async () => {}],
    ['a field sent twice', `${form}/which-bin`, { binType: ['refuse', 'recycling'] }, async () => {}],
  ];
  for (const [name, url, fields] of cases) {
    it(name, async () => {
      const v = visitor();
      await v.get(`${form}/which-bin`);
      const drafts = await count('form_drafts');
      const res = await v.post(url, fields);
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /your answers were not saved/);
      assert.equal(await count('form_drafts'), drafts);
    });
  }

  it('an unpublished form', async () => {
    const res = await t.app.inject({ url: '/forms/no-such-form', headers: riverford });
    assert.equal(res.statusCode, 404);
  });
});

describe('the form schema', () => {
  it('is served for editors and integrators', async () => {
    const res = await t.app.inject({ url: '/schemas/form.json', headers: riverford });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /schema\+json/);
    assert.equal(res.json().$schema, 'https://json-schema.org/draft/2020-12/schema');
  });
});

describe('save and come back later', () => {
  it('emails a single-use link that brings the answers back in another browser', async () => {
    const v = visitor();
    await v.get(`${form}/which-bin`);
    await v.post(`${form}/which-bin`, { binType: 'recycling' });
    const page = await v.get(`${form}/contact`);
    assert.match(page.body, new RegExp(`href="${form}/save"`));
    await v.get(`${form}/save`);
    const empty = await v.post(`${form}/save`, { email: '' });
    assert.equal(empty.headers.location, `${form}/save`);
    assert.match((await v.get(`${form}/save`)).body, /Enter your email address/);
    const saved = await v.post(`${form}/save`, { email: 'saver@example.com' });
    assert.equal(saved.headers.location, `${form}/saved`);
    assert.match((await v.get(`${form}/saved`)).body, /We have sent a link to saver@example\.com/);

    const mail = (await deliverMail(t, riverford)) as {
      to: string;
      text: string;
    }[];
    const link = /http:\/\/riverford\.localhost:\d+(\/forms\/resume\/[\w-]+)/.exec(
      mail.find((m) => m.to === 'saver@example.com')?.text ?? '',
    )?.[1];
    assert.ok(link, 'the email holds a resume link');

    const elsewhere = visitor();
    const resumed = await elsewhere.get(link);
    assert.equal(resumed.statusCode, 303);
    // Only an optional email is left, so the form is complete: straight to the summary.
    assert.equal(resumed.headers.location, `${form}/check`);
    const check = await elsewhere.get(`${form}/check`);
    assert.match(check.body, /Recycling/, 'the answers given before saving are back');

    const again = await visitor().get(link);
    assert.equal(again.statusCode, 410, 'the link works once');
    assert.match(again.body, /This link has expired or has been used/);
  });
});

describe('an "add another" section and an eligibility check', () => {
  it('adds, changes and removes items, then shows the assessment on check your answers', async () => {
    const { fixtures } = await import('./engine/fixtures/index.ts');
    await publishForm(
      t.app.services.db,
      t.tenants.riverford.id,
      fixtures['single-person-discount'] as { slug: string },
    );
    const f = '/forms/single-person-discount';
    const v = visitor();
    const step = async (page: string, fields: Record<string, string>) => {
      await v.get(`${f}/${page}`);
      return v.post(`${f}/${page}`, fields);
    };
    await step('address', {
      'address-line1': '1 High Street',
      'address-town': 'Riverford',
      'address-postcode': 'RF1 1AA',
    });
    await step('account-number', { accountNumber: '12345678' });
    await step('your-name', { fullName: 'Sam Jones' });
    const yes = await step('other-adults', { otherAdults: 'yes' });
    assert.equal(yes.headers.location, `${f}/adults`);
    assert.equal(
      (await v.get(`${f}/adults`)).headers.location,
      `${f}/adults/1`,
      'the first item is asked for at once',
    );

    const adult = (name: string, year: string, status: string) => ({
      adultName: name,
      'adultDateOfBirth-day': '1',
      'adultDateOfBirth-month': '2',
      'adultDateOfBirth-year': year,
      adultStatus: status,
    });
    assert.equal(
      (await step('adults/1', adult('Alex', '2004', 'full-time-student'))).headers.location,
      `${f}/adults`,
    );
    const list = await v.get(`${f}/adults`);
    assert.match(list.body, /You have added 1 adult/);
    assert.equal(
      (await v.post(`${f}/adults`, {})).headers.location,
      `${f}/adults`,
      'yes or no must be chosen',
    );
    assert.match((await v.get(`${f}/adults`)).body, /Select yes if you need to add another/);
    assert.equal((await v.post(`${f}/adults`, { addAnother: 'yes' })).headers.location, `${f}/adults/2`);
    await step('adults/2', adult('Bo', '1980', 'none'));
    assert.match((await v.get(`${f}/adults`)).body, /You have added 2 adult/);
    await v.post(`${f}/adults/2/remove`, {});
    assert.match((await v.get(`${f}/adults`)).body, /You have added 1 adult/);
    assert.equal((await v.post(`${f}/adults`, { addAnother: 'no' })).headers.location, `${f}/start-date`);

    const today = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      month: 'numeric',
      year: 'numeric',
    })
      .format(new Date())
      .split('/');
    await step('start-date', {
      'discountFrom-day': today[0]!,
      'discountFrom-month': today[1]!,
      'discountFrom-year': today[2]!,
    });
    await step('contact', { email: 'sam@example.com', phone: '' });
    const last = await step('declaration', { declaration: 'yes' });
    assert.equal(last.headers.location, `${f}/check`);
    const check = await v.get(`${f}/check`);
    assert.match(check.body, /Adult 1: /);
    assert.match(check.body, /Alex/);
    assert.match(
      check.body,
      /You may get single person discount/,
      'the eligibility result is shown before sending',
    );
  });
});

describe('file uploads', () => {
  const purpose = { en: 'To see the evidence', cy: 'I weld y dystiolaeth' };
  const evidenceForm = {
    schemaVersion: 1,
    slug: 'evidence',
    title: { en: 'Send evidence', cy: 'Anfon tystiolaeth' },
    checkAnswers: true,
    confirmation: { title: { en: 'Sent', cy: 'Wedi’i anfon' }, body: { en: 'Thanks.', cy: 'Diolch.' } },
    pages: [
      {
        id: 'upload',
        kind: 'question',
        questions: [
          {
            id: 'photo',
            type: 'file',
            label: { en: 'Upload a photo', cy: 'Llwytho llun i fyny' },
            accept: ['image/png'],
            maxBytes: 1000,
            purpose,
            retention: { period: 'P1Y' },
          },
        ],
      },
    ],
  };
  // The smallest valid PNG: its signature is what counts, whatever the name or claimed type.
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c6360000002000154a24f7a0000000049454e44ae426082',
    'hex',
  );

  const upload = async (bytes: Buffer, filename: string) => {
    const v = visitor();
    const page = await v.get('/forms/evidence/upload');
    const csrf = csrfFrom(page.body);
    const cookie = cookiesFrom(page);
    const boundary = 'test-boundary';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/forms/evidence/upload',
      headers: { ...riverford, cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    return { res, cookie: cookiesFrom(res, cookie) };
  };

  before(async () => {
    await publishForm(t.app.services.db, t.tenants.riverford.id, evidenceForm);
  });

  it('keeps a real image, typed by its content', async () => {
    const filesBefore = await count('files');
    const { res } = await upload(png, 'holiday snap.png');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/forms/evidence/check');
    assert.equal(await count('files'), filesBefore + 1);
  });

  for (const [name, bytes] of [
    ['a file whose content is not what its name says', Buffer.from('MZ this is really a program')],
    ['a file over the question’s size limit', Buffer.concat([png, Buffer.alloc(2000)])],
  ] as const) {
    it(`refuses ${name} with a clear message, storing nothing`, async () => {
      const before = { files: await count('files'), drafts: await count('form_drafts') };
      const { res, cookie } = await upload(bytes, 'photo.png');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/forms/evidence/upload');
      const page = await t.app.inject({ url: '/forms/evidence/upload', headers: { ...riverford, cookie } });
      assert.match(page.body, /govuk-error-summary/);
      assert.match(page.body, /href="#photo"/);
      assert.deepEqual({ files: await count('files'), drafts: await count('form_drafts') }, before);
    });
  }

  it('refuses an upload over the site’s limit before reading it whole', async () => {
    const before = await count('files');
    const { res } = await upload(Buffer.alloc(11 * 1024 * 1024), 'huge.png');
    assert.equal(res.statusCode, 413);
    assert.equal(await count('files'), before);
  });
});
