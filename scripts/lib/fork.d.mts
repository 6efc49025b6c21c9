export declare const REPO: string;
export declare function makeExampleFork(
  dir: string,
  opts?: { id?: string; netid?: string; name?: string; email?: string; beforeCommit?: (assignmentDir: string) => Promise<void> },
): Promise<{ fork: string; origin: string; assignment: string }>;
