// The export options `grade` and `merge` share (--canvas-id, --missing-work): parsed once, and on
// `merge` taken from the shards unless given again, so a merged canvas.csv is a single run's.
import { UserError } from '../lib/errors.js';
import { MISSING_POLICIES, type MissingPolicy } from '../grader/export/common.js';

/**
 * `--missing-work blank|zero`; blank (the default) is left out, so old and new runs compare equal.
 * An empty value is the default too: a pipeline variable left unset arrives as "".
 */
export function missingPolicy(v: unknown): MissingPolicy | undefined {
  if (v === undefined || v === '' || v === 'blank') return undefined;
  if (!MISSING_POLICIES.includes(v as MissingPolicy))
    throw new UserError(
      `--missing-work ${String(v)} is not blank or zero`,
      "blank leaves Canvas's cell as it is for a student without work (the default); zero writes 0",
    );
  return v as MissingPolicy;
}

/** Merge's own flags, with what the shards were graded with filled in where a flag is not given. */
export function mergeValues(
  values: Record<string, unknown>,
  shards: { canvasAssignmentId?: string; missing?: MissingPolicy },
): Record<string, unknown> {
  return {
    ...values,
    'canvas-id': values['canvas-id'] ?? shards.canvasAssignmentId,
    'missing-work': values['missing-work'] ?? shards.missing,
  };
}
