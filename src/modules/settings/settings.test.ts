import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { northshire, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor } from '../../../test/support/staff.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { checkContrast } from './service.ts';

let t: TestApp;
let admin: Visitor;

before(async () => {
  t = await testApp();
  admin = await signInStaff(t, northshire, 'admin@northshire.example');
});

after(async () => {
  await t?.close();
});

/** The settings form as it stands, with some fields changed. */
async function settingsWith(changes: Record<string, string>) {
  const page = await admin.get('/staff/settings');
  const value = (name: string) => {
    const input = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(page.body)?.[1];
    const area = new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(page.body)?.[1];
    return (input ?? area ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  };
  const names = [
    'nameEn',
    'nameCy',
    'colour',
    'logoSvg',
    'phone',
    'email',
    'addressEn',
    'addressCy',
    'hoursEn',
    'hoursCy',
    'footerLinks',
  ];
  return { ...Object.fromEntries(names.map((n) => [n, value(n)])), ...changes };
}

describe('council settings', () => {
  test('the contrast check rounds down, so a near miss never shows as a pass', () => {
    assert.deepEqual(checkContrast('#ffdd00', '#0b0c0c').onWhite, { ok: false, ratio: '1.34' });
    assert.equal(checkContrast('#5c2483', '#ffffff').onColour.ok, true);
  });

  test('a colour with too little contrast is refused with the ratio shown, and nothing changes', async () => {
    const refused = await admin.post(
      '/staff/settings',
      '/staff/settings',
      await settingsWith({ colour: '#ffdd00' }),
    );
    assert.equal(refused.statusCode, 400);
    const body = textOf(refused.body);
    assert.match(body, /There is a problem/);
    assert.match(
      body,
      /The colour #ffdd00 has a contrast ratio of 1\.34:1 with white; it needs at least 4\.5:1/,
    );
    const css = await t.app.inject({ url: '/brand.css', headers: northshire });
    assert.match(css.body, /--govuk-brand-colour:#00594f/);
    const entries = await listAudit(t.app.services.db, t.tenants.northshire.id, {
      subjectType: 'council',
      limit: 5,
    });
    assert.equal(entries.length, 0);
  });

  test('an administrator changes the colour; it is audited before and after, and served at once', async () => {
    const saved = await admin.post(
      '/staff/settings',
      '/staff/settings',
      await settingsWith({ colour: '#1d4f91' }),
    );
    assert.equal(saved.headers.location, '/staff/settings?saved=1', textOf(saved.body).slice(0, 2000));
    const css = await t.app.inject({ url: '/brand.css', headers: northshire });
    assert.match(css.body, /--govuk-brand-colour:#1d4f91/);
    const [entry] = await listAudit(t.app.services.db, t.tenants.northshire.id, {
      subjectType: 'council',
      limit: 1,
    });
    assert.deepEqual(entry?.details.changes, [{ path: 'brand.colour', before: '#00594f', after: '#1d4f91' }]);
    const history = await admin.get('/staff/changes');
    assert.match(textOf(history.body), /Council settings changed/);
  });

  test('a service manager cannot change council settings; a retention entry is added and offered to forms', async () => {
    const manager = await signInStaff(t, northshire, 'manager@northshire.example');
    assert.equal((await manager.get('/staff/settings')).statusCode, 403);
    const added = await admin.post('/staff/settings/retention', '/staff/settings/retention', {
      purposeEn: 'To arrange a collection',
      purposeCy: 'I drefnu casgliad',
      amount: '3',
      unit: 'M',
      starts: 'submitted',
    });
    assert.equal(added.headers.location, '/staff/settings/retention');
    const question = await manager.get('/staff/forms/dropped-kerb/pages/about-you/questions/new?type=text');
    if (question.statusCode === 200) assert.match(textOf(question.body), /To arrange a collection/);
    const empty = await admin.post('/staff/settings/retention', '/staff/settings/retention', { amount: 'x' });
    assert.equal(empty.statusCode, 400);
    assert.match(textOf(empty.body), /Enter the purpose in English/);
  });
});
