/**
 * The JSON Schema of a form definition (schemas/form.schema.json, draft 2020-12), checked
 * with Ajv, its errors rewritten so that staff can find the field:
 * `pages[1].questions[0] ("binType"): purpose is required`.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import schemaJson from '../../../../schemas/form.schema.json' with { type: 'json' };

/** The schema itself, to serve at /schemas/form.json. */
export const formSchema: Readonly<Record<string, unknown>> = schemaJson;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    compiled = ajv.compile(schemaJson);
  }
  return compiled;
}

/** Schema errors, readable, in document order; an empty list when the definition fits the schema. */
export function schemaErrors(json: unknown): string[] {
  const validate = validator();
  if (validate(json)) return [];
  return formatErrors(json, validate.errors ?? []);
}

const conditionShape =
  'must be one of { all: [...] }, { any: [...] }, { not: ... } or { question, and one of equals, notEquals, in, includes, answered, gt, gte, lt, lte }';

function formatErrors(root: unknown, errors: ErrorObject[]): string[] {
  // Errors inside the branches of an anyOf say the same thing four times: keep the anyOf's.
  const branches = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (branches.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const where = describePath(root, error.instancePath);
    let text: string;
    switch (error.keyword) {
      case 'required':
        text = `${where || 'the definition'}: ${String(error.params.missingProperty)} is required`;
        break;
      case 'additionalProperties':
        text = `${where || 'the definition'}: "${String(error.params.additionalProperty)}" is not allowed here`;
        break;
      case 'unevaluatedProperties':
        text = `${where}: "${String(error.params.unevaluatedProperty)}" is not allowed on this type of question`;
        break;
      case 'anyOf':
        text = `${where}: ${conditionShape}`;
        break;
      case 'false schema':
        text = `${where}: is not allowed here`;
        break;
      case 'pattern':
        text = `${where}: ${patternHint(error.instancePath)}`;
        break;
      case 'enum':
        text = `${where}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'minLength':
        text = `${where}: ${error.params.limit === 1 ? 'must not be empty' : `must be at least ${error.params.limit} characters`}`;
        break;
      case 'minItems': {
        const n = Number(error.params.limit);
        text = `${where}: must have at least ${n} ${n === 1 ? 'item' : 'items'}`;
        break;
      }
      case 'maxItems': {
        const n = Number(error.params.limit);
        text = `${where}: ${n === 0 ? 'must be empty' : `must have at most ${n} ${n === 1 ? 'item' : 'items'}`}`;
        break;
      }
      case 'const':
        text = `${where}: must be ${JSON.stringify(error.params.allowedValue)}`;
        break;
      default:
        text = `${where}: ${error.message ?? 'is not valid'}`;
    }
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out;
}

function patternHint(instancePath: string): string {
  const last = instancePath.split('/').pop() ?? '';
  const parent = instancePath.split('/').slice(-2, -1)[0] ?? '';
  if (last === 'period')
    return "must be an ISO-8601 period of years, months, weeks or days, like 'P2Y' or 'P6M'";
  if (last === 'slug') return 'must be lower-case words joined by hyphens';
  if (last === 'id' && /^\d+$/.test(parent) && instancePath.includes('/questions/'))
    return 'must start with a lower-case letter, then letters and digits only (like "binType")';
  if (last === 'id' || last === 'code') return 'must be lower-case words joined by hyphens (like "bin-type")';
  if (last === 'question') return 'must be a question id';
  if (last === 'notBefore' || last === 'notAfter')
    return "must be a date 'YYYY-MM-DD' or a period from today like '-P28D'";
  if (last === 'value') return 'must be letters, digits, hyphens or underscores';
  if (last === 'en') return 'must not be empty';
  return 'is not in the expected format';
}

/**
 * '/pages/1/questions/0/purpose' -> 'pages[1].questions[0] ("binType").purpose': array items
 * that have an id are named by it.
 */
export function describePath(root: unknown, instancePath: string): string {
  if (!instancePath) return '';
  const parts = instancePath.split('/').slice(1).map(unescapePointer);
  let node: unknown = root;
  let out = '';
  for (const part of parts) {
    if (Array.isArray(node) && /^\d+$/.test(part)) {
      node = node[Number(part)];
      out += `[${part}]`;
      const id = isRecord(node) ? node.id : undefined;
      if (typeof id === 'string') out += ` (${JSON.stringify(id)})`;
    } else {
      node = isRecord(node) ? node[part] : undefined;
      out += out ? `.${part}` : part;
    }
  }
  return out;
}

function unescapePointer(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
