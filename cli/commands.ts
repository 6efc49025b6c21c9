// Every command, declared once: what it is for, its options (each with its own help line), its
// examples and exit codes, and the module that runs it (loaded only when the command is used).
// `harness help` and `harness help <command>` are made from these declarations (cli/help.ts), and
// the parser accepts only the options a command declares (cli/main.ts).
import type { ParseArgsConfig } from 'node:util';
import type { GlobalOptions } from './options.js';

export type Command = (positionals: string[], values: Record<string, unknown>, g: GlobalOptions) => Promise<number>;

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help (`FILE`, `N`). */
  arg?: string;
  help: string;
}

export interface CommandDef {
  name: string;
  group: 'Students' | 'Instructors';
  /** The command line as shown in `harness help` (`check [A1]`). */
  synopsis: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraphs for `harness help <command>`. */
  description: string;
  options: Record<string, OptionDef>;
  examples?: string[];
  exitCodes?: string;
  load: () => Promise<Command>;
}

/** Options every command takes. */
export const COMMON: Record<string, OptionDef> = {
  help: { type: 'boolean', short: 'h', help: 'this help' },
  debug: { type: 'boolean', help: 'show stacks for errors' },
  color: { type: 'boolean', help: 'colour even when not writing to a terminal' },
  'no-color': { type: 'boolean', help: 'plain output (also: NO_COLOR=1)' },
};

const LIVE: Record<string, OptionDef> = {
  offline: { type: 'boolean', help: 'skip every check that needs the network (AWS, git hosts)' },
  profile: { type: 'string', arg: 'NAME', help: "AWS profile for live checks (default: the SDK's chain: env, AWS_PROFILE, SSO, ...)" },
  region: { type: 'string', arg: 'NAME', help: "AWS region for live checks (default: the spec's, then your AWS configuration)" },
};

const REPORT: Record<string, OptionDef> = {
  user: { type: 'string', arg: 'PATH', help: "use this user.cfg instead of the repository's" },
  reporter: { type: 'string', short: 'r', arg: 'NAME', help: 'pretty (default), json, junit, or a path to your own reporter module' },
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'write the report to FILE (the pretty report still goes to the screen)' },
};

const OUT: OptionDef = { type: 'string', arg: 'DIR', help: 'the output folder (default grades/<ASSIGNMENT>)' };
const JOBS: OptionDef = { type: 'string', arg: 'N', help: 'forks handled at once (default 4)' };
const QUIET: OptionDef = { type: 'boolean', help: 'no progress lines' };
const CANVAS_ID: OptionDef = {
  type: 'string',
  arg: 'ID',
  help: "Canvas's id of the assignment, so canvas.csv updates that column instead of adding one",
};
const MISSING_WORK: OptionDef = {
  type: 'string',
  arg: 'blank|zero',
  help: 'canvas.csv for a student without work (no fork, nothing uploaded): blank leaves Canvas as it is (default), zero writes 0',
};

const EXIT_CHECK = '0 all checks passed · 1 some check failed · 2 could not run (bad user.cfg, bad spec, bad option)';

