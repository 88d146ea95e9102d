import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cookiesFrom,
  csrfFrom,
  northshire,
  riverford,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import { recordSubmission } from '../cases/service.ts';
import { satisfactionToken } from './service.ts';

let t: TestApp;
let reference: string;
let caseId: string;
before(async () => {
  t = await testApp();
  const tenant = t.app.services.tenants.bySlug('riverford')!;
  const made = await t.app.services.db.transaction((tx) =>
    recordSubmission(tx, {
      tenant,
      serviceSlug: 'missed-bin-collection',
      formSlug: 'missed-bin-collection',
      formVersion: 1,
      queue: 'waste',
      dueAt: null,
      submissionKey: 'satisfaction-test',
      answers: {},
      assessments: [],
      email: null,
      uprn: null,
      channel: 'web',
      submittedByStaff: null,
      summary: '',
    }),
  );
  reference = made.case.reference;
  caseId = made.case.id;
});
after(() => t.close());

const stored = async () =>
  t.app.services.db.query<{ rating: string; comment: string; service_slug: string }>(
    'select rating, comment, service_slug from satisfaction where tenant_id = $1 and case_id = $2',
    [t.tenants.riverford.id, caseId],
  );

async function openQuestion(token: string) {
  const page = await t.app.inject({
    url: `/satisfaction?reference=${reference}&token=${encodeURIComponent(token)}`,
    headers: riverford,
  });
  return { page, cookie: cookiesFrom(page) };
}

describe('the satisfaction question', () => {
  it('is answered without an account and stored against the case and its service', async () => {
    const token = satisfactionToken(t.app.services.signer, t.tenants.riverford.id, reference);
    const { page, cookie } = await openQuestion(token);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Overall, how did you feel about this service\?/);
    const post = await t.app.inject({
      method: 'POST',
      url: '/satisfaction',
      headers: { ...riverford, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: csrfFrom(page.body),
        reference,
        token,
        rating: 'satisfied',
        comment: 'Quick and easy',
      }).toString(),
    });
    assert.equal(post.statusCode, 303);
    assert.equal(post.headers.location, '/satisfaction/thank-you');
    assert.deepEqual(await stored(), [
      { rating: 'satisfied', comment: 'Quick and easy', service_slug: 'missed-bin-collection' },
    ]);
  });

  it('asks again with an error summary when no rating is chosen, changing nothing', async () => {
    const token = satisfactionToken(t.app.services.signer, t.tenants.riverford.id, reference);
    const { page, cookie } = await openQuestion(token);
    const post = await t.app.inject({
      method: 'POST',
      url: '/satisfaction',
      headers: { ...riverford, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body), reference, token, comment: 'x' }).toString(),
    });
    assert.equal(post.statusCode, 303);
    const again = await t.app.inject({
      url: String(post.headers.location),
      headers: { ...riverford, cookie: cookiesFrom(post, cookie) },
    });
    assert.match(again.body, /href="#rating">Select how you felt about this service/);
    assert.equal((await stored())[0]?.comment, 'Quick and easy');
  });

  it('refuses a forged token or another council’s host', async () => {
    const forged = await t.app.inject({
      url: `/satisfaction?reference=${reference}&token=forged`,
      headers: riverford,
    });
    assert.equal(forged.statusCode, 403);
    const token = satisfactionToken(t.app.services.signer, t.tenants.riverford.id, reference);
    const elsewhere = await t.app.inject({
      url: `/satisfaction?reference=${reference}&token=${encodeURIComponent(token)}`,
      headers: northshire,
    });
    assert.equal(elsewhere.statusCode, 404);
  });
});
