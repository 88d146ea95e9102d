import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  cookiesFrom,
  csrfFrom,
  deliverMail,
  northshire,
  riverford,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import { boxAround } from './geo.ts';
import { processPhoto } from './photos.ts';
import { createReportDeps } from './routes.ts';
import { createReport } from './service.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

/** A JPEG from a phone camera: its EXIF names the camera and where the photo was taken. */
async function cameraJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 1200, height: 900, channels: 3, background: '#777' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneCam', Model: 'X1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '52/1 10/1 52/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '1/1 10/1 49/1',
      },
    })
    .toBuffer();
}

/** The GPS IFD pointer tag (0x8825), in either byte order. */
const hasGpsTag = (exif: Buffer) =>
  exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88]));

function multipart(
  fields: Record<string, string>,
  files: { name: string; filename: string; bytes: Buffer }[],
) {
  const boundary = '----doorstep-test-boundary';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\ncontent-type: image/jpeg\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

const count = async (sql: string, params: unknown[] = []) =>
  (await t.app.services.db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params))[0]!.n;

describe('photos', () => {
  it('a JPEG with GPS EXIF comes out with none: re-encoded, resized, with a thumbnail', async () => {
    const input = await cameraJpeg();
    const meta = await sharp(input).metadata();
    assert.ok(meta.exif && hasGpsTag(meta.exif), 'the test photo carries GPS EXIF');
    const out = await processPhoto(input);
    assert.ok(!('problem' in out));
    for (const bytes of [out.full, out.thumb]) {
      const m = await sharp(bytes).metadata();
      assert.equal(m.exif, undefined);
      assert.equal(m.format, 'jpeg');
      assert.equal(bytes.includes(Buffer.from('Exif\0')), false, 'no EXIF block at all');
      assert.equal(bytes.includes(Buffer.from('PhoneCam')), false);
    }
    assert.deepEqual([out.width, out.height], [1200, 900]);
    const thumb = await sharp(out.thumb).metadata();
    assert.deepEqual([thumb.width, thumb.height], [320, 240]);
    assert.deepEqual(await processPhoto(Buffer.from('MZ not an image at all')), { problem: 'type' });
  });
});

