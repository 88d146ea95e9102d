/**
 * Contract tests written from the GeoReport v2 specification's text
 * (http://wiki.open311.org/GeoReport_v2) and the FixMyStreet service request updates
 * extension, not from Doorstep's output: field names, types, XML element names, error lists.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { northshire, riverford, type TestApp, testApp } from '../../../../test/support/app.ts';
import { createApiKey } from '../../integrations/api-keys.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

// "All datetime values must be formatted in W3C format" (with a zone where a time is given).
const w3cDatetime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const datatypes = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'];
const referencePattern = /^[A-Z]{2}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

const get = (url: string, host = northshire) => t.app.inject({ url, headers: host });
const post = (url: string, form: Record<string, string>, host = northshire) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: { ...host, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });

/** The text of each child element `name` directly under the XML body's items. */
const xmlRoot = (xml: string) => /^<\?xml[^>]*\?>\s*<([a-z_]+)[\s>/]/.exec(xml)?.[1];
const xmlItems = (xml: string, item: string) =>
  [...xml.matchAll(new RegExp(`<${item}>([\\s\\S]*?)</${item}>`, 'g'))].map((m) => m[1]!);
const xmlField = (item: string, name: string) =>
  new RegExp(`<${name}>([^<]*)</${name}>|<${name}/>`).exec(item)?.[1] ?? '';

function assertErrors(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  code: number,
) {
  assert.equal(res.statusCode, code, res.body);
  if (String(res.headers['content-type']).includes('xml')) {
    assert.equal(xmlRoot(res.body), 'errors');
    const [error] = xmlItems(res.body, 'error');
    assert.equal(xmlField(error!, 'code'), String(code));
    assert.ok(xmlField(error!, 'description').length > 0);
    return;
  }
  const body = JSON.parse(res.body);
  assert.ok(Array.isArray(body), 'errors are a list');
  assert.equal(body[0].code, code);
  assert.equal(typeof body[0].description, 'string');
}

const validRequest = {
  api_key: 'demo-northshire-key',
  service_code: 'pothole',
  lat: '52.3307',
  long: '-1.5196',
  description: 'A pothole outside County Hall',
  email: 'integrator@example.com',
  first_name: 'Ivy',
  last_name: 'Grator',
  'attribute[depth]': 'deep',
};

describe('discovery', () => {
  it('JSON and XML list the endpoint with its specification, url, type and formats', async () => {
    const res = await get('/open311/discovery.json');
    assert.equal(res.statusCode, 200);
    const d = res.json();
    for (const key of ['changeset', 'contact', 'key_service', 'endpoints']) assert.ok(key in d, key);
    const [e] = d.endpoints;
    assert.equal(e.specification, 'http://wiki.open311.org/GeoReport_v2');
    assert.match(e.url, /\/open311\/v2$/);
    assert.ok(['production', 'test'].includes(e.type));
    assert.ok(e.formats.includes('application/json') && e.formats.includes('text/xml'));
    const xml = await get('/open311/discovery.xml');
    assert.equal(xmlRoot(xml.body), 'discovery');
    assert.match(xml.body, /<endpoints><endpoint>.*<formats><format>/);
  });
});

describe('GET services', () => {
  it('JSON: a bare array of services with the spec’s fields', async () => {
    const res = await get('/open311/v2/services.json');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const list = res.json();
    assert.ok(Array.isArray(list));
    assert.deepEqual(
      list.map((s: { service_code: string }) => s.service_code),
      ['pothole', 'street-light', 'pavement'],
    );
    for (const s of list) {
      for (const key of [
        'service_code',
        'service_name',
        'description',
        'metadata',
        'type',
        'keywords',
        'group',
      ])
        assert.ok(key in s, key);
      assert.ok(['true', 'false', true, false].includes(s.metadata));
      assert.ok(['realtime', 'batch', 'blackbox'].includes(s.type));
    }
    // Riverford's own list is its own categories.
    const rf = (await get('/open311/v2/services.json', riverford)).json();
    assert.deepEqual(
      rf.map((s: { service_code: string }) => s.service_code),
      ['bins', 'fly-tipping', 'graffiti', 'dog-fouling'],
    );
  });

  it('XML: <services> of <service>', async () => {
    const res = await get('/open311/v2/services.xml');
    assert.match(String(res.headers['content-type']), /xml/);
    assert.equal(xmlRoot(res.body), 'services');
    const items = xmlItems(res.body, 'service');
    assert.equal(items.length, 3);
    assert.equal(xmlField(items[0]!, 'service_code'), 'pothole');
    assert.equal(xmlField(items[0]!, 'metadata'), 'true');
  });

  it('GET services/{service_code}: attributes with code, datatype, datatype_description, description, order, required, variable, values', async () => {
    const res = await get('/open311/v2/services/pothole.json');
    assert.equal(res.statusCode, 200);
    const def = res.json();
    assert.equal(def.service_code, 'pothole');
    assert.ok(Array.isArray(def.attributes));
    const [a] = def.attributes;
    for (const key of [
      'variable',
      'code',
      'datatype',
      'required',
      'datatype_description',
      'order',
      'description',
    ])
      assert.ok(key in a, key);
    assert.equal(a.code, 'depth');
    assert.ok(datatypes.includes(a.datatype));
    assert.equal(a.datatype, 'singlevaluelist');
    assert.equal(typeof a.order, 'number');
    assert.ok(['true', 'false', true, false].includes(a.required));
    assert.deepEqual(
      a.values.map((v: { key: string }) => v.key),
      ['shallow', 'deep'],
    );
    for (const v of a.values) assert.equal(typeof v.name, 'string');
    const xml = await get('/open311/v2/services/pothole.xml');
    assert.equal(xmlRoot(xml.body), 'service_definition');
    assert.match(
      xml.body,
      /<attributes><attribute>.*<values><value><key>shallow<\/key><name>[^<]+<\/name><\/value>/,
    );
  });

  it('an unknown service_code is a 404 error list, in JSON and XML', async () => {
    assertErrors(await get('/open311/v2/services/nope.json'), 404);
    assertErrors(await get('/open311/v2/services/nope.xml'), 404);
  });
});

