#!/usr/bin/env node
// Zip bench: our writer (lib/pack/zip.ts) against Info-ZIP `zip -r -q -X -6` and archiver used well,
// on a generated, deterministic 200-file ~80 MB folder. Runs are interleaved; each of ours and each
// archiver run is its own child process so its peak RSS is its own.
//   node bench/zip.mjs [--runs 5] [--size-mb 80] [--concurrency N] [--in-flight-mb N] [--keep]
//   [--compressed-share 0.0625]  (share of bytes in random, already-compressed files)
// Prints a table, then one JSON line. Exit code 1 when the bar (ratio >= 0.8, RSS <= 150 MB) is missed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(HERE), '..');
const FOLDER = 'ab123-A1';
const BAR = { ratio: 0.8, rssMB: 150 };

function flag(argv, name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

// ---- deterministic data -------------------------------------------------------------------
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS = (
  'instance bucket region policy lambda role subnet vpc gateway object key version deploy stack ' +
  'request latency error retry student answer query table index shard replica cache queue message event ' +
  'the a of to and in is for on with as by that this from be are at or it'
).split(' ');
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'ap-south-1'];
const TYPES = ['t3.micro', 't3.small', 'm5.large', 'c5.xlarge', 'r6g.medium'];

function textFile(rand, bytes, style) {
  const lines = [];
  let n = 0;
  let i = 0;
  while (n < bytes) {
    let line;
    if (style === 0) {
      line =
        `${i},2024-0${1 + (((i / 1000) | 0) % 9)}-${String(1 + (i % 28)).padStart(2, '0')}T${String((i * 7) % 24).padStart(2, '0')}:${String((i * 13) % 60).padStart(2, '0')}:00Z,` +
        `${REGIONS[(rand() * 5) | 0]},${TYPES[(rand() * 5) | 0]},${(rand() * 100).toFixed(2)},${(rand() * 16384) | 0},${(rand() * 3).toFixed(4)}`;
    } else if (style === 1) {
      line =
        `[${String(i).padStart(7, '0')}] ${rand() < 0.1 ? 'WARN' : 'INFO'} ${WORDS[(rand() * WORDS.length) | 0]}: ` +
        `id=${((rand() * 1e9) | 0).toString(16)} took ${(rand() * 900).toFixed(1)} ms status=${rand() < 0.05 ? 500 : 200}`;
    } else {
      const w = [];
      for (let k = 6 + ((rand() * 10) | 0); k > 0; k--) w.push(WORDS[(rand() * WORDS.length) | 0]);
      line = w.join(' ') + '.';
    }
    lines.push(line);
    n += line.length + 1;
    i++;
  }
  return Buffer.from(lines.join('\n') + '\n').subarray(0, bytes);
}

function randomFile(rand, bytes) {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) b.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  return b;
}

/** 200 files: 2 large text files (10 MB streams, 6 MB does not), 4 random "compressed" ones, 194 of varied sizes. */
async function makeFolder(root, totalMB, compressedShare) {
  const rand = prng(20240901);
  const dir = path.join(root, FOLDER);
  const scale = totalMB / 80;
  const rnd = (compressedShare * 80e6) / 5e6; // the random files below are 5 MB at the default share
  const files = [
    ['data/big-usage.csv', () => textFile(rand, Math.round(10e6 * scale), 0)],
    ['data/events.log', () => textFile(rand, Math.round(6e6 * scale), 1)],
    ['figures/plot.png', () => randomFile(rand, Math.round(1.5e6 * scale * rnd))],
    ['figures/photo.jpg', () => randomFile(rand, Math.round(1e6 * scale * rnd))],
    ['data/raw.csv.gz', () => randomFile(rand, Math.round(2e6 * scale * rnd))],
    ['data/archive.zip', () => randomFile(rand, Math.round(0.5e6 * scale * rnd))],
  ];
  const rest = Math.round((80e6 - 16e6 - 5e6 * rnd) * scale);
  const weights = Array.from({ length: 194 }, () => Math.exp(rand() * 6)); // ~1 to ~400, log-uniform
  const sum = weights.reduce((a, b) => a + b, 0);
  weights.forEach((w, i) => {
    const ext = ['csv', 'log', 'md', 'py', 'json', 'txt'][i % 6];
    files.push([
      `q${String(i).padStart(3, '0')}/answer-${i}.${ext}`,
      () => textFile(rand, Math.max(200, Math.round((rest * w) / sum)), i % 3),
    ]);
  });
  let total = 0;
  for (const [rel, make] of files) {
    const body = make();
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), body);
    total += body.length;
  }
  return { dir, files: files.length, bytes: total };
}

