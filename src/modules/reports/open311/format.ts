/**
 * GeoReport v2 bodies, JSON and XML, as the published specification writes them: JSON
 * lists are bare arrays; XML has the spec's root and item elements; datetimes are W3C with
 * a zone; errors are lists of {code, description}.
 */

export type Format = 'json' | 'xml';
type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };

/** "2026-03-02T09:15:00+00:00": W3C-DTF, seconds, with the zone written out. */
export function w3c(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
// XML 1.0 cannot carry most control characters at all: drop them rather than emit bad XML.
const escapeXml = (text: string) =>
  [...text]
    .filter((c) => {
      const n = c.codePointAt(0)!;
      return n === 9 || n === 10 || n === 13 || (n >= 32 && n !== 0xfffe && n !== 0xffff);
    })
    .join('')
    .replace(/[&<>"']/g, (c) => escapes[c]!);

function element(name: string, value: Value, itemNames: Record<string, string>): string {
  if (value === undefined) return '';
  if (value === null) return `<${name}/>`;
  if (Array.isArray(value)) {
    const item = itemNames[name] ?? 'item';
    return `<${name}>${value.map((v) => element(item, v, itemNames)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => element(k, v, itemNames))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** The item element of each list, by the list's element name (the spec's names). */
const itemNames: Record<string, string> = {
  services: 'service',
  service_requests: 'request',
  service_request_updates: 'request_update',
  errors: 'error',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
};

/** The body of a list: `root` is the XML root (whose items take the spec's item name). */
export function serialise(format: Format, root: string, body: Value): { type: string; text: string } {
  if (format === 'json') return { type: 'application/json; charset=utf-8', text: JSON.stringify(body) };
  return {
    type: 'text/xml; charset=utf-8',
    text: `<?xml version="1.0" encoding="utf-8"?>${element(root, body, itemNames)}`,
  };
}

export interface Open311Error {
  code: number;
  description: string;
}

export function errorBody(format: Format, errors: Open311Error[]) {
  return serialise(format, 'errors', errors as unknown as Value);
}

/** "requests.json" -> ["requests", "json"]; undefined for another extension. */
export function splitFormat(file: string): [string, Format] | undefined {
  const match = /^(.*)\.(json|xml)$/.exec(file);
  return match ? [match[1]!, match[2] as Format] : undefined;
}

/** A W3C datetime (with or without time; a zone where a time is given), or undefined. */
export function parseW3c(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value))
    return undefined;
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