describe('POST requests', () => {
  it('needs a valid api_key: 403 otherwise, and nothing is made', async () => {
    const before = (
      await t.app.services.db.query<{ n: number }>('select count(*)::int as n from reports')
    )[0]!.n;
    const { api_key: _, ...noKey } = validRequest;
    assertErrors(await post('/open311/v2/requests.json', noKey), 403);
    assertErrors(await post('/open311/v2/requests.xml', { ...validRequest, api_key: 'wrong-key-123' }), 403);
    // Another council's demo key is not this council's.
    assertErrors(
      await post('/open311/v2/requests.json', { ...validRequest, api_key: 'demo-riverford-key' }),
      403,
    );
    const after = (await t.app.services.db.query<{ n: number }>('select count(*)::int as n from reports'))[0]!
      .n;
    assert.equal(after, before);
  });

  it('400 for a missing service_code, location, or required attribute; 404 for an unknown service_code', async () => {
    const { service_code: _, ...noCode } = validRequest;
    assertErrors(await post('/open311/v2/requests.json', noCode), 400);
    const { lat: _l, long: _g, ...noPlace } = validRequest;
    assertErrors(await post('/open311/v2/requests.json', noPlace), 400);
    const { 'attribute[depth]': _d, ...noAttr } = validRequest;
    assertErrors(await post('/open311/v2/requests.json', noAttr), 400);
    assertErrors(
      await post('/open311/v2/requests.json', { ...validRequest, 'attribute[depth]': 'bottomless' }),
      400,
    );
    assertErrors(await post('/open311/v2/requests.json', { ...validRequest, service_code: 'nope' }), 404);
  });

  it('creates a request: [{service_request_id}], the case reference; unknown parameters are ignored', async () => {
    const res = await post('/open311/v2/requests.json', {
      ...validRequest,
      made_up_param: 'x',
      'attribute[unknown]': 'y',
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.ok(Array.isArray(body));
    assert.match(body[0].service_request_id, referencePattern);
    assert.match(body[0].service_request_id, /^NS-/);

    const one = await get(`/open311/v2/requests/${body[0].service_request_id}.json`);
    assert.equal(one.statusCode, 200);
    const [r] = one.json();
    for (const key of [
      'service_request_id',
      'status',
      'status_notes',
      'service_name',
      'service_code',
      'description',
      'agency_responsible',
      'service_notice',
      'requested_datetime',
      'updated_datetime',
      'expected_datetime',
      'address',
      'address_id',
      'zipcode',
      'lat',
      'long',
      'media_url',
    ])
      assert.ok(key in r, key);
    assert.equal(r.status, 'open');
    assert.equal(r.service_code, 'pothole');
    assert.match(r.requested_datetime, w3cDatetime);
    assert.match(r.updated_datetime, w3cDatetime);
    assert.equal(typeof r.lat, 'number');
    assert.equal(r.long, -1.5196);

    const xml = await get(`/open311/v2/requests/${body[0].service_request_id}.xml`);
    assert.equal(xmlRoot(xml.body), 'service_requests');
    const [item] = xmlItems(xml.body, 'request');
    assert.equal(xmlField(item!, 'service_request_id'), body[0].service_request_id);
    assert.match(xmlField(item!, 'requested_datetime'), w3cDatetime);

    const token = await get(`/open311/v2/tokens/${body[0].service_request_id}.json`);
    assert.equal(token.json()[0].service_request_id, body[0].service_request_id);
  });

  it('takes multipart bodies and address_id (a UPRN) or address_string for the place, and answers XML', async () => {
    const [address] = await t.app.services.db.query<{ uprn: string }>(
      `select uprn from addresses where tenant_id = $1 and postcode = 'NS1 1AA' limit 1`,
      [t.tenants.northshire.id],
    );
    const boundary = 'b0undary';
    const fields = {
      api_key: 'demo-northshire-key',
      service_code: 'pavement',
      address_id: address!.uprn,
      description: 'Loose slab',
    };
    const payload = `${Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('')}--${boundary}--\r\n`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.xml',
      headers: { ...northshire, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(xmlRoot(res.body), 'service_requests');
    assert.match(xmlField(xmlItems(res.body, 'request')[0]!, 'service_request_id'), referencePattern);
    const byString = await post('/open311/v2/requests.json', {
      api_key: 'demo-northshire-key',
      service_code: 'pavement',
      address_string: 'Market Street, Northbridge',
      description: 'Cracked',
    });
    assert.equal(byString.statusCode, 200, byString.body);
  });

  it('a key created by staff works, and only its hash is kept', async () => {
    const { key } = await createApiKey(t.app.services.db, t.tenants.northshire.id, {
      name: 'Integrator',
      createdBy: null,
    });
    const res = await post('/open311/v2/requests.json', { ...validRequest, api_key: key });
    assert.equal(res.statusCode, 200, res.body);
    const stored = await t.app.services.db.query('select 1 from api_keys where key_hash = $1', [key]);
    assert.equal(stored.length, 0);
  });

  it('a category another council handles at the place is refused with the reason', async () => {
    const res = await post(
      '/open311/v2/requests.json',
      {
        api_key: 'demo-riverford-key',
        service_code: 'bins',
        lat: '52.3307',
        long: '-1.5196',
        description: 'Outside Riverford',
      },
      riverford,
    );
    assertErrors(res, 400);
  });
});

describe('GET requests', () => {
  it('filters by service_code list and status, defaults to the last 90 days, at most 1000', async () => {
    const res = await get('/open311/v2/requests.json?service_code=pothole,pavement&status=open');
    assert.equal(res.statusCode, 200);
    const list = res.json();
    assert.ok(Array.isArray(list) && list.length > 0);
    assert.ok(list.length <= 1000);
    const since = Date.now() - 91 * 86_400_000;
    for (const r of list) {
      assert.ok(['pothole', 'pavement'].includes(r.service_code));
      assert.equal(r.status, 'open');
      assert.ok(Date.parse(r.requested_datetime) >= since);
    }
    const all = (
      await get('/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-31T23:59:59Z')
    ).json();
    assert.ok(all.length > list.length);
    assert.ok(all.some((r: { status: string }) => r.status === 'closed'));
    const ids = all.slice(0, 2).map((r: { service_request_id: string }) => r.service_request_id);
    const byId = (
      await get(`/open311/v2/requests.json?service_request_id=${ids.join(',')}&service_code=nothing`)
    ).json();
    assert.deepEqual(
      byId.map((r: { service_request_id: string }) => r.service_request_id).sort(),
      [...ids].sort(),
    );
    const xml = await get('/open311/v2/requests.xml?service_code=pothole');
    assert.equal(xmlRoot(xml.body), 'service_requests');
  });

  it('a bad date is a 400 error list; an unknown id a 404', async () => {
    assertErrors(await get('/open311/v2/requests.json?start_date=yesterday'), 400);
    assertErrors(await get('/open311/v2/requests/NS-0000-0000.json'), 404);
    assertErrors(await get('/open311/v2/requests/NS-0000-0000.xml'), 404);
  });
});

describe('service request updates (the FixMyStreet extension)', () => {
  it('POST servicerequestupdates records an update once; GET lists it as a request_update', async () => {
    const made = (await post('/open311/v2/requests.json', validRequest)).json()[0].service_request_id;
    const update = {
      api_key: 'demo-northshire-key',
      service_request_id: made,
      update_id: 'BO-1',
      status: 'FIXED',
      updated_datetime: new Date().toISOString(),
      description: 'Filled in',
    };
    const res = await post('/open311/v2/servicerequestupdates.json', update);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json()[0].update_id, 'BO-1');
    // The same update_id again changes nothing.
    assert.equal((await post('/open311/v2/servicerequestupdates.json', update)).statusCode, 200);
    assertErrors(await post('/open311/v2/servicerequestupdates.json', { ...update, status: 'SORT_OF' }), 400);
    assertErrors(
      await post('/open311/v2/servicerequestupdates.json', { ...update, api_key: 'nope-nope' }),
      403,
    );

    const [r] = (await get(`/open311/v2/requests/${made}.json`)).json();
    assert.equal(r.status, 'closed');
    assert.equal(r.status_notes, 'Filled in');

    const list = (await get('/open311/v2/servicerequestupdates.json')).json();
    const mine = list.filter((u: { service_request_id: string }) => u.service_request_id === made);
    assert.equal(mine.length, 1);
    for (const key of [
      'update_id',
      'service_request_id',
      'status',
      'updated_datetime',
      'description',
      'media_url',
    ])
      assert.ok(key in mine[0], key);
    assert.equal(mine[0].status, 'FIXED');
    assert.match(mine[0].updated_datetime, w3cDatetime);
    const xml = await get('/open311/v2/servicerequestupdates.xml');
    assert.equal(xmlRoot(xml.body), 'service_request_updates');
    assert.ok(xmlItems(xml.body, 'request_update').length >= 1);
  });
});
