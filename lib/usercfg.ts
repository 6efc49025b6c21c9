// Placeholder types; implementation in progress.
export interface Identity {
  netid: string;
  name?: string;
  email: string;
  /** Non-fatal advice (an email outside the course's domains). */
  warnings: string[];
  /** Absolute path of the user.cfg read. */
  file: string;
}
