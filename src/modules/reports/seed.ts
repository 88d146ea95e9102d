import type { Seed } from '../../platform/seeds/seeds.ts';
import { seedCategoriesAndBoundaries, seedDemoReports } from './demo.ts';

/** Boundaries, categories with their extra questions, and 200 reports. After the gazetteer and forms. */
export const reportsSeed: Seed = {
  module: 'reports',
  version: 1,
  async run(tx, context) {
    await seedCategoriesAndBoundaries(tx);
    await seedDemoReports(tx, context?.files);
  },
};
