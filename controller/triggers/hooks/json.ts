// Reading fields out of untrusted JSON without trusting its shape: every accessor returns undefined for a
// missing or mistyped value, and `need*` turn that into a 400 that names the path.
import { BadPayloadError } from './types.js';

export type Json = unknown;

export function at(value: Json, path: string): Json {
  let current: Json = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, Json>)[key];
  }
  return current;
}

/** A non-empty string at `path`, or undefined. */
export function str(value: Json, path: string): string | undefined {
  const v = at(value, path);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function needStr(value: Json, path: string, what: string): string {
  const v = str(value, path);
  if (v === undefined) throw new BadPayloadError(`the payload has no ${path} (${what})`);
  return v;
}

export function arr(value: Json, path: string): Json[] | undefined {
  const v = at(value, path);
  return Array.isArray(v) ? v : undefined;
}

export function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