describe('reporting a problem without JavaScript', () => {
  it('finds the place by postcode, routes a pothole to Northshire from Riverford’s site, offers the one 30 m away first', async () => {
    const found = await t.app.inject({ url: '/report?q=RF1+1AA', headers: riverford });
    assert.equal(found.statusCode, 200);
    const uprn = /name="uprn" type="radio" value="(\d+)"/.exec(found.body)?.[1];
    assert.ok(uprn, 'an address to pick');
    const [address] = await t.app.services.db.query<{ lat: number; lng: number }>(
      'select lat, lng from addresses where tenant_id = $1 and uprn = $2',
      [t.tenants.riverford.id, uprn],
    );
    // An open pothole 30 m north of the address, already reported.
    const north = boxAround(address!, 30).maxLat;
    const existing = await createReport(createReportDeps(t.app.services), {
      madeOn: t.app.services.tenants.bySlug('northshire')!,
      place: { lat: north, lng: address!.lng, addressText: 'By the address' },
      category: 'pothole',
      title: 'Pothole thirty metres up',
      description: 'Deep',
      name: 'A Neighbour',
      email: 'neighbour@example.com',
      phone: null,
      hideName: true,
      extra: {},
      photos: [],
      channel: 'web',
      lang: 'en',
    });
    assert.equal(existing.kind, 'created');
    const existingRef = existing.kind === 'created' ? existing.report.reference : '';

    const categories = await t.app.inject({ url: `/report/category?uprn=${uprn}`, headers: riverford });
    assert.equal(categories.statusCode, 200);
    assert.match(categories.body, /value="pothole"/);
    assert.match(categories.body, /value="bins"/);

    const details = await t.app.inject({
      url: `/report/details?uprn=${uprn}&category=pothole`,
      headers: riverford,
    });
    assert.equal(details.statusCode, 200);
    assert.match(details.body, /Northshire County Council/);
    const nearbyAt = details.body.indexOf(existingRef);
    assert.ok(nearbyAt > 0, 'the report 30 m away is offered');
    assert.ok(nearbyAt < details.body.indexOf('name="title"'), 'before the form');
    assert.match(details.body, /30 metres away/);

    const cookie = cookiesFrom(details);
    const filesBefore = await count('files');
    const body = multipart(
      {
        _csrf: csrfFrom(details.body),
        uprn: uprn!,
        category: 'pothole',
        title: 'Another pothole',
        description: 'By the drain',
        depth: 'deep',
        name: 'Guest Person',
        email: 'guest@example.com',
        phone: '',
        hideName: 'yes',
      },
      [{ name: 'photos', filename: 'IMG_0001.jpg', bytes: await cameraJpeg() }],
    );
    const sent = await t.app.inject({
      method: 'POST',
      url: '/report/details',
      headers: { ...riverford, cookie, 'content-type': body.type },
      payload: body.payload,
    });
    assert.equal(sent.statusCode, 303, sent.body);
    const location = new URL(sent.headers.location as string, 'http://x');
    const reference = location.searchParams.get('reference')!;
    assert.equal(location.searchParams.get('council'), 'northshire');
    assert.match(reference, /^NS-/);
    assert.equal(
      await count('reports where tenant_id = $1 and reference = $2', [t.tenants.northshire.id, reference]),
      1,
    );
    assert.equal(
      await count('reports where tenant_id = $1 and reference = $2', [t.tenants.riverford.id, reference]),
      0,
    );
    assert.equal(await count('files'), filesBefore + 2, 'photo and thumbnail');
    const [report] = await t.app.services.db.query<{
      extra: Record<string, unknown>;
      hide_name: boolean;
      status: string;
      due_at: Date;
      queue: string;
    }>(
      `select r.extra, r.hide_name, c.status, c.due_at, c.queue from reports r join cases c on c.tenant_id = r.tenant_id and c.id = r.case_id
        where r.tenant_id = $1 and r.reference = $2`,
      [t.tenants.northshire.id, reference],
    );
    assert.deepEqual(report!.extra, { depth: 'deep' });
    assert.equal(report!.hide_name, true);
    assert.equal(report!.status, 'received');
    assert.equal(report!.queue, 'reports:pothole');
    assert.ok(report!.due_at);

    const confirmation = await t.app.inject({ url: location.pathname + location.search, headers: riverford });
    assert.equal(confirmation.statusCode, 200);
    assert.match(confirmation.body, new RegExp(reference));
    assert.match(confirmation.body, /Northshire County Council/);

    // Its public page: no name (hidden), the photo served without EXIF.
    const page = await t.app.inject({ url: `/reports/${reference}`, headers: northshire });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /Guest Person/);
    const photo = /src="(\/reports\/photos\/[0-9a-f-]+)\/thumb"/.exec(page.body)?.[1];
    assert.ok(photo);
    const served = await t.app.inject({ url: photo!, headers: northshire });
    assert.equal(served.statusCode, 200);
    assert.equal((await sharp(served.rawPayload).metadata()).exif, undefined);
    // Another council's site does not serve it.
    assert.equal((await t.app.inject({ url: `/reports/${reference}`, headers: riverford })).statusCode, 404);
    // /track works too: a report is a case.
    assert.equal((await t.app.inject({ url: `/track/${reference}`, headers: northshire })).statusCode, 200);

    const mail = await deliverMail(t, northshire);
    assert.ok(mail.some((m) => m.to === 'guest@example.com' && m.subject.includes(reference)));
  });

  it('bad input: an error summary, the answers kept, nothing made', async () => {
    const details = await t.app.inject({
      url: '/report/details?lat=52.1812&lng=-1.1804&category=bins',
      headers: riverford,
    });
    const before = await count('reports');
    const body = multipart(
      {
        _csrf: csrfFrom(details.body),
        lat: '52.1812',
        lng: '-1.1804',
        category: 'bins',
        title: 'Kept title',
        email: 'not-an-email',
      },
      [],
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/report/details',
      headers: { ...riverford, cookie: cookiesFrom(details), 'content-type': body.type },
      payload: body.payload,
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /Describe the problem/);
    assert.match(res.body, /Enter an email address in the correct format/);
    assert.match(res.body, /Select what the problem is|What is the problem\?/);
    assert.match(res.body, /value="Kept title"/);
    assert.equal(await count('reports'), before);
  });

  it('a place outside every council gets a clear message', async () => {
    const res = await t.app.inject({ url: '/report/category?lat=51.5&lng=-0.12', headers: riverford });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /outside the area of every council/);
  });
});

