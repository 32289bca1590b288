/**
 * Reading a settings file that is partly wrong (hand-edited, written by another version): every
 * field that is valid is kept, and each one that is not is dropped with a sentence saying which
 * and why. A file is never judged as a whole.
 */
import type { z } from 'zod';
import { settingsPatchSchema } from '../../shared/contract';

export type SettingsPatch = z.output<typeof settingsPatchSchema>;

export interface Salvaged {
  patch: SettingsPatch;
  /** One sentence per dropped field (empty when the file was valid). */
  dropped: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deletes the value at `path` in `obj` (a copy made by the caller). */
function drop(obj: Json, path: readonly PropertyKey[]): void {
  let at: unknown = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isObject(at)) return;
    at = at[path[i] as string];
  }
  if (isObject(at)) delete at[path[path.length - 1] as string];
}

const shown = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function valueAt(obj: Json, path: readonly PropertyKey[]): unknown {
  let at: unknown = obj;
  for (const k of path) at = isObject(at) ? at[k as string] : undefined;
  return at;
}

/** The valid part of a parsed settings file. */
export function salvageSettings(raw: unknown): Salvaged {
  if (!isObject(raw)) return { patch: {}, dropped: ['the file does not hold a JSON object'] };
  const work = structuredClone(raw);
  const dropped: string[] = [];
  // Each round drops the fields zod names; a field inside a bad object is dropped alone.
  for (let round = 0; round < 50; round++) {
    const parsed = settingsPatchSchema.safeParse(work);
    if (parsed.success) return { patch: parsed.data, dropped };
    for (const issue of parsed.error.issues) {
      const path = issue.path.length > 0 ? issue.path : [];
      if (path.length === 0)
        return { patch: {}, dropped: [...dropped, `the file is not usable: ${issue.message}`] };
      const name = path.map(String).join('.');
      dropped.push(`"${name}" was ${shown(valueAt(work, path))}: ${issue.message.toLowerCase()}`);
      drop(work, path);
    }
  }
  return { patch: {}, dropped: [...dropped, 'the file could not be made valid'] };
}
