export const HELP = `harness: check, submit and grade course assignments

Usage: harness <command> [assignment] [options]

Students
  check [A1]     run the assignment's checks and say what is missing or wrong
  submit [A1]    run the checks, then build <NetID>-A1.zip to upload
  list           list the assignments and their due dates

Instructors
  lint           validate every assignment spec in the repository

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
  list: `Usage: harness list [--json]

Lists the assignments in this repository with their titles, points and due dates.
`,
};
