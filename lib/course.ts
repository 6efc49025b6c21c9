// Course-wide settings (course.yaml at the repository root). Nothing course-specific lives in lib/.
export interface IdRule {
  /** Regular expression the student id must match. */
  pattern: string;
  /** What the rule demands, as finished sentence-fragment: "must begin with a letter". */
  message: string;
}

export interface Course {
  name: string;
  /** How the student id is derived: the part of the email before "@". */
  studentId: {
    /** What the course calls it ("NetID"). */
    label: string;
    rules: IdRule[];
    /** Ids left in the untouched template (refused). */
    templateIds: string[];
  };
  /** Allowed email domains; another domain is a warning. Empty: any. */
  emailDomains: string[];
  /** IANA time zone for due dates without an offset. */
  timezone: string;
  /** Absolute path of the course file ('' for the built-in defaults). */
  file: string;
  /** Repository root (the folder holding course.yaml). */
  root: string;
}
