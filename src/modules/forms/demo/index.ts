/**
 * The demo councils' own form definitions, as JSON, keyed '<council>/<slug>': a slug can
 * differ between councils (Riverford's "tell us you have moved" is about council tax,
 * Northshire's about county services). The seed falls back to the engine's fixtures for a
 * form without an entry here. Validate with `validateDefinition` or `defineForm`.
 */
import northshireDroppedKerb from './northshire/dropped-kerb.json' with { type: 'json' };
import northshireResidentsParkingPermit from './northshire/residents-parking-permit.json' with {
  type: 'json',
};
import northshireTellUsYouHaveMoved from './northshire/tell-us-you-have-moved.json' with { type: 'json' };
import riverfordBulkyWaste from './riverford/bulky-waste.json' with { type: 'json' };
import riverfordNoiseNuisance from './riverford/noise-nuisance.json' with { type: 'json' };
import riverfordReplacementBin from './riverford/replacement-bin.json' with { type: 'json' };
import riverfordTellUsYouHaveMoved from './riverford/tell-us-you-have-moved.json' with { type: 'json' };

export const demoDefinitions: Readonly<Record<string, unknown>> = {
  'riverford/replacement-bin': riverfordReplacementBin,
  'riverford/bulky-waste': riverfordBulkyWaste,
  'riverford/noise-nuisance': riverfordNoiseNuisance,
  'riverford/tell-us-you-have-moved': riverfordTellUsYouHaveMoved,
  'northshire/residents-parking-permit': northshireResidentsParkingPermit,
  'northshire/dropped-kerb': northshireDroppedKerb,
  'northshire/tell-us-you-have-moved': northshireTellUsYouHaveMoved,
};