describe('following a report, and area alerts', () => {
  it('a "me too" follower confirms by email, gets updates, and stops with one click', async () => {
    const deps = createReportDeps(t.app.services);
    const made = await createReport(deps, {
      madeOn: t.app.services.tenants.bySlug('riverford')!,
      place: { lat: 52.1678, lng: -1.1652, addressText: 'Bridge Road' },
      category: 'graffiti',
      title: 'Graffiti on the bridge',
      description: 'Large tag',
      name: 'R',
      email: null,
      phone: null,
      hideName: false,
      extra: { offensive: false },
      photos: [],
      channel: 'web',
      lang: 'en',
    });
    assert.equal(made.kind, 'created');
    if (made.kind !== 'created') return;
    const ref = made.report.reference;
    const page = await t.app.inject({ url: `/reports/${ref}`, headers: riverford });
    const follow = await t.app.inject({
      method: 'POST',
      url: `/reports/${ref}/follow`,
      headers: { ...riverford, cookie: cookiesFrom(page) },
      payload: { _csrf: csrfFrom(page.body), email: 'metoo@example.com' },
    });
    assert.equal(follow.statusCode, 303);
    let mail = await deliverMail(t, riverford);
    const confirm = /(http\S+\/confirm\?\S+)/.exec(mail.find((m) => m.to === 'metoo@example.com')!.text)![1]!;
    const confirmUrl = new URL(confirm);
    assert.equal(
      (await t.app.inject({ url: confirmUrl.pathname + confirmUrl.search, headers: riverford })).statusCode,
      200,
    );
    // A forged link does nothing.
    assert.equal(
      (
        await t.app.inject({
          url: confirmUrl.pathname + confirmUrl.search.replace(/token=[^&]+/, 'token=forged'),
          headers: riverford,
        })
      ).statusCode,
      404,
    );

    const { addReportUpdate } = await import('./service.ts');
    await t.app.services.db.transaction((tx) =>
      addReportUpdate(deps, tx, made.council, made.report, {
        source: 'staff',
        status: 'in-progress',
        description: 'Crew booked',
      }),
    );
    mail = await deliverMail(t, riverford);
    const update = mail.find((m) => m.to === 'metoo@example.com' && m.subject.includes('Update'));
    assert.ok(update);
    assert.match(update!.text, /Crew booked/);
    const stop = new URL(/(http\S+\/stop\?\S+)/.exec(update!.text)![1]!);
    assert.equal(
      (await t.app.inject({ url: stop.pathname + stop.search, headers: riverford })).statusCode,
      200,
    );
    const latest = await t.app.services.db.query(
      'select 1 from report_followers where case_id = $1 and stopped_at is not null',
      [made.report.caseId],
    );
    assert.equal(latest.length, 1);
    const shown = await t.app.inject({ url: `/reports/${ref}`, headers: riverford });
    assert.match(shown.body, /Crew booked/);
    assert.match(shown.body, /In progress/);
  });

  it('an area alert, confirmed by email, tells of a new report nearby in either council', async () => {
    const form = await t.app.inject({ url: '/alerts', headers: riverford });
    const res = await t.app.inject({
      method: 'POST',
      url: '/alerts',
      headers: { ...riverford, cookie: cookiesFrom(form) },
      payload: {
        _csrf: csrfFrom(form.body),
        postcode: 'rf2 3bb',
        radius: '500',
        email: 'watcher@example.com',
      },
    });
    assert.equal(res.statusCode, 200);
    let mail = await deliverMail(t, riverford);
    const confirm = new URL(
      /(http\S+\/confirm\?\S+)/.exec(mail.find((m) => m.to === 'watcher@example.com')!.text)![1]!,
    );
    assert.equal(
      (await t.app.inject({ url: confirm.pathname + confirm.search, headers: riverford })).statusCode,
      200,
    );
    const [addr] = await t.app.services.db.query<{ lat: number; lng: number }>(
      `select lat, lng from addresses where tenant_id = $1 and postcode = 'RF2 3BB' limit 1`,
      [t.tenants.riverford.id],
    );
    const made = await createReport(createReportDeps(t.app.services), {
      madeOn: t.app.services.tenants.bySlug('riverford')!,
      place: { ...addr!, addressText: 'Bridge Road' },
      category: 'street-light',
      title: 'Light out on Bridge Road',
      description: 'Dark',
      name: null,
      email: null,
      phone: null,
      hideName: false,
      extra: { fault: 'off' },
      photos: [],
      channel: 'web',
      lang: 'en',
    });
    assert.equal(made.kind === 'created' && made.council.slug, 'northshire');
    mail = await deliverMail(t, northshire);
    assert.ok(
      mail.some((m) => m.to === 'watcher@example.com' && m.subject.includes('Light out on Bridge Road')),
    );
  });

  it('reports around a place: both councils, filtered and paginated', async () => {
    const res = await t.app.inject({ url: '/reports?q=RF1+1AA', headers: riverford });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Northshire County Council/);
    const open = await t.app.inject({
      url: '/reports?q=RF1+1AA&status=closed&category=pothole',
      headers: riverford,
    });
    assert.equal(open.statusCode, 200);
    assert.doesNotMatch(open.body, /Another pothole/);
  });
});
