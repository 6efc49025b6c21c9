// A local Canvas that speaks the endpoints `harness publish` uses, written from Canvas's REST API
// documentation (Submissions, Progress, Assignments; Pagination; Throttling), on loopback:
// - GET  /api/v1/courses/:course/assignments/:id                       → Assignment
// - GET  /api/v1/courses/:course/assignments/:id/submissions           → [Submission], paginated
//   (per_page, default 10, capped; Link header with absolute rel="current|next|prev|first|last")
// - POST /api/v1/courses/:course/assignments/:id/submissions/update_grades
//   grade_data[<student_id>][posted_grade|text_comment|excuse] → Progress (an asynchronous job)
// - GET  /api/v1/progress/:id                                          → Progress
// Every answer carries X-Request-Cost and X-Rate-Limit-Remaining; a throttled request gets
// 403 "403 Forbidden (Rate Limit Exceeded)" (or 429, as newer documentation says). A request
// without the right "Authorization: Bearer <token>" gets 401. Request shapes the documentation
// does not allow are answered 400 and recorded in `problems`, so a test can assert there were none.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStudent {
  id: number;
  name: string;
  login_id: string;
  sis_user_id?: string;
  score?: number | null;
  excused?: boolean;
}

interface Comment {
  id: number;
  author_id: number;
  comment: string;
  created_at: string;
}

interface Job {
  id: number;
  state: 'queued' | 'running' | 'completed' | 'failed';
  polls: number;
  data: Map<number, { posted_grade?: string; text_comment?: string }>;
  message: string | null;
}

export interface CanvasServerOptions {
  token: string;
  course: string;
  assignment: { id: number; name: string; points_possible: number };
  students: FakeStudent[];
  /** Largest per_page honoured (Canvas caps it at an unspecified number). */
  maxPerPage?: number;
  /** The next N requests are throttled. */
  throttle?: number;
  /** How a throttled request is answered. */
  throttleStatus?: 403 | 429;
}

export interface Recorded {
  method: string;
  path: string;
  query: string;
  authorized: boolean;
  status: number;
  body?: string;
}

export class FakeCanvas {
  url = '';
  readonly requests: Recorded[] = [];
  readonly problems: string[] = [];
  readonly comments = new Map<number, Comment[]>();
  throttle: number;
  private jobs = new Map<number, Job>();
  private nextId = 1;
  private server = createServer((req, res) => void this.handle(req, res));

