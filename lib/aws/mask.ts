/** An access key id as it may be shown: `AKIA…WXYZ`. Never print a whole key id, never a secret. */
export function maskKeyId(id: string | undefined): string {
  if (!id) return '(none)';
  return id.length <= 8 ? '****' : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** Replaces anything that looks like an access key id in `text` with its masked form. */
export function maskKeyIds(text: string): string {
  return text.replace(/\b(AKIA|ASIA|AIDA|AROA|AGPA|AIPA|ANPA|ANVA|AKPA)[A-Z0-9]{12,}\b/g, (m) => maskKeyId(m));
}
