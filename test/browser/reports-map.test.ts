/**
 * The map as progressive enhancement: with MAP_TILE_URL set (a tile server of our own on
 * 127.0.0.1 here) and JavaScript, Leaflet (served by Doorstep, not a CDN) shows the tiles
 * and a click picks the place; "use my location" goes on with the browser's position.
 * Axe and the CSP checks still pass.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { type BrowserSuite, checkAxe, clickAndWait, startBrowserSuite } from './support/browser.ts';

let suite: BrowserSuite;
let tiles: Server;
const tileRequests: string[] = [];

before(async () => {
  const png = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#cde' } })
    .png()
    .toBuffer();
  tiles = createServer((request, response) => {
    tileRequests.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'image/png', 'cross-origin-resource-policy': 'cross-origin' });
    response.end(png);
  });
  await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
  const { port } = tiles.address() as AddressInfo;
  suite = await startBrowserSuite({ MAP_TILE_URL: `http://127.0.0.1:${port}/{z}/{x}/{y}.png` });
});
after(async () => {
  await suite?.close();
  await new Promise((resolve) => tiles.close(resolve));
});

test('with tiles and JavaScript: a map of tiles, a click on it picks the place', async () => {
  const opened = await suite.openPage({ javaScript: true, width: 1280 });
  const { page } = opened;
  const offsite: string[] = [];
  page.on('request', (r) => {
    const host = new URL(r.url()).hostname;
    if (host !== 'riverford.localhost' && host !== '127.0.0.1') offsite.push(r.url());
  });
  await page.goto(suite.url('riverford', '/report'));
  const map = page.locator('.leaflet-container');
  await map.waitFor({ state: 'visible' });
  await page.locator('.leaflet-tile-loaded').first().waitFor();
  assert.ok(tileRequests.length > 0, 'tiles were fetched from the configured server');
  assert.deepEqual(offsite, [], 'nothing from a CDN');
  await checkAxe(page);
  opened.assertHealthy();
  // A click east of the centre, inside the demo area, picks that place.
  const box = (await map.boundingBox())!;
  const navigated = page.waitForURL(/\/report\/category\?lat=/);
  await page.mouse.click(box.x + box.width / 2 + 60, box.y + box.height / 2);
  await navigated;
  assert.match(page.url(), /lat=5\d\.\d{6}&lng=-1\.\d{6}/);
  await opened.close();
});

test('reports around a place: the list, and the same reports on the map', async () => {
  const opened = await suite.openPage({ javaScript: true, width: 1280 });
  const { page } = opened;
  await page.goto(suite.url('riverford', '/reports?q=RF1+1AA'));
  await page.locator('.leaflet-container').waitFor({ state: 'visible' });
  const listed = await page.locator('.app-around li').count();
  assert.ok(listed > 0);
  assert.equal(await page.locator('path.leaflet-interactive').count(), listed);
  await checkAxe(page);
  opened.assertHealthy();
  await opened.close();
});

test('"use my location" shows only with JavaScript, and goes on with the browser’s position', async () => {
  const opened = await suite.openPage({ javaScript: true, width: 320 });
  await opened.context.grantPermissions(['geolocation']);
  await opened.context.setGeolocation({ latitude: 52.1812, longitude: -1.1804 });
  const { page } = opened;
  await page.goto(suite.url('riverford', '/report'));
  const button = page.getByRole('button', { name: 'Use my location' });
  await button.waitFor({ state: 'visible' });
  await clickAndWait(page, button);
  assert.match(page.url(), /\/report\/category\?lat=52\.181200&lng=-1\.180400/);
  assert.match((await page.locator('main').textContent()) ?? '', /Pothole/);
  opened.assertHealthy();
  await opened.close();

  const noJs = await suite.openPage({ javaScript: false, width: 320 });
  await noJs.page.goto(suite.url('riverford', '/report'));
  assert.equal(await noJs.page.getByRole('button', { name: 'Use my location' }).isVisible(), false);
  assert.equal(await noJs.page.locator('.app-report-map').isVisible(), false);
  await noJs.close();
});