  constructor(readonly opts: CanvasServerOptions) {
    this.throttle = opts.throttle ?? 0;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  student(id: number): FakeStudent {
    return this.opts.students.find((s) => s.id === id)!;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const rec: Recorded = {
      method: req.method ?? '',
      path: u.pathname,
      query: u.search,
      authorized: req.headers.authorization === `Bearer ${this.opts.token}`,
      status: 0,
      ...(body && { body }),
    };
    this.requests.push(rec);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'X-Request-Cost': '0.02',
        'X-Rate-Limit-Remaining': this.throttle ? '0.0' : '700.0',
        ...headers,
      });
      res.end(typeof json === 'string' ? json : JSON.stringify(json));
    };
    if (!rec.authorized)
      return send(401, { errors: [{ message: 'Invalid access token.' }] }, { 'WWW-Authenticate': 'Bearer realm="canvas-lms"' });
    if (this.throttle > 0) {
      this.throttle--;
      rec.status = this.opts.throttleStatus ?? 403;
      res.writeHead(rec.status, { 'Content-Type': 'text/plain', 'X-Rate-Limit-Remaining': '0.0' });
      return void res.end(`${rec.status} ${rec.status === 403 ? 'Forbidden' : 'Too Many Requests'} (Rate Limit Exceeded)`);
    }
    const base = `/api/v1/courses/${this.opts.course}/assignments/${this.opts.assignment.id}`;
    if (req.method === 'GET' && u.pathname === base)
      return send(200, {
        id: this.opts.assignment.id,
        name: this.opts.assignment.name,
        points_possible: this.opts.assignment.points_possible,
        course_id: Number(this.opts.course),
        grading_type: 'points',
      });
    if (req.method === 'GET' && u.pathname === `${base}/submissions`) return this.list(u, send);
    if (req.method === 'POST' && u.pathname === `${base}/submissions/update_grades`) return this.bulk(req, body, send);
    const m = /^\/api\/v1\/progress\/(\d+)$/.exec(u.pathname);
    if (req.method === 'GET' && m && this.jobs.has(Number(m[1]))) return send(200, this.progress(this.step(this.jobs.get(Number(m[1]))!)));
    this.problems.push(`unknown endpoint ${req.method} ${u.pathname}`);
    return send(404, { errors: [{ message: 'The specified resource does not exist.' }] });
  }

  private list(u: URL, send: (s: number, j: unknown, h?: Record<string, string>) => void): void {
    for (const k of u.searchParams.keys())
      if (!['per_page', 'page', 'include[]'].includes(k)) this.problems.push(`submissions list: unexpected parameter ${k}`);
    const per = Math.min(Number(u.searchParams.get('per_page') ?? 10) || 10, this.opts.maxPerPage ?? 100);
    const page = Number(u.searchParams.get('page') ?? 1);
    const all = this.opts.students;
    const last = Math.max(1, Math.ceil(all.length / per));
    const include = u.searchParams.getAll('include[]');
    for (const i of include)
      if (!['user', 'submission_comments', 'assignment', 'rubric_assessment', 'visibility'].includes(i))
        this.problems.push(`submissions list: include[]=${i} is not documented`);
    const items = all
      .slice((page - 1) * per, page * per)
      .map((s) => this.submission(s, include.includes('user'), include.includes('submission_comments')));
    const link = (p: number, rel: string) => {
      const l = new URL(u.toString());
      l.searchParams.set('page', String(p));
      l.searchParams.set('per_page', String(per));
      return `<${l.toString()}>; rel="${rel}"`;
    };
    const links = [
      link(page, 'current'),
      ...(page < last ? [link(page + 1, 'next')] : []),
      ...(page > 1 ? [link(page - 1, 'prev')] : []),
      link(1, 'first'),
      link(last, 'last'),
    ];
    send(200, items, { Link: links.join(',') });
  }

  private submission(s: FakeStudent, withUser: boolean, withComments: boolean) {
    const score = s.score ?? null;
    return {
      id: 5000 + s.id,
      assignment_id: this.opts.assignment.id,
      user_id: s.id,
      attempt: null,
      body: null,
      grade: score === null ? null : String(score),
      score,
      grade_matches_current_submission: true,
      submission_type: null,
      submitted_at: null,
      graded_at: score === null ? null : '2017-01-25T10:00:00Z',
      excused: s.excused ?? false,
      missing: false,
      late: false,
      workflow_state: score === null ? 'unsubmitted' : 'graded',
      ...(withComments && {
        submission_comments: (this.comments.get(s.id) ?? []).map((c) => ({ ...c, author_name: 'Instructor', edited_at: null })),
      }),
      ...(withUser && {
        user: {
          id: s.id,
          name: s.name,
          sortable_name: s.name,
          short_name: s.name,
          sis_user_id: s.sis_user_id ?? null,
          login_id: s.login_id,
        },
      }),
    };
  }

  private bulk(req: IncomingMessage, body: string, send: (s: number, j: unknown) => void): void {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
      this.problems.push(`update_grades: content type ${type}`);
      return send(400, { errors: [{ message: 'Invalid grade_data' }] });
    }
    const data = new Map<number, { posted_grade?: string; text_comment?: string }>();
    for (const [k, v] of new URLSearchParams(body)) {
      const m = /^grade_data\[(\d+)\]\[(posted_grade|text_comment|excuse)\]$/.exec(k);
      if (!m) {
        this.problems.push(`update_grades: unexpected field ${k}`);
        return send(400, { errors: [{ message: 'Invalid grade_data' }] });
      }
      if (m[2] === 'posted_grade' && !/^-?\d+(\.\d+)?%?$/.test(v))
        this.problems.push(`update_grades: posted_grade ${JSON.stringify(v)} is not points or a percent`);
      const d = data.get(Number(m[1])) ?? {};
      (d as Record<string, string>)[m[2]] = v;
      data.set(Number(m[1]), d);
    }
    if (!data.size) return send(400, { errors: [{ message: 'Invalid grade_data' }] });
    const job: Job = { id: this.nextId++, state: 'queued', polls: 0, data, message: null };
    this.jobs.set(job.id, job);
    send(200, this.progress(job));
  }

  /** A job runs on the first poll and ends on the second, as a queued Canvas job would. */
  private step(job: Job): Job {
    job.polls++;
    if (job.state === 'queued') job.state = 'running';
    else if (job.state === 'running') {
      const unknown = [...job.data.keys()].filter((id) => !this.opts.students.some((s) => s.id === id));
      if (unknown.length) {
        job.state = 'failed';
        job.message = `Couldn't find User(s) with API ids ${unknown.join(', ')}`;
        return job;
      }
      for (const [id, d] of job.data) {
        const s = this.student(id);
        if (d.posted_grade !== undefined) s.score = Number(d.posted_grade);
        if (d.text_comment !== undefined) {
          const list = this.comments.get(id) ?? [];
          list.push({ id: this.nextId++, author_id: 1, comment: d.text_comment, created_at: new Date().toISOString() });
          this.comments.set(id, list);
        }
      }
      job.state = 'completed';
    }
    return job;
  }

  private progress(job: Job) {
    return {
      id: job.id,
      context_id: Number(this.opts.course),
      context_type: 'Course',
      user_id: 1,
      tag: 'submissions_update',
      completion: job.state === 'completed' ? 100 : job.state === 'running' ? 50 : 0,
      workflow_state: job.state,
      created_at: '2017-01-25T10:00:00Z',
      updated_at: '2017-01-25T10:00:01Z',
      message: job.message,
      results: null,
      url: `${this.url}/api/v1/progress/${job.id}`,
    };
  }
}
