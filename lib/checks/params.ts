// Parameter schemas that many kinds share, so they read (and document) the same everywhere.

/** A file relative to the assignment folder; `what` says which file it is, for the docs. */
export function fileParam(what = 'The file'): Record<string, unknown> {
  return { type: 'string', minLength: 1, description: `${what}, relative to the assignment folder.` };
}

/** A list of files relative to the assignment folder, with a description of what must hold for them. */
export function filesParam(description: string): Record<string, unknown> {
  return { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description };
}

/** The size cap on a file a check reads. */
export const maxBytesParam: Record<string, unknown> = {
  type: 'integer',
  minimum: 1,
  description: 'Largest size accepted, in bytes (default 16 MB).',
};
