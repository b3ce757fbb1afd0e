// quorum.yml `identity:` (SPEC §2.1): whether rows that carry only an anonymous_id are stitched to
// the user their anonymous_id belongs to, and which user wins when it was seen with several.
import type { IdentityConfig } from './model.js';
import { readEnum } from './parse-values.js';
import type { MapEntry, YamlFile } from './yaml-source.js';

export const IDENTITY_KEYS = ['stitch', 'conflict'] as const;
export const STITCH_MODES = ['off', 'anonymous_id'] as const;
export const CONFLICT_RULES = ['first', 'last'] as const;

/** Stitching is off unless quorum.yml turns it on. */
export const IDENTITY_OFF: IdentityConfig = { stitch: 'off', conflict: 'first' };

/** `identity: { stitch: off | anonymous_id, conflict: first | last }`; both optional. Null after a diagnostic. */
export function parseIdentity(y: YamlFile, entry: MapEntry | undefined): IdentityConfig | null {
  if (!entry || y.isNull(entry.value)) return IDENTITY_OFF;
  const entries = y.map(entry.value, entry.valueLoc, '"identity"', 'stitch: anonymous_id, conflict: first | last');
  if (!entries) return null;
  y.checkKeys(entries, IDENTITY_KEYS, '"identity"');
  const stitchEntry = entries.get('stitch');
  const conflictEntry = entries.get('conflict');
  const stitch = stitchEntry === undefined ? 'off' : readEnum(y, stitchEntry, '"identity"', STITCH_MODES);
  const conflict = conflictEntry === undefined ? 'first' : readEnum(y, conflictEntry, '"identity"', CONFLICT_RULES);
  if (stitch === null || conflict === null) return null;
  return { stitch, conflict };
}

/** Whether a project stitches anonymous rows to users. */
export function stitches(identity: IdentityConfig | undefined): identity is IdentityConfig & { stitch: 'anonymous_id' } {
  return identity !== undefined && identity.stitch === 'anonymous_id';
}