/** A course repository whose assignment T1 holds the folder's files (hard links), for `harness submit`. */
async function makeSubmitRepo(root, dir) {
  const repo = path.join(root, 'course');
  const t1 = path.join(repo, 'assignments', 'T1');
  const entries = await listEntries(dir);
  const files = entries.map((e) => path.relative(dir, e.source).split(path.sep).join('/'));
  for (const f of files) {
    await mkdir(path.dirname(path.join(t1, f)), { recursive: true });
    await link(path.join(dir, f), path.join(t1, f));
  }
  await writeFile(path.join(repo, 'course.yaml'), 'name: Bench\ntimezone: UTC\n');
  await writeFile(path.join(repo, 'user.cfg'), '[USER]\nname: Bench\nemail: zz123@example.edu\n');
  await writeFile(
    path.join(t1, 'assignment.yaml'),
    `id: T1\ntitle: Zip bench\npoints: 0\nfiles:\n  required: []\n  optional: ${JSON.stringify(files)}\nchecks: []\n`,
  );
  return repo;
}

function runSubmit(repo, out) {
  const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : [];
  const cmd = [...timeBin, process.execPath, path.join(REPO, 'dist', 'harness.mjs'), 'submit', 'T1', '--offline'];
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', INIT_CWD: '' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`submit failed (${r.status}): ${r.stdout}${r.stderr}`);
  renameSync(path.join(repo, 'assignments', 'T1', 'zz123-T1.zip'), out);
  const kb = timeBin.length ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { ms, maxRssMB: Number.isFinite(kb) ? kb / 1024 : null };
}

