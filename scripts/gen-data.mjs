// Writes the small sample data sets the assignments bundle (and the test fixtures' own data sets),
// from a seeded PRNG, so every run writes the same bytes. The outputs are committed too: students
// need nothing but the repository. Run: node scripts/gen-data.mjs [--check]
// (--check: exit 1 if a committed file differs from what this script writes.)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** mulberry32: tiny, seedable, good enough for made-up data. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  /** Zipf-ish: early items far more often, like real web traffic. */
  const skewed = (xs) => xs[Math.floor(xs.length * next() ** 2.5)];
  return { next, int, pick, skewed };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
// The course's real quazyilx readings: a space between date and time, no `T`, no `Z`
// (`2000-01-28 03:07:44 fnard:-1 ...`), as its own 2017 tests and real answers show.
const reading = (ms) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Web-server access log lines (Apache "combined" format) of a small wiki. */
function accessLog(seed, lines, { from, to, site }) {
  const r = rng(seed);
  const pages = [
    '/',
    '/index.php',
    '/wiki/Main_Page',
    '/wiki/Special:Search',
    '/wiki/Disk_images',
    '/wiki/File_carving',
    '/wiki/Timeline_analysis',
    '/wiki/Memory_analysis',
    '/wiki/Registry',
    '/wiki/Hash_sets',
    '/wiki/Tools',
    '/wiki/Live_response',
    '/wiki/Mobile_devices',
    '/wiki/Network_capture',
    '/wiki/Write_blockers',
    '/wiki/Journals',
    '/wiki/Glossary',
    '/skins/common/shared.css',
    '/skins/common/wikibits.js',
    '/favicon.ico',
    '/robots.txt',
    '/wiki/Special:RecentChanges',
    '/wiki/Talk:Main_Page',
    '/images/logo.png',
  ];
  const agents = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/55.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_2) AppleWebKit/602.3.12 (KHTML, like Gecko) Version/10.0.2 Safari/602.3.12',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'curl/7.47.0',
    'Wget/1.17.1 (linux-gnu)',
  ];
  const t0 = Date.parse(from);
  const span = Date.parse(to) - t0;
  const times = Array.from({ length: lines }, () => t0 + Math.floor(r.next() * span)).sort((a, b) => a - b);
  return (
    times
      .map((t) => {
        const d = new Date(t);
        const ip = `${r.int(11, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
        const stamp = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
        const page = r.skewed(pages);
        const method = r.next() < 0.93 ? 'GET' : r.pick(['POST', 'HEAD']);
        const status = r.next() < 0.86 ? 200 : r.pick([304, 404, 301, 500, 403]);
        const bytes = status === 304 ? '-' : String(r.int(180, 48000));
        const ref = r.next() < 0.5 ? '-' : `http://${site}${r.pick(pages)}`;
        return `${ip} - - [${stamp}] "${method} ${page} HTTP/1.1" ${status} ${bytes} "${ref}" "${r.pick(agents)}"`;
      })
      .join('\n') + '\n'
  );
}

/** Quazyilx sensor readings: a date and time and four named readings; -1 means the sensor failed. */
function sensorReadings(seed, lines, from) {
  const r = rng(seed);
  let t = Date.parse(from);
  const out = [];
  for (let i = 0; i < lines; i++) {
    t += r.int(1, 120) * 1000;
    const broken = r.next() < 0.012;
    const v = () => (broken || r.next() < 0.02 ? -1 : r.int(-40, 120));
    out.push(`${reading(t)} fnard:${v()} fnok:${v()} cark:${v()} gnuck:${v()}`);
  }
  return out.join('\n') + '\n';
}

/** mtr report runs (`mtr --report --show-ips`), one every few minutes, from an EC2 instance. */
function mtrLog(seed, runs, from, hops) {
  const r = rng(seed);
  let t = Date.parse(from);
  const out = [];
  for (let n = 0; n < runs; n++) {
    t += r.int(240, 360) * 1000;
    out.push(`Start: ${iso(t)}`, 'HOST: ip-172-31-20-15                           Loss%   Snt   Last   Avg  Best  Wrst StDev');
    let hop = 0;
    for (const options of hops) {
      hop++;
      const h = r.skewed(options);
      const hour = new Date(t).getUTCHours();
      const base = 0.3 + hop * 2.1 + (hour >= 13 && hour <= 21 ? hop * 0.6 : 0);
      const loss = r.next() < 0.9 ? 0 : r.pick([10, 20, 30]);
      const times = Array.from({ length: 4 }, () => base + r.next() * hop);
      const [last, avg, best, worst] = [times[0], times.reduce((a, b) => a + b) / 4, Math.min(...times), Math.max(...times)];
      const dev = Math.sqrt(times.reduce((s, x) => s + (x - avg) ** 2, 0) / 4);
      const who = h; // a hop without reverse DNS shows its address alone, as mtr does
      const nums =
        h === '???'
          ? '100.0%    10    0.0   0.0   0.0   0.0   0.0'
          : `${loss.toFixed(1).padStart(5)}%    10 ${[last, avg, best, worst, dev].map((x) => x.toFixed(1).padStart(6)).join('')}`;
      out.push(`${String(hop).padStart(3)}.|-- ${who.padEnd(44)}${nums}`);
    }
  }
  return out.join('\n') + '\n';
}

