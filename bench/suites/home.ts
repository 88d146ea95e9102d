import { councilHost, type Harness, recordMeasurement, type Suite } from '../harness.ts';

/** GET / on a council host: the same for every visitor, so served from Doorstep's page cache. */
export const home: Suite = {
  name: 'home',
  async run(h: Harness) {
    const bare = await h.bareBaseline();
    const server = await h.startDoorstep(await h.doorstepData());
    try {
      const first = await server.request('/', { host: councilHost });
      if (first.status !== 200) throw new Error(`home: GET / answered ${first.status}`);
      const m = await h.measure(server, 'home', { path: '/', host: councilHost });
      recordMeasurement(h, 'home', 'home page GET /', m, { name: '(b)', m: bare, aim: 0.5 });
    } finally {
      await server.stop();
    }
  },
};
