// Canvas's own gradebook export, read as a roster: the NetID from the SIS Login ID, the Canvas id,
// section and names kept, and the rows that are not students (Points Possible, Manual Posting,
// Canvas's Test Student) skipped.
import { describe, expect, it } from 'vitest';
import { parseRoster } from '../grader/roster.js';

// As Canvas writes it: a BOM, CRLF, quoted "Last, First" names, an indented Points Possible row.
const EXPORT =
  '\uFEFFStudent,ID,SIS User ID,SIS Login ID,Section,Getting started with AWS (98765),Current Score,Final Score\r\n' +
  '    Points Possible,,,,,20.00,(read only),(read only)\r\n' +
  ',,,,,Manual Posting,,\r\n' +
  '"Zhao, Quinn",4567,G0001234,qz417,ANLY-502-01,17.00,85.00,85.00\r\n' +
  '"O\'Brien-Smith, José",4568,G0001235,jo12@georgetown.edu,ANLY-502-02,,,\r\n' +
  '"Student, Test",9999,,0c8f9a1e,ANLY-502-01,,,\r\n';

describe("Canvas's gradebook export as a roster", () => {
  it('gives one entry per student, NetID from the SIS Login ID', () => {
    const r = parseRoster(EXPORT, 'export.csv');
    expect(r.map((e) => [e.netid, e.name, e.canvasId, e.sisUserId, e.sisLoginId, e.section, e.email])).toEqual([
      ['qz417', 'Zhao, Quinn', '4567', 'G0001234', 'qz417', 'ANLY-502-01', undefined],
      ['jo12', "O'Brien-Smith, José", '4568', 'G0001235', 'jo12@georgetown.edu', 'ANLY-502-02', 'jo12@georgetown.edu'],
    ]);
  });

  it('keeps a fork URL column added by hand, and a roster with a NetID column is read as before', () => {
    const withRepo = 'Student,ID,SIS User ID,SIS Login ID,Section,Repo\r\n"Zhao, Quinn",4567,,qz417,L1,git@bitbucket.org:lw/fork.git\r\n';
    expect(parseRoster(withRepo)[0]).toMatchObject({ netid: 'qz417', repo: 'git@bitbucket.org:lw/fork.git', canvasId: '4567' });
    const plain = 'NetID,Student,ID\r\nab123,"Points Possible",1\r\n';
    expect(parseRoster(plain).map((e) => e.netid)).toEqual(['ab123']);
  });
});
