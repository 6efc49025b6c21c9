// The JUnit XML reporter, for Bitbucket Pipelines' Tests tab (and anything Jenkins-compatible).
// Output validates against the strict windyroad JUnit.xsd (vendored in test/fixtures/schemas), which requires:
// - on each <testsuite> in <testsuites>: name, timestamp (no zone, no fraction), hostname, tests,
//   failures, errors, time, plus package and id; `skipped` is optional but Bitbucket wants it;
// - children in this order, <properties> and both <system-out> and <system-err> mandatory:
//   properties, testcase*, system-out, system-err;
// - on each <testcase>: name, classname, time, and at most one of skipped | error | failure.
// A testcase cannot hold <system-out>, so warnings (which pass) go in the suite's <system-out>.
// Bitbucket shows only failures and cuts each field at 2,000 characters, so we cut first and
// say so, rather than let the hint vanish mid-word.
import os from 'node:os';
import type { CheckResult, RunReport } from '../types.js';
import type { ReporterOptions } from './index.js';

export const FIELD_LIMIT = 2000;

// Characters XML 1.0 forbids even as references (C0 controls except tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF). With the `u` flag a lone surrogate is one code point, so it matches too.
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripIllegal(s: string): string {
  return s.replace(ILLEGAL, '');
}

/** Cuts `s` to at most `limit` UTF-16 units including a note saying how much was cut. */
export function cut(s: string, limit = FIELD_LIMIT): string {
  if (s.length <= limit) return s;
  const note = (n: number) => `… [cut: ${n} more characters]`;
  let keep = limit - note(s.length).length;
  // Never split a surrogate pair: half of one is illegal in XML.
  if (/[\uD800-\uDBFF]/.test(s.charAt(keep - 1))) keep--;
  return s.slice(0, keep) + note(s.length - keep);
}

const field = (s: string) => cut(stripIllegal(s));

export function escText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Attribute values also escape quotes and whitespace controls, which parsers would normalise. */
export function escAttr(s: string): string {
  return escText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

const attrs = (pairs: [string, string | number][]) => pairs.map(([k, v]) => ` ${k}="${escAttr(field(String(v)))}"`).join('');

/** xs:decimal seconds; never negative, never exponent notation. */
const seconds = (ms: number) => (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0).toFixed(3);

/** The XSD's timestamp pattern: YYYY-MM-DDTHH:MM:SS with no zone, so we always write UTC. */
function timestamp(report: RunReport, opts: Partial<ReporterOptions>): string {
  const candidates = [report.startedAt && new Date(report.startedAt), opts.now, new Date()];
  const d = candidates.find((x): x is Date => x instanceof Date && !Number.isNaN(x.getTime()))!;
  return d.toISOString().slice(0, 19);
}

function location(r: CheckResult): string | undefined {
  if (!r.file) return undefined;
  return r.line ? `${r.file}:${r.line}` : r.file;
}

/** Rationale, location, expected/actual, hint and doc link, one per line. */
function findingText(r: CheckResult): string {
  const loc = location(r);
  return [
    r.rationale,
    loc && `at ${loc}`,
    r.expected !== undefined && `expected: ${r.expected}`,
    r.actual !== undefined && `actual: ${r.actual}`,
    r.hint && `hint: ${r.hint}`,
    r.status === 'fail' && r.doc && `see ${r.doc}`,
  ]
    .filter((x): x is string => typeof x === 'string')
    .join('\n');
}

function testcase(r: CheckResult, classPrefix: string): string {
  const open = `    <testcase${attrs([
    ['name', r.title || r.id],
    ['classname', `${classPrefix}.${r.id}`],
    ['time', seconds(r.durationMs)],
  ])}`;
  const message = r.rationale || r.reason || '';
  switch (r.status) {
    case 'fail':
      return `${open}>\n      <failure${attrs([
        ['message', message],
        ['type', 'fail'],
      ])}>${escText(field(findingText(r)))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error${attrs([
        ['message', message],
        ['type', 'error'],
      ])}>${escText(field(r.stack || message))}</error>\n    </testcase>`;
    case 'skip':
      return `${open}>\n      <skipped${attrs([['message', r.reason ?? '']])}/>\n    </testcase>`;
    default:
      return `${open}/>`; // pass and warn both pass; warnings are in <system-out>
  }
}

function systemOut(report: RunReport): string {
  const warnings = report.results
    .filter((r) => r.status === 'warn')
    .map((r) => field(`warning: ${report.assignment.id}.${r.id}: ${findingText(r)}`));
  return warnings.length ? escText(warnings.join('\n\n') + '\n') : '';
}

function property(name: string, value: string | number | undefined): string {
  return value === undefined || value === ''
    ? ''
    : `      <property${attrs([
        ['name', name],
        ['value', value],
      ])}/>\n`;
}

function testsuite(report: RunReport, id: number, opts: Partial<ReporterOptions>): string {
  const a = report.assignment;
  const rs = report.results;
  const count = (s: CheckResult['status']) => rs.filter((r) => r.status === s).length;
  const name = a.id.trim() || 'assignment'; // xs:token with minLength 1
  const head = `  <testsuite${attrs([
    ['name', name],
    ['package', name],
    ['id', id],
    ['timestamp', timestamp(report, opts)],
    ['hostname', opts.hostname?.trim() || os.hostname().trim() || 'localhost'],
    ['tests', rs.length],
    ['failures', count('fail')],
    ['errors', count('error')],
    ['skipped', count('skip')],
    ['time', seconds(report.durationMs)],
  ])}>`;
  const s = report.summary;
  const props =
    property('harness.version', report.harness.version) +
    property('assignment.title', a.title) +
    property('assignment.due', a.due) +
    property('assignment.specHash', a.specHash) +
    property('student.netid', report.student?.netid) +
    property('score', s.points) +
    property('score.max', s.maxPoints) +
    property('score.extraCredit', s.extraCreditPoints);
  return [
    head,
    props ? `    <properties>\n${props}    </properties>` : '    <properties/>',
    ...rs.map((r) => testcase(r, name)),
    `    <system-out>${systemOut(report)}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
  ].join('\n');
}

/** Several runs (say, `check --all`) in one document: one <testsuite> each, ids from 0. */
export function junitSuites(reports: RunReport[], opts: Partial<ReporterOptions> = {}): string {
  const suites = reports.map((r, i) => testsuite(r, i, opts));
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>', ...suites, '</testsuites>', ''].join('\n');
}

export function junit(report: RunReport, opts: ReporterOptions): string {
  return junitSuites([report], opts);
}
