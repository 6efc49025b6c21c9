import path from 'node:path';

/**
 * Files that are never handed in or graded: OS and editor litter, Python caches, backups.
 * Shared with the grader, which ignores the same names inside students' zips.
 */
export function isJunk(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => p === '__MACOSX' || p === '__pycache__' || p === '.git')) return true;
  const base = path.basename(rel);
  return (
    base === '.DS_Store' ||
    base === 'Thumbs.db' ||
    base === 'desktop.ini' ||
    base.startsWith('._') ||
    base.endsWith('~') ||
    base.endsWith('.bak') ||
    base.endsWith('.pyc') ||
    base.endsWith('.swp')
  );
}
