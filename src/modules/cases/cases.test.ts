import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cookiesFrom,
  csrfFrom,
  deliverMail,
  northshire,
  riverford,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import { binForm, publishForm } from '../../../test/support/forms.ts';
import { generateReference } from '../../platform/references/reference.ts';
import { referenceCandidates } from './references.ts';
import { recordSubmission, updateCaseStatus } from './service.ts';

let t: TestApp;
let reference: string;
before(async () => {
  t = await testApp();
  const tenant = t.app.services.tenants.bySlug('riverford')!;
  const { db } = t.app.services;
  const version = await publishForm(db, t.tenants.riverford.id, binForm());
  const made = await db.transaction((tx) =>
    recordSubmission(tx, {
      tenant,
      serviceSlug: 'missed-bin-collection',
      formSlug: 'missed-bin-collection',
      formVersion: version,
      queue: 'waste',
      dueAt: null,
      submissionKey: 'test-1',
      answers: { binType: 'recycling' },
      assessments: [],
      email: 'resident@example.com',
      uprn: '100000000001',
      channel: 'web',
      submittedByStaff: null,
      summary: 'Missed recycling',
    }),
  );
  reference = made.case.reference;
  await updateCaseStatus(db, t.tenants.riverford.id, made.case.id, 'in-progress', {
    en: 'A crew will return tomorrow.',
    cy: 'Bydd criw yn dychwelyd yfory.',
  });
});
after(() => t.close());

describe('recording a submission', () => {
  it('makes one case for one submission, however often it is sent', async () => {
    const tenant = t.app.services.tenants.bySlug('riverford')!;
    const again = await t.app.services.db.transaction((tx) =>
      recordSubmission(tx, {
        tenant,
        serviceSlug: null,
        formSlug: 'missed-bin-collection',
        formVersion: 1,
        queue: 'waste',
        dueAt: null,
        submissionKey: 'test-1',
        answers: {},
        assessments: [],
        email: null,
        uprn: null,
        channel: 'web',
        submittedByStaff: null,
        summary: '',
      }),
    );
    assert.equal(again.created, false);
    assert.equal(again.case.reference, reference);
    assert.match(reference, /^RF-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const [timeline] = await t.app.services.db.query<{ n: number }>(
      // This case's own: the demo reports have theirs on the timeline too.
      `select count(*)::int as n from interactions where tenant_id = $1 and channel = 'web' and kind = 'submission'
          and case_id = $2`,
      [t.tenants.riverford.id, again.case.id],
    );
    assert.equal(timeline?.n, 1);
  });
});

describe('tracking at /track', () => {
  it('shows the status and public updates, in Welsh too', async () => {
    const page = await t.app.inject({ url: `/track/${reference}`, headers: riverford });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /In progress/);
    assert.match(page.body, /A crew will return tomorrow/);
    assert.match(page.body, /Received/);
    assert.doesNotMatch(page.body, /recycling/, 'no personal details before the email is proved');
    const cy = await t.app.inject({
      url: `/track/${reference}`,
      headers: { ...riverford, cookie: 'lang=cy' },
    });
    assert.match(cy.body, /Bydd criw yn dychwelyd yfory/);
  });

  it('reads a reference typed loosely', async () => {
    const loose = reference.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o');
    const res = await t.app.inject({
      url: `/track?reference=${encodeURIComponent(loose)}`,
      headers: riverford,
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/track/${reference}`);
  });

  it('offers "did you mean" for a reference with one character wrong', async () => {
    const body = reference.replace(/-/g, '').slice(2);
    const wrong = body[0] === 'A' ? 'B' : 'A';
    const typo = `RF-${wrong}${body.slice(1, 4)}-${body.slice(4)}`;
    const page = await t.app.inject({
      url: `/track?reference=${encodeURIComponent(typo)}`,
      headers: riverford,
    });
    assert.match(page.body, /Did you mean this reference\?/);
    assert.match(page.body, new RegExp(`href="/track/${reference}"`));
  });

  it('explains a reference that is malformed or unknown, and never shows another council’s case', async () => {
    const bad = await t.app.inject({ url: '/track?reference=hello', headers: riverford });
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /Enter a reference in the right format, like RF-7K4P-2Q9M/);
    const empty = await t.app.inject({ url: '/track?reference=', headers: riverford });
    assert.match(empty.body, /Enter your reference/);
    const elsewhere = await t.app.inject({ url: `/track?reference=${reference}`, headers: northshire });
    assert.match(elsewhere.body, /We could not find a request with the reference/);
  });

  it('shows personal details only after a code sent to the email is entered', async () => {
    const page = await t.app.inject({ url: `/track/${reference}`, headers: riverford });
    assert.match(page.body, /r•+@example\.com/);
    let cookie = cookiesFrom(page);
    const send = await t.app.inject({
      method: 'POST',
      url: `/track/${reference}/code`,
      headers: { ...riverford, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrfFrom(page.body))}`,
    });
    assert.equal(send.statusCode, 303);
    cookie = cookiesFrom(send, cookie);
    const mail = await deliverMail(t, riverford);
    const code = /Your code is (\d{6})/.exec(mail[0]!.text)?.[1];
    assert.ok(code);
    assert.equal(mail[0]!.to, 'resident@example.com');

    const form = await t.app.inject({ url: `/track/${reference}/verify`, headers: { ...riverford, cookie } });
    assert.match(form.body, /autocomplete="one-time-code"/);
    const csrf = csrfFrom(form.body);
    const wrong = await t.app.inject({
      method: 'POST',
      url: `/track/${reference}/verify`,
      headers: { ...riverford, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&code=${code === '000000' ? '111111' : '000000'}`,
    });
    cookie = cookiesFrom(wrong, cookie);
    const again = await t.app.inject({
      url: `/track/${reference}/verify`,
      headers: { ...riverford, cookie },
    });
    assert.match(again.body, /The code is not right/);

    const right = await t.app.inject({
      method: 'POST',
      url: `/track/${reference}/verify`,
      headers: { ...riverford, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&code=${code}`,
    });
    assert.equal(right.statusCode, 303);
    const rotated = cookiesFrom(right, cookie);
    assert.notEqual(rotated, cookie, 'the session id changes when the person proves who they are');
    const details = await t.app.inject({
      url: `/track/${reference}`,
      headers: { ...riverford, cookie: rotated },
    });
    assert.match(details.body, /The details you gave/);
    assert.match(details.body, /Which bin was missed\?[\s\S]*Recycling/);
  });
});

describe('reference candidates', () => {
  it('include the intended reference for one changed character or one swap of neighbours', () => {
    for (let n = 0; n < 50; n++) {
      const intended = generateReference('RF');
      const body = intended.replace(/-/g, '').slice(2);
      const position = n % 8;
      const changed = body[position] === '7' ? '8' : '7';
      const typo = `RF${body.slice(0, position)}${changed}${body.slice(position + 1)}`;
      assert.ok(referenceCandidates(typo).includes(intended), `${typo} -> ${intended}`);
      const swapAt = n % 7;
      if (body[swapAt] !== body[swapAt + 1]) {
        const swapped = `RF${body.slice(0, swapAt)}${body[swapAt + 1]}${body[swapAt]}${body.slice(swapAt + 2)}`;
        assert.ok(referenceCandidates(swapped).includes(intended), `${swapped} -> ${intended}`);
      }
      assert.deepEqual(referenceCandidates(intended), [], 'a valid reference needs no guessing');
    }
  });
});
