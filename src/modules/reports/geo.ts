/**
 * Plane geometry on WGS84 coordinates, enough for council boundaries and "within 50 m":
 * GeoJSON polygons ([lng, lat] rings, the first the outline, the rest holes) and the
 * haversine distance. No PostGIS: a ray-casting test is exact for the polygon as drawn.
 */

export interface Point {
  lat: number;
  lng: number;
}

type Ring = [number, number][];
export type Geometry =
  | { type: 'Polygon'; coordinates: Ring[] }
  | { type: 'MultiPolygon'; coordinates: Ring[][] };

export interface Bbox {
  minLat: number;
  minLng: number;
  maxLat: number;
  maxLng: number;
}

// earthdistance's earth() radius, so that TypeScript and SQL agree to the centimetre.
const earthRadiusM = 6_378_168;

export function distanceM(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * earthRadiusM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The latitude and longitude band around a point that holds every place within `metres`. */
export function boxAround(p: Point, metres: number): Bbox {
  const dLat = (metres / earthRadiusM) * (180 / Math.PI);
  const dLng = dLat / Math.max(0.01, Math.cos((p.lat * Math.PI) / 180));
  return { minLat: p.lat - dLat, maxLat: p.lat + dLat, minLng: p.lng - dLng, maxLng: p.lng + dLng };
}

function inRing(ring: Ring, p: Point): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p.lat !== yj > p.lat && p.lng < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(rings: Ring[], p: Point): boolean {
  const [outline, ...holes] = rings;
  return !!outline && inRing(outline, p) && !holes.some((h) => inRing(h, p));
}

export function contains(geometry: Geometry, p: Point): boolean {
  if (geometry.type === 'Polygon') return inPolygon(geometry.coordinates, p);
  return geometry.coordinates.some((poly) => inPolygon(poly, p));
}

export function bboxOf(geometry: Geometry): Bbox {
  const box = { minLat: 90, minLng: 180, maxLat: -90, maxLng: -180 };
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const poly of polys)
    for (const ring of poly)
      for (const [lng, lat] of ring) {
        box.minLat = Math.min(box.minLat, lat);
        box.maxLat = Math.max(box.maxLat, lat);
        box.minLng = Math.min(box.minLng, lng);
        box.maxLng = Math.max(box.maxLng, lng);
      }
  return box;
}

const isPosition = (v: unknown): v is [number, number] =>
  Array.isArray(v) &&
  v.length >= 2 &&
  typeof v[0] === 'number' &&
  typeof v[1] === 'number' &&
  Math.abs(v[0]) <= 180 &&
  Math.abs(v[1]) <= 90;

const isRing = (v: unknown): v is Ring => Array.isArray(v) && v.length >= 4 && v.every(isPosition);
const isPolygon = (v: unknown): v is Ring[] => Array.isArray(v) && v.length >= 1 && v.every(isRing);

/** A GeoJSON Polygon or MultiPolygon, checked; undefined with the reason otherwise. */
export function readGeometry(value: unknown): { geometry: Geometry } | { error: string } {
  const g = value as { type?: unknown; coordinates?: unknown } | null;
  if (!g || typeof g !== 'object') return { error: 'geometry is missing' };
  if (g.type === 'Polygon' && isPolygon(g.coordinates))
    return { geometry: { type: 'Polygon', coordinates: g.coordinates } };
  if (
    g.type === 'MultiPolygon' &&
    Array.isArray(g.coordinates) &&
    g.coordinates.length &&
    g.coordinates.every(isPolygon)
  )
    return { geometry: { type: 'MultiPolygon', coordinates: g.coordinates as Ring[][] } };
  return {
    error: `geometry must be a Polygon or MultiPolygon of [longitude, latitude] rings, got ${String(g.type)}`,
  };
}
