import { fmt, type Harness, median, type Suite, verdict } from '../harness.ts';

/**
 * Time from spawning `node src/main.ts` on an existing embedded database (already migrated
 * and seeded) to its first 200 on GET / (polled every 10 ms), beside the time a bare
 * process takes to open the same PGlite folder. Servers start unpinned (BENCH_STARTUP_PIN=1
 * pins them to the server core), as a real start has the whole machine.
 */
export const startup: Suite = {
  name: 'startup',
  async run(h: Harness) {
    const dataDir = await h.doorstepData();
    const pin = process.env.BENCH_STARTUP_PIN === '1';
    const runs = h.settings.runs;
    const doorstep: number[] = [];
    for (let i = 0; i < runs; i++) {
      await h.waitForQuiet('startup');
      const server = await h.startDoorstep(dataDir, { pin });
      doorstep.push(server.readyMs);
      h.log(`startup: run ${i + 1}/${runs}: first 200 on / after ${Math.round(server.readyMs)} ms`);
      await server.stop();
    }
    const spawnToOpen: number[] = [];
    const openInProcess: number[] = [];
    for (let i = 0; i < runs; i++) {
      await h.waitForQuiet('startup');
      const server = await h.startServer({
        name: 'pglite-only',
        script: 'bench/servers/pglite-only.ts',
        env: { BENCH_DATA_DIR: dataDir },
        ready: { stdoutReady: true },
        pin,
      });
      spawnToOpen.push(server.readyMs);
      openInProcess.push(Number(server.readyLine?.openMs));
      h.log(
        `startup: PGlite-only run ${i + 1}/${runs}: open after ${Math.round(server.readyMs)} ms (in process ${Math.round(Number(server.readyLine?.openMs))} ms)`,
      );
      await server.stop();
    }
    const start = median(doorstep);
    const open = median(spawnToOpen);
    h.record({
      suite: 'startup',
      figure: `start → first 200 on / (${pin ? 'pinned' : 'unpinned'})`,
      value: fmt.ms(start),
      ratio: `runs ${doorstep.map((n) => Math.round(n)).join(', ')} ms`,
      aim: '< 1,500 ms',
      verdict: verdict(start < 1500),
    });
    h.record({
      suite: 'startup',
      figure: 'PGlite-only: spawn → database open',
      value: fmt.ms(open),
      ratio: `${fmt.ratio(open / start)} of Doorstep's start`,
    });
    h.record({
      suite: 'startup',
      figure: 'PGlite-only: import + PGlite.create in process',
      value: fmt.ms(median(openInProcess)),
    });
    h.record({ suite: 'startup', figure: 'Doorstep beyond opening PGlite', value: fmt.ms(start - open) });
  },
};
