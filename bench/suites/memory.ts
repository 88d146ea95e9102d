import { setTimeout as sleep } from 'node:timers/promises';
import { councilHost, fmt, type Harness, type Server, type Suite, verdict } from '../harness.ts';
import { establishSession } from './session-page.ts';

interface Heap {
  heapTotal: number;
  external: number;
}

/** V8 heap and external memory from Doorstep's /metrics (prom-client default metrics). */
async function heapOf(server: Server): Promise<Heap | undefined> {
  const reply = await server.request('/metrics').catch(() => undefined);
  if (reply?.status !== 200) return undefined;
  const value = (name: string) => Number(new RegExp(`^doorstep_${name} (\\S+)`, 'm').exec(reply.body)?.[1]);
  const heap = {
    heapTotal: value('nodejs_heap_size_total_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
  return Number.isFinite(heap.heapTotal) ? heap : undefined;
}

const heapText = (heap: Heap | undefined) =>
  heap ? `V8 heap ${fmt.mb(heap.heapTotal)}, external ${fmt.mb(heap.external)}` : '';

/**
 * RSS of Doorstep idle (after start and a few requests) and under load on the session page,
 * beside a bare process that only opens the same PGlite data folder (one after the other:
 * PGlite holds a folder for one process).
 */
export const memory: Suite = {
  name: 'memory',
  async run(h: Harness) {
    const dataDir = await h.doorstepData();
    const server = await h.startDoorstep(dataDir);
    let idle: number;
    let idleHeap: Heap | undefined;
    let afterLoad: number;
    let afterHeap: Heap | undefined;
    let loadMedian: number;
    let loadMax: number;
    try {
      const cookie = await establishSession(server);
      for (let i = 0; i < 5; i++) {
        await server.request('/', { host: councilHost });
        await server.request('/feedback', { host: councilHost, headers: { cookie } });
      }
      await sleep(2000);
      idle = await h.idleRss(server);
      idleHeap = await heapOf(server);
      // One measured run after the warm-up is enough to see the resident set under load.
      const m = await h.measure(
        server,
        'memory',
        { path: '/feedback', host: councilHost, headers: { cookie } },
        1,
      );
      loadMedian = m.rssLoadMedian;
      loadMax = m.rssLoadMax;
      await sleep(2000);
      afterLoad = await h.idleRss(server);
      afterHeap = await heapOf(server);
    } finally {
      await server.stop();
    }

    const pglite = await h.startServer({
      name: 'pglite-only',
      script: 'bench/servers/pglite-only.ts',
      env: { BENCH_DATA_DIR: dataDir },
      ready: { stdoutReady: true },
    });
    let bare: number;
    try {
      await sleep(2000);
      bare = await h.idleRss(pglite);
    } finally {
      await pglite.stop();
    }
    const bareHeap = pglite.readyLine as Heap | undefined;

    const ratio = idle / bare;
    h.record({
      suite: 'memory',
      figure: 'RSS idle: PGlite-only process',
      value: fmt.mb(bare),
      ratio: heapText(bareHeap),
    });
    h.record({
      suite: 'memory',
      figure: 'RSS idle: Doorstep',
      value: fmt.mb(idle),
      ratio: `${fmt.ratio(ratio)}× PGlite-only; ${heapText(idleHeap)}`,
      aim: '≤ 1.3× PGlite-only',
      verdict: verdict(ratio <= 1.3),
    });
    h.record({
      suite: 'memory',
      figure: 'RSS under load: Doorstep median / peak',
      value: `${fmt.mb(loadMedian)} / ${fmt.mb(loadMax)}`,
      ratio: `${fmt.ratio(loadMedian / bare)}× / ${fmt.ratio(loadMax / bare)}× PGlite-only`,
    });
    h.record({
      suite: 'memory',
      figure: 'RSS idle 2 s after load: Doorstep',
      value: fmt.mb(afterLoad),
      ratio: `${fmt.ratio(afterLoad / bare)}× PGlite-only; ${heapText(afterHeap)}`,
    });
  },
};
