// What every command gets besides its own options.
export interface GlobalOptions {
  /** Where the user typed the command (see userCwd). */
  cwd: string;
  debug: boolean;
  color: boolean | undefined;
  argv: string[];
}