/** Consumer complaints, one JSON object a line. */
function complaints(seed, lines) {
  const r = rng(seed);
  const products = [
    'Mortgage',
    'Debt collection',
    'Credit reporting',
    'Credit card',
    'Bank account or service',
    'Student loan',
    'Consumer loan',
    'Money transfers',
  ];
  const companies = [
    'Northwind Bank',
    'Contoso Financial',
    'Fabrikam Credit',
    'Tailspin Lending',
    'Woodgrove Bank',
    'Litware Payments',
    'Adatum Servicing',
    'Proseware Card',
  ];
  const states = ['CA', 'TX', 'NY', 'FL', 'GA', 'IL', 'PA', 'OH', 'VA', 'MD', 'DC', 'WA'];
  const out = [];
  for (let i = 0; i < lines; i++) {
    const year = r.skewed([2015, 2014, 2016, 2013, 2012]);
    const date = `${year}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`;
    out.push(
      JSON.stringify({
        complaint_id: 1000000 + i * 7 + r.int(0, 6),
        date_received: date,
        product: r.skewed(products),
        company: r.skewed(companies),
        state: r.pick(states),
        submitted_via: r.pick(['Web', 'Phone', 'Referral', 'Postal mail', 'Email']),
        timely_response: r.next() < 0.96 ? 'Yes' : 'No',
      }),
    );
  }
  return out.join('\n') + '\n';
}

const hopsA = [
  ['ip-172-31-16-1.ec2.internal (172.31.16.1)'],
  ['100.66.8.14', '100.66.8.30'],
  ['100.66.11.98', '100.66.10.226'],
  ['100.66.7.1', '???'],
  ['54.239.110.136', '54.239.110.140'],
  ['54.239.108.87'],
  ['ae-4.r04.asbnva02.us.bb.gin.ntt.net (129.250.8.125)'],
  ['ae-11.r23.nycmny01.us.bb.gin.ntt.net (129.250.2.148)', 'ae-12.r24.nycmny01.us.bb.gin.ntt.net (129.250.3.122)'],
  ['ge-0-0-1.border1.example.net (198.51.100.9)', 'edge1.example.net (198.51.100.9)'],
  ['www.example.org (203.0.113.80)'],
];
const hopsB = [
  ['ip-10-0-0-1.us-west-2.compute.internal (10.0.0.1)'],
  ['52.93.12.20', '52.93.12.36'],
  ['52.95.52.118'],
  ['???', '52.95.53.60'],
  ['xe-0-1-2.core1.sea1.example.net (192.0.2.33)'],
  ['be-10.core2.den1.example.net (192.0.2.70)', 'be-11.core2.den1.example.net (192.0.2.74)'],
  ['campus-gw.example.edu (198.51.100.200)', 'gw1.campus.example.edu (198.51.100.200)'],
  ['mirror.example.edu (198.51.100.201)'],
];

// A far destination: past hop 23, so A3's q4 (hop 23's variability, as the course asked) has an
// answer on the sample. Transit routers in the documentation ranges (RFC 5737) and example.net.
const hopsFar = [
  ...hopsA.slice(0, 9),
  ...Array.from({ length: 14 }, (_, i) =>
    i % 5 === 1
      ? ['???', `203.0.113.${20 + i}`]
      : [`ae-${i + 1}.r0${(i % 4) + 1}.core${i + 1}.example.net (203.0.113.${20 + i})`, `203.0.113.${60 + i}`],
  ),
  ['far-host.example.org (198.51.100.240)'],
];

/** Every data set: path → contents. Fixture data uses other seeds and shapes than the assignments'. */
const files = {
  'assignments/A2/data/access-sample.log': accessLog(502, 1800, {
    from: '2016-09-01T00:00:00Z',
    to: '2017-01-20T00:00:00Z',
    site: 'wiki.example.org',
  }),
  'assignments/A2/data/sensor-sample.txt': sensorReadings(2017, 2400, '2016-03-01T00:00:00Z'),
  'assignments/A3/data/mtr-sample.txt': mtrLog(303, 60, '2017-02-01T00:00:00Z', hopsFar),
  'assignments/A4/data/mtr-sample.txt': mtrLog(404, 40, '2017-02-20T00:00:00Z', hopsA),
  'assignments/A5/data/quazyilx-sample.txt': sensorReadings(505, 2000, '2016-06-01T00:00:00Z'),
  'assignments/A5/data/fwiki-sample.log': accessLog(5050, 1500, {
    from: '2016-05-15T00:00:00Z',
    to: '2016-12-31T00:00:00Z',
    site: 'wiki.example.org',
  }),
  'assignments/A5/data/complaints-sample.jsonl': complaints(5051, 900),
  'test/fixtures/A2/data/access.log': accessLog(9002, 300, {
    from: '2015-02-01T00:00:00Z',
    to: '2015-06-01T00:00:00Z',
    site: 'docs.example.com',
  }),
  'test/fixtures/A2/data/sensor.txt': sensorReadings(9003, 400, '2015-01-01T00:00:00Z'),
  'test/fixtures/A3/data/mtr.txt': mtrLog(9004, 12, '2015-03-01T00:00:00Z', hopsB),
  'test/fixtures/A4/data/mtr.txt': mtrLog(9005, 6, '2015-04-01T00:00:00Z', hopsB),
  'test/fixtures/A5/data/readings.txt': sensorReadings(9006, 300, '2015-05-01T00:00:00Z'),
  'test/fixtures/A5/data/complaints.jsonl': complaints(9007, 120),
};

const check = process.argv.includes('--check');
let stale = 0;
for (const [rel, text] of Object.entries(files)) {
  const abs = path.join(root, rel);
  if (check) {
    const now = await readFile(abs, 'utf8').catch(() => '');
    if (now !== text) {
      stale++;
      console.error(`gen-data: ${rel} differs from what scripts/gen-data.mjs writes`);
    }
    continue;
  }
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, text);
  console.error(`gen-data: ${rel} (${Buffer.byteLength(text)} bytes)`);
}
if (stale) process.exit(1);
