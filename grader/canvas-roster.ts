// Canvas's own gradebook export (Grades → Export → CSV) read as a roster: columns Student, ID,
// SIS User ID, SIS Login ID, Section, then one per assignment. The NetID is the SIS Login ID (the
// part before "@" when the login is an email); the rows that are not students are skipped: the
// "Points Possible" row under the header, the "Manual Posting" row some exports add, and Canvas's
// own "Test Student". A fork URL column (repo) may be added by hand for grading forks; grading a
// Canvas download (--zips) needs none.

const norm = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The header of a Canvas gradebook export: Student, ID and SIS Login ID, and no NetID column. */
export function isCanvasExport(header: string[]): boolean {
  const h = header.map(norm);
  return h[0] === 'student' && h.includes('id') && h.includes('sisloginid') && !h.includes('netid');
}

/** Rows of an export that are not students. */
export function isCanvasMetaRow(record: string[], nameCol: number, idCol: number): boolean {
  const name = (record[nameCol] ?? '').trim();
  if (/^points possible$/i.test(name)) return true;
  if (!name && !(record[idCol] ?? '').trim()) return true; // "Manual Posting" / "Muted" rows
  return /^(student, test|test student)$/i.test(name);
}

/** A NetID from a SIS login: `qz417@georgetown.edu` → `qz417`. */
export const netidFromLogin = (login: string) => login.trim().split('@')[0];
