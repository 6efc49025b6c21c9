export const HELP = `harness: check, submit and grade course assignments

Usage: harness <command> [assignment] [options]

Students
  check [A1]     run the assignment's checks and say what is missing or wrong
  submit [A1]    run the checks, then build <NetID>-A1.zip to upload
  list           list the assignments and their due dates
  guard          list what is running (and billing) in your AWS account, in every region
  evidence [A1]  on your EC2 instance: save its identity document for the assignment's checks

Instructors
  lint           validate every assignment spec in the repository
  new A6         scaffold assignments/A6/ from templates/ (--title "..."), due in a week
  collect A1     fetch every fork on the roster and pin each student's commit (run at the deadline)
  grade A1       grade every fork (--roster) or a Canvas download (--zips); write grades and feedback
  merge DIR...   combine the outputs of \`grade --shard K/N\` runs into one set

With npm: npm run check -- A1, npm run submit -- A1. Inside assignments/A1/ the id may be left out.

Options
  --user PATH          use this user.cfg instead of the repository's
  -r, --reporter NAME  pretty (default), json, junit, or a path to your own reporter module
  -o, --output FILE    write the report to FILE (the pretty report still goes to the screen)
  --only ID            run only this check (and what it depends on); repeatable
  --offline            skip every check that needs the network
  --profile NAME       AWS profile for live checks (default: the SDK's chain: env, AWS_PROFILE, SSO, ...)
  --region NAME        AWS region for live checks (default: the spec's, then your AWS configuration)
  --no-color           plain output (also: NO_COLOR=1)
  --debug              show stacks for errors
  -h, --help           help for a command: harness help check
  -v, --version        the harness version

Exit codes: 0 all checks passed · 1 some check failed · 2 the tool could not run
Docs: docs/README.md
`;

export const COMMAND_HELP: Record<string, string> = {
  check: `Usage: harness check [ASSIGNMENT] [--user PATH] [--reporter NAME] [--output FILE] [--only ID]...

Runs every check in assignments/<ASSIGNMENT>/assignment.yaml against your files and prints a line
per check, with what is wrong and how to fix it. Nothing is uploaded or changed.

  harness check A1
  harness check A1 --reporter junit --output test-results/harness.xml
  harness check A1 --reporter json > results.json

Exit codes: 0 all passed · 1 some check failed · 2 could not run (bad user.cfg, bad spec, bad option)
`,
  submit: `Usage: harness submit [ASSIGNMENT] [--user PATH]

Runs the checks, then writes <NetID>-<ASSIGNMENT>.zip in the assignment folder with your files and
a submission.json record. Missing files are listed and the zip is still written, so you can hand in
partial work. It refuses to write a zip when user.cfg is invalid, when a file holds a secret (an AWS
key, a private key) or when a file is a link leading outside the assignment folder.

Exit codes: 0 zip written, all checks passed · 1 zip written, some check failed · 2 no zip written
`,
  lint: `Usage: harness lint [SPEC...]

Validates every assignments/*/assignment.yaml (or the files given) against the spec schema and the
semantic rules (unknown kinds, duplicate ids, missing dependencies, cycles, point totals), and
reports every problem with file, line and column. Field reference: docs/spec.md.
`,
  new: `Usage: harness new ID --title "TITLE"

Creates assignments/ID/ from templates/assignment/: assignment.yaml (id, title, release today,
due a week from today at 23:59 in the course's time zone), README.md, Makefile and a starter
program. It passes \`harness lint\` as it is; edit the questions from there. Refuses an id that
exists or is not letters, digits, _ and - starting with a letter.
`,
  guard: `Usage: harness guard [--profile NAME] [--region NAME] [--json]

Lists, region by region, the EC2 instances (pending or running) and EMR clusters (starting, running
or waiting) in your AWS account, so nothing keeps billing after you are done. Every enabled region
is scanned at once; a region that cannot be scanned is reported and the others still are.

Exit codes: 0 nothing running · 1 something running · 2 could not scan (no credentials, a region failed)
`,
  evidence: `Usage: harness evidence [ASSIGNMENT] [--output FILE]

Run it on your EC2 instance, inside your clone of the repository. It asks the instance metadata
service (IMDSv2) for the instance's identity document (account, instance id, type, region, launch
time) and saves it, as pretty JSON, in the assignment folder: as the file the assignment's evidence
check names, else instance-identity.json (--output FILE: elsewhere). Commit and push it; \`harness
check\` then checks it. Off EC2 it stops with "not on an EC2 instance" after about 2 seconds.

Exit codes: 0 written · 2 not on an EC2 instance, metadata refused, or no such assignment
`,
  collect: `Usage: harness collect A1 --roster FILE [--out DIR] [--jobs N]

Fetches every fork on the roster (4 at a time by default) into bare mirrors under DIR/.mirrors and
appends, per student, the commit at the tip of the fork's default branch and when it was fetched
to DIR/ledger.jsonl. Run at the deadline (a scheduled CI job), it pins "the commit at the deadline"
on your clock, whatever dates the commits claim. A missing or private fork is recorded as that
student's problem. DIR defaults to grades/A1.

Exit codes: 0 the roster was processed (even if some forks failed) · 2 could not run
`,
  grade: `Usage: harness grade A1 (--roster FILE | --zips PATH) [--out DIR] [--hidden FILE] [--shard K/N]
                     [--jobs N] [--canvas-id ID] [--offline] [--quiet]

For each student: the commit collected by \`harness collect\`, else the last commit at or before the
due date plus the student's extension (and, when the course accepts late work, the later tip with
its penalty if it scores more); checked out in a work tree of its own; the spec's offline checks
and the live checks that need no credentials; the course's late policy. Writes, in DIR (default
grades/A1): grades.csv, canvas.csv (--canvas-id: Canvas's assignment id), gradescope/<NetID>/
results.json, feedback/<NetID>.md, report.html and batch.json. Results are cached in DIR/.cache:
a re-run with nothing changed does no checking work, and a killed run picks up where it stopped.

  --roster FILE   NetID,name,email,repo[,canvas id,SIS user id,SIS login id,section,extension]
  --zips PATH     a Canvas "Download Submissions" zip, or the folder it unpacked to
  --hidden FILE   extra checks (spec format, under checks:) kept outside the repository
  --shard K/N     grade part K of N (stable by NetID); combine with \`harness merge\`
  --jobs N        students graded at once (default 4); forks are cloned twice as many at a time

Exit codes: 0 the batch finished (even if some students could not be graded) · 2 could not run
`,
  merge: `Usage: harness merge DIR... [--out DIR] [--canvas-id ID]

Reads the shard-K-of-N.json files that \`harness grade --shard K/N\` wrote in each DIR, checks
every shard is there once and was graded with the same spec, and writes one output set, the same
bytes as grading the whole roster in one run.
`,
  list: `Usage: harness list [--json]

Lists the assignments in this repository with their titles, points and due dates.
`,
};