async function listEntries(dir) {
  const out = [];
  const walk = async (abs, rel) => {
    for (const d of await readdir(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(path.join(abs, d.name), r);
      else out.push({ name: `${FOLDER}/${r}`, source: path.join(abs, d.name) });
    }
  };
  await walk(dir, '');
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

// ---- children -----------------------------------------------------------------------------
async function child([kind, dir, out, extra]) {
  const t0 = performance.now();
  const entries = await listEntries(dir);
  if (kind === 'ours') {
    const { bundle, ...opts } = JSON.parse(extra);
    const { writeZip } = await import(pathToFileURL(bundle).href);
    const t1 = performance.now();
    await writeZip(out, entries, opts);
    const ms = performance.now() - t1 + (t1 - t0); // listing counts, module loading does not
    return report(ms);
  }
  const { ZipArchive } = await import('archiver'); // archiver 8: a class per format
  const { shouldStore } = await import(pathToFileURL(JSON.parse(extra).bundle).href);
  const { createWriteStream } = await import('node:fs');
  const { finished } = await import('node:stream/promises');
  const t1 = performance.now();
  // "Used well": one entry at a time in sorted order, stats given (so its parallel stat queue is
  // never used), fixed date and mode, already-compressed files stored.
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const sink = createWriteStream(out);
  archive.pipe(sink);
  const date = new Date(1980, 0, 1, 0, 0, 0);
  for (const e of entries) {
    archive.file(e.source, { name: e.name, date, mode: 0o644, stats: await stat(e.source), store: shouldStore(e.name) });
  }
  await archive.finalize();
  await finished(sink);
  return report(performance.now() - t1 + (t1 - t0));
}

function report(ms) {
  process.stdout.write(JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

function runChild(kind, dir, out, extra) {
  const r = spawnSync(process.execPath, [HERE, '--child', kind, dir, out, JSON.stringify(extra)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${kind} child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function runInfoZip(root, out) {
  const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : [];
  const cmd = [...timeBin, 'zip', '-r', '-q', '-X', '-6', out, FOLDER];
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
  const kb = timeBin.length ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { ms, maxRssMB: Number.isFinite(kb) ? kb / 1024 : null };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- main ---------------------------------------------------------------------------------
export async function main(argv = process.argv.slice(2)) {
  if (argv[0] === '--child') return child(argv.slice(1));
  const runs = Number(flag(argv, '--runs', '5'));
  const sizeMB = Number(flag(argv, '--size-mb', '80'));
  const compressedShare = Number(flag(argv, '--compressed-share', '0.0625')); // random .png/.jpg/.gz/.zip bytes
  const opts = {};
  if (flag(argv, '--concurrency')) opts.concurrency = Number(flag(argv, '--concurrency'));
  if (flag(argv, '--in-flight-mb')) opts.maxInFlightBytes = Number(flag(argv, '--in-flight-mb')) * 1024 * 1024;

  const root = await mkdtemp(path.join(tmpdir(), 'zip-bench-'));
  try {
    const { build } = await import('esbuild');
    const bundle = path.join(root, 'zip.bundle.mjs');
    await build({
      entryPoints: [path.join(REPO, 'lib/pack/zip.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'error',
    });
    const folder = await makeFolder(root, sizeMB, compressedShare);
    const outDir = path.join(root, 'out');
    await mkdir(outDir);
    for (const e of await listEntries(folder.dir)) readFileSync(e.source); // warm the page cache

    const repo = await makeSubmitRepo(root, folder.dir);
    const res = { infozip: [], ours: [], archiver: [], submit: [] };
    const shas = { ours: new Set(), archiver: new Set(), submit: new Set() };
    const order = ['infozip', 'ours', 'archiver', 'submit'];
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < order.length; k++) {
        const tool = order[(k + r) % order.length]; // rotate who goes first
        const out = path.join(outDir, `${tool}-${r}.zip`);
        const m =
          tool === 'infozip'
            ? runInfoZip(root, out)
            : tool === 'submit'
              ? runSubmit(repo, out)
              : runChild(tool, folder.dir, out, { bundle, ...opts });
        m.bytes = (await stat(out)).size;
        if (shas[tool]) shas[tool].add(sha256(out));
        res[tool].push(m);
        await rm(out);
      }
    }

    const MB = folder.bytes / 1e6;
    const summary = {};
    for (const tool of order) {
      const ms = median(res[tool].map((m) => m.ms));
      const rss = res[tool].map((m) => m.maxRssMB).filter((x) => x != null);
      summary[tool] = {
        mbps: +(MB / (ms / 1000)).toFixed(1),
        medianMs: Math.round(ms),
        peakRssMB: rss.length ? +Math.max(...rss).toFixed(1) : null,
        zipMB: +(median(res[tool].map((m) => m.bytes)) / 1e6).toFixed(2),
        sameBytes: shas[tool] ? shas[tool].size === 1 : null,
      };
    }
    const ratio = +(summary.ours.mbps / summary.infozip.mbps).toFixed(2);
    // The bar is for `harness submit` itself (node start-up, hashing, the secret scan and
    // submission.json included); the writer alone is reported beside it.
    const submitRatio = +(summary.submit.mbps / summary.infozip.mbps).toFixed(2);
    const pass = submitRatio >= BAR.ratio && summary.submit.peakRssMB <= BAR.rssMB && summary.submit.sameBytes && ratio >= BAR.ratio;

    console.log(`zip bench: ${folder.files} files, ${MB.toFixed(1)} MB, ${runs} interleaved runs, medians (MB = 10^6 bytes)`);
    console.log('tool        MB/s   median ms   peak RSS MB   zip MB   same bytes');
    for (const tool of order) {
      const s = summary[tool];
      console.log(
        `${tool.padEnd(10)} ${String(s.mbps).padStart(5)} ${String(s.medianMs).padStart(11)} ${String(s.peakRssMB ?? '-').padStart(13)} ${String(s.zipMB).padStart(8)}   ${s.sameBytes ?? '-'}`,
      );
    }
    console.log(
      `harness submit / Info-ZIP = ${submitRatio}, peak RSS ${summary.submit.peakRssMB} MB; the writer alone / Info-ZIP = ${ratio} (bars: >= ${BAR.ratio}, <= ${BAR.rssMB} MB): ${pass ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      JSON.stringify({
        bench: 'zip',
        files: folder.files,
        inputMB: +MB.toFixed(1),
        compressedShare,
        runs,
        opts,
        ...summary,
        ratio,
        submitRatio,
        bar: BAR,
        pass,
      }),
    );
    if (!pass) process.exitCode = 1;
    return { ...summary, ratio, pass };
  } finally {
    if (!argv.includes('--keep')) await rm(root, { recursive: true, force: true });
    else console.error(`kept ${root}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === HERE) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 2;
  });
}
