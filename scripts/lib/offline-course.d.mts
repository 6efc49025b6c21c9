export const INTERNET_KINDS: Set<string>;
export function offlineCourse(dir: string, ids?: string[]): string;
