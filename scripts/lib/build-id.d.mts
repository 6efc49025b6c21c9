export const BUILD_DIRS: string[];
export function computeBuildId(root: string, version: string): Promise<string>;