const list: CommandDef[] = [
  {
    name: 'check',
    group: 'Students',
    synopsis: 'check [A1]',
    summary: "run the assignment's checks and say what is missing or wrong",
    description: `Runs every check in assignments/<ASSIGNMENT>/assignment.yaml against your files and prints a line
per check, with what is wrong and how to fix it. Nothing is uploaded or changed. Inside
assignments/A1/ the id may be left out.`,
    options: {
      ...REPORT,
      only: { type: 'string', multiple: true, arg: 'ID', help: 'run only this check (and what it depends on); repeatable' },
      ...LIVE,
    },
    examples: [
      'harness check A1',
      'harness check A1 --offline',
      'harness check A1 --reporter junit --output test-results/harness.xml',
      'harness check A1 --reporter json > results.json',
    ],
    exitCodes: EXIT_CHECK,
    load: async () => (await import('./check.js')).check,
  },
  {
    name: 'submit',
    group: 'Students',
    synopsis: 'submit [A1]',
    summary: 'run the checks, then build <NetID>-A1.zip to upload',
    description: `Runs the checks, then writes <NetID>-<ASSIGNMENT>.zip in the assignment folder with your files and
a submission.json record. Missing files are listed and the zip is still written, so you can hand in
partial work. It refuses to write a zip when user.cfg is invalid, when a file holds a secret (an AWS
key, a private key) or when a file is a link leading outside the assignment folder.`,
    options: { ...REPORT, ...LIVE },
    examples: ['harness submit A1', 'harness submit A1 --offline'],
    exitCodes: '0 zip written, all checks passed · 1 zip written, some check failed · 2 no zip written',
    load: async () => (await import('./submit.js')).submit,
  },
  {
    name: 'ci',
    group: 'Students',
    synopsis: 'ci [A1...]',
    summary: "in your fork's pipeline: check the open assignments, JUnit into test-results/",
    description: `What your fork's Bitbucket pipeline runs on every push. It checks the assignments that are open
(released, and not yet past the due date plus the course's grace), or the ones named, and writes
test-results/harness-<ASSIGNMENT>.xml for the pipeline's Tests tab. Checks that need your own
computer or your AWS account are skipped as "not checkable in CI"; \`npm run check\` on your
machine judges them.`,
    options: {
      all: { type: 'boolean', help: 'check every assignment, open or not' },
      at: {
        type: 'string',
        arg: 'TIME',
        help: 'which assignments are open at this time (default now; course time zone unless it says Z or an offset)',
      },
      'output-dir': { type: 'string', arg: 'DIR', help: 'where the JUnit reports go (default test-results)' },
      user: REPORT.user,
      offline: LIVE.offline,
    },
    examples: ['harness ci', 'harness ci A1', 'harness ci --at "2017-01-15 12:00"'],
    exitCodes: '0 nothing failed (or nothing is open) · 1 some check failed · 2 could not run (bad user.cfg, bad spec)',
    load: async () => (await import('./ci.js')).ci,
  },
  {
    name: 'list',
    group: 'Students',
    synopsis: 'list',
    summary: 'list the assignments and their due dates',
    description: 'Lists the assignments in this repository with their titles, points and due dates.',
    options: { json: { type: 'boolean', help: 'print JSON instead of a table' } },
    load: async () => (await import('./list.js')).list,
  },
  {
    name: 'guard',
    group: 'Students',
    synopsis: 'guard',
    summary: 'list what is running (and billing) in your AWS account, in every region',
    description: `Lists, region by region, the EC2 instances (pending or running) and EMR clusters (starting, running
or waiting) in your AWS account, so nothing keeps billing after you are done. Every enabled region
is scanned at once; a region that cannot be scanned is reported and the others still are.`,
    options: { json: { type: 'boolean', help: 'print JSON instead of a table' }, profile: LIVE.profile, region: LIVE.region },
    exitCodes: '0 nothing running · 1 something running · 2 could not scan (no credentials, a region failed)',
    load: async () => (await import('./guard.js')).guard,
  },
  {
    name: 'evidence',
    group: 'Students',
    synopsis: 'evidence [A1]',
    summary: "on your EC2 instance: save its identity document for the assignment's checks",
    description: `Run it on your EC2 instance, inside your clone of the repository. It asks the instance metadata
service (IMDSv2) for the instance's identity document (account, instance id, type, region, launch
time) and saves it, as pretty JSON, in the assignment folder: as the file the assignment's evidence
check names, else instance-identity.json. Commit and push it; \`harness check\` then checks it. Off
EC2 it stops with "not on an EC2 instance" after about 2 seconds.`,
    options: { output: { type: 'string', short: 'o', arg: 'FILE', help: 'write the document here instead' } },
    exitCodes: '0 written · 2 not on an EC2 instance, metadata refused, or no such assignment',
    load: async () => (await import('./evidence.js')).evidence,
  },
  {
    name: 'lint',
    group: 'Instructors',
    synopsis: 'lint [A1 | SPEC...]',
    summary: 'validate every assignment spec in the repository',
    description: `Validates every assignments/*/assignment.yaml (or the assignments or files given) against the spec
schema and the semantic rules (unknown kinds, duplicate ids, missing dependencies, cycles, point
totals, regexes with lookaround or backreferences), and regexes that backtrack catastrophically
(such as ^(a+)+$, with a fix), and reports every problem with file, line and column. Field
reference: docs/spec.md.`,
    options: {},
    examples: ['harness lint', 'harness lint A1', 'harness lint assignments/A1/assignment.yaml'],
    exitCodes: '0 every spec is valid · 1 some spec has problems · 2 could not run',
    load: async () => (await import('./lint.js')).lint,
  },
  {
    name: 'new',
    group: 'Instructors',
    synopsis: 'new A6 --title "..."',
    summary: 'scaffold assignments/A6/ from templates/, due in a week',
    description: `Creates assignments/ID/ from templates/assignment/: assignment.yaml (id, title, release today,
due a week from today at 23:59 in the course's time zone), README.md, Makefile and a starter
program. It passes \`harness lint\` as it is; edit the questions from there. Refuses an id that
exists or is not letters, digits, _ and - starting with a letter.`,
    options: { title: { type: 'string', arg: 'TITLE', help: "the assignment's title (required)" } },
    examples: ['harness new A6 --title "Streaming at scale"'],
    load: async () => (await import('./new.js')).newAssignment,
  },
  {
    name: 'collect',
    group: 'Instructors',
    synopsis: 'collect A1 --roster FILE',
    summary: "fetch every fork on the roster and pin each student's commit",
    description: `Fetches every fork on the roster into bare mirrors under DIR/.mirrors and appends, per student, the
commit \`grade\` would choose (the last one at or before the due date plus the student's extension
and the course's grace), the fork's tip, and when it was fetched, to DIR/ledger.jsonl. Run it
whenever you like: before the deadline it pins the tip, after it the commit the date rule picks.
A missing or private fork is recorded as that student's problem.`,
    options: {
      roster: { type: 'string', arg: 'FILE', help: 'the roster CSV (NetID, name, email, repo, ...)' },
      out: OUT,
      jobs: JOBS,
      quiet: QUIET,
    },
    examples: ['harness collect A1 --roster roster.csv'],
    exitCodes: '0 the roster was processed (even if some forks failed) · 2 could not run',
    load: async () => (await import('./grader.js')).collectCommand,
  },
  {
    name: 'grade',
    group: 'Instructors',
    synopsis: 'grade A1 (--roster FILE | --zips PATH)',
    summary: 'grade every fork (--roster) or a Canvas download (--zips); write grades and feedback',
    description: `For each student: the commit collected by \`harness collect\`, else the last commit at or before the
due date plus the student's extension (and, when the course accepts late work, the later tip with
its penalty if it scores more), read straight from the fork's git objects; or the student's
upload in a Canvas download, laid over the course's own files. Runs the checks the grader can
judge (files, history, and the live checks that need no credentials), and the course's late policy.
Writes, in DIR: grades.csv, canvas.csv, gradescope/<NetID>/results.json, feedback/<NetID>.md,
report.html and batch.json. Results are cached in DIR/.cache: a re-run with nothing changed does
no checking work, and a killed run picks up where it stopped. Students' code (mappers, tests,
programs) runs in a sandbox (bubblewrap) that sees none of this machine's files, environment or
network; where there is none, grade refuses such an assignment (docs/sandbox.md).`,
    options: {
      roster: { type: 'string', arg: 'FILE', help: 'NetID,name,email,repo[,canvas id,SIS user id,SIS login id,section,extension]' },
      zips: { type: 'string', arg: 'PATH', help: 'a Canvas "Download Submissions" zip, or the folder it unpacked to' },
      out: OUT,
      hidden: { type: 'string', arg: 'FILE', help: 'extra checks (spec format, under checks:) kept outside the repository' },
      shard: { type: 'string', arg: 'K/N', help: 'grade part K of N (stable by NetID); combine with `harness merge`' },
      jobs: { type: 'string', arg: 'N', help: 'students graded at once (default 4); forks are cloned twice as many at a time' },
      'canvas-id': CANVAS_ID,
      'missing-work': MISSING_WORK,
      offline: { type: 'boolean', help: 'judge no check that needs the network; students with such checks are incomplete' },
      'unsafe-no-sandbox': {
        type: 'boolean',
        help: "where there is no sandbox (docs/sandbox.md), run students' code anyway, unconfined; recorded in batch.json",
      },
      quiet: QUIET,
    },
    examples: ['harness grade A1 --roster roster.csv --canvas-id 123456', 'harness grade A1 --zips submissions.zip --roster roster.csv'],
    exitCodes: '0 every student graded (or missing) · 1 some students are incomplete (a check could not run; run again) · 2 could not run',
    load: async () => (await import('./grader.js')).gradeCommand,
  },
  {
    name: 'merge',
    group: 'Instructors',
    synopsis: 'merge DIR...',
    summary: 'combine the outputs of `grade --shard K/N` runs into one set',
    description: `Reads the shard-K-of-N.json files that \`harness grade --shard K/N\` wrote in each DIR, checks
every shard is there once and was graded with the same spec, and writes one output set, the same
bytes as grading the whole roster in one run. The shards' --canvas-id and --missing-work carry
through; give them again only to change them.`,
    options: { out: OUT, 'canvas-id': CANVAS_ID, 'missing-work': MISSING_WORK },
    examples: ['harness merge shard1/ shard2/ --out grades/A1'],
    load: async () => (await import('./grader.js')).mergeCommand,
  },
  {
    name: 'publish',
    group: 'Instructors',
    synopsis: 'publish A1 --canvas-url URL --course ID --assignment ID',
    summary: "post grades and each student's feedback (as a comment) to Canvas",
    description: `Posts the grades of a finished \`grade\` (or \`merge\`) run, and each student's feedback as a
submission comment, to a Canvas assignment through Canvas's REST API (its bulk grade update,
50 students a request). The token is read from the environment, CANVAS_TOKEN, never from a flag.
What was posted is recorded in DIR/.publish/: a re-run posts nothing already posted, a regrade
only what changed. Excused students, grades changed by hand in Canvas (unless --overwrite) and
students without work under --missing-work blank are left alone.`,
    options: {
      'canvas-url': { type: 'string', arg: 'URL', help: 'your Canvas site, e.g. https://canvas.university.edu' },
      course: { type: 'string', arg: 'ID', help: "the course's Canvas id (in its address: /courses/ID)" },
      assignment: { type: 'string', arg: 'ID', help: "the assignment's Canvas id (/courses/…/assignments/ID)" },
      out: OUT,
      'dry-run': { type: 'boolean', help: 'list what would be posted; post nothing' },
      'missing-work': MISSING_WORK,
      overwrite: { type: 'boolean', help: 'replace grades in Canvas that publish did not post (hand-entered ones)' },
    },
    examples: ['CANVAS_TOKEN=… harness publish A1 --canvas-url https://canvas.university.edu --course 1234 --assignment 98765 --dry-run'],
    exitCodes: '0 posted (or nothing to post) · 2 could not (no token, Canvas refused, bad option)',
    load: async () => (await import('./publish.js')).publish,
  },
  {
    name: 'gradescope',
    group: 'Instructors',
    synopsis: 'gradescope A1 [--hidden FILE]',
    summary: 'write autograder.zip for a Gradescope programming assignment',
    description: `Writes autograder.zip: Gradescope's setup.sh (Node.js 20, git, python3, the harness's packages) and
run_autograder (\`harness autograde\` on /autograder/submission), with this harness, course.yaml,
the assignment's own files and, with --hidden, the hidden checks. Upload it as the assignment's
autograder on Gradescope. Steps: docs/gradescope.md.`,
    options: {
      hidden: {
        type: 'string',
        arg: 'FILE',
        help: 'hidden checks to grade with (validated now; shipped inside the zip, which students never see)',
      },
      out: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write it (default autograder.zip)' },
    },
    examples: ['harness gradescope A1 --hidden ~/anly502-hidden/A1.yaml'],
    exitCodes: '0 written · 2 could not (bad spec, bad hidden file, harness not built)',
    load: async () => (await import('./gradescope.js')).gradescope,
  },
  {
    name: 'autograde',
    group: 'Instructors',
    synopsis: 'autograde A1 --submission DIR --results FILE',
    summary: "grade one submission folder (Gradescope's) and write its results.json",
    description: `Grades one submission as \`grade\` grades one upload of a Canvas download: the answer files (as
uploaded, in a zip, or in a whole fork's assignments/<ASSIGNMENT>/) laid over the course's own
files, with the checks the grader judges; the late policy applies to the submission time in
--metadata (Gradescope's submission_metadata.json). Writes a Gradescope results.json, and prints
the student's feedback. Gradescope's run_autograder runs it (\`harness gradescope\`).`,
    options: {
      submission: { type: 'string', arg: 'DIR', help: "the student's files (Gradescope: /autograder/submission)" },
      results: { type: 'string', arg: 'FILE', help: 'where results.json goes (Gradescope: /autograder/results/results.json)' },
      metadata: { type: 'string', arg: 'FILE', help: "Gradescope's submission_metadata.json: who submitted, when, and their due date" },
      hidden: { type: 'string', arg: 'FILE', help: 'extra checks (spec format, under checks:) kept from students' },
      'unsafe-no-sandbox': {
        type: 'boolean',
        help: "run student code even where it cannot be confined (each submission in a throwaway container, as Gradescope's)",
      },
    },
    examples: [
      'harness autograde A1 --submission /autograder/submission --results /autograder/results/results.json --metadata /autograder/submission_metadata.json',
    ],
    exitCodes: '0 results.json written · 2 not graded (a check could not run, bad input): no results.json, run it again',
    load: async () => (await import('./autograde.js')).autograde,
  },
];

export const COMMANDS: Record<string, CommandDef> = Object.fromEntries(list.map((c) => [c.name, c]));

/** The options node:util parseArgs takes for a command: its own and the common ones. */
export function parseConfig(cmd: CommandDef): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {};
  for (const [k, o] of Object.entries({ ...cmd.options, ...COMMON }))
    out[k] = { type: o.type, ...(o.short && { short: o.short }), ...(o.multiple && { multiple: true }) };
  return out;
}
