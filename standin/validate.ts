// Checks a world by hand (it is small) and collects every problem as `path: what is wrong`, so an
// instructor fixes a YAML file in one pass. Shape first, then cross-references and uniqueness.
type Obj = Record<string, unknown>;

const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'];
const CLUSTER_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING', 'TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS'];
const TABLE_STATES = ['CREATING', 'UPDATING', 'DELETING', 'ACTIVE', 'ARCHIVING', 'ARCHIVED'];
const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const FAULT_KINDS = ['latency', 'throttle', '500', 'auth', 'expired', 'denied', 'hang'];
export const FAULT_SERVICES = ['ec2', 'sts', 'monitoring', 'cloudwatch', 'elasticmapreduce', 'emr', 'dynamodb', 's3', 's3-website', 'imds'];
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

class Checker {
  problems: string[] = [];
  private add(path: string, msg: string) {
    this.problems.push(`${path}: ${msg}`);
  }
  obj(v: unknown, path: string): Obj | undefined {
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
    this.add(path, 'must be a mapping');
    return undefined;
  }
  list(o: Obj, key: string, path: string, required = false): unknown[] {
    const v = o[key];
    if (v === undefined && !required) return [];
    if (Array.isArray(v)) return v;
    this.add(`${path}.${key}`, 'must be a list');
    return [];
  }
  str(
    o: Obj,
    key: string,
    path: string,
    opts: { required?: boolean; re?: RegExp; oneOf?: string[]; hint?: string } = {},
  ): string | undefined {
    const v = o[key];
    const p = `${path}.${key}`;
    if (v === undefined) {
      if (opts.required) this.add(p, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') return void this.add(p, 'must be a string');
    if (opts.oneOf && !opts.oneOf.includes(v)) return void this.add(p, `must be one of ${opts.oneOf.join(', ')} (got "${v}")`);
    if (opts.re && !opts.re.test(v)) return void this.add(p, `"${v}" ${opts.hint ?? `does not match ${opts.re}`}`);
    return v;
  }
  region(o: Obj, path: string, required = true) {
    return this.str(o, 'region', path, { required, re: REGION, hint: 'is not a region name like us-east-1' });
  }
  num(o: Obj, key: string, path: string) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) this.add(`${path}.${key}`, 'must be a number');
  }
  bool(o: Obj, key: string, path: string) {
    const v = o[key];
    if (v !== undefined && typeof v !== 'boolean') this.add(`${path}.${key}`, 'must be true or false');
  }
  strMap(o: Obj, key: string, path: string) {
    const v = o[key];
    if (v === undefined) return;
    const m = this.obj(v, `${path}.${key}`);
    for (const [k, x] of Object.entries(m ?? {})) if (typeof x !== 'string') this.add(`${path}.${key}.${k}`, 'must be a string');
  }
  unique(values: (string | undefined)[], what: string) {
    const seen = new Set<string>();
    for (const v of values) {
      if (v === undefined) continue;
      if (seen.has(v)) this.add(what, `"${v}" appears more than once`);
      seen.add(v);
    }
  }
  note(path: string, msg: string) {
    this.add(path, msg);
  }
}

export function validateWorld(raw: unknown): string[] {
  const c = new Checker();
  const w = c.obj(raw, 'world');
  if (!w) return c.problems;
  const keys: (string | undefined)[] = [];
  const buckets: (string | undefined)[] = [];
  const instances: (string | undefined)[] = [];
  const accounts = c.list(w, 'accounts', 'world', true);
  accounts.forEach((a, i) => {
    const p = `accounts[${i}]`;
    const acct = c.obj(a, p);
    if (!acct) return;
    c.str(acct, 'id', p, { required: true, re: /^\d{12}$/, hint: 'is not a 12-digit account id' });
    c.str(acct, 'alias', p);
    c.list(acct, 'credentials', p, true).forEach((x, j) => {
      const q = `${p}.credentials[${j}]`;
      const cr = c.obj(x, q);
      if (!cr) return;
      keys.push(c.str(cr, 'accessKeyId', q, { required: true }));
      c.str(cr, 'secretAccessKey', q, { required: true });
      c.str(cr, 'user', q);
      c.str(cr, 'role', q);
      c.str(cr, 'sessionToken', q);
      c.bool(cr, 'root', q);
      c.bool(cr, 'expired', q);
      if ([cr.user, cr.root, cr.role].filter(Boolean).length !== 1)
        c.note(q, 'needs exactly one of user: <name>, root: true or role: <name>');
    });
    const keyNames = new Set<string>();
    c.list(acct, 'keyPairs', p).forEach((x, j) => {
      const q = `${p}.keyPairs[${j}]`;
      const k = c.obj(x, q);
      if (!k) return;
      const name = c.str(k, 'name', q, { required: true });
      const region = c.region(k, q);
      if (name && region) keyNames.add(`${region}/${name}`);
      c.str(k, 'keyType', q, { required: true, oneOf: ['rsa', 'ed25519'] });
      c.str(k, 'keyPairId', q, { re: /^key-[0-9a-f]+$/, hint: 'is not a key pair id like key-0123456789abcdef0' });
      c.str(k, 'keyFingerprint', q);
      c.str(k, 'publicKey', q, { re: /^(ssh-ed25519|ssh-rsa) [A-Za-z0-9+/=]+( .*)?$/, hint: 'is not an OpenSSH public key line' });
      if (k.keyFingerprint === undefined && k.publicKey === undefined)
        c.note(q, 'needs keyFingerprint or publicKey (the fingerprint is computed from it)');
      c.str(k, 'createTime', q);
    });
    c.list(acct, 'instances', p).forEach((x, j) => {
      const q = `${p}.instances[${j}]`;
      const inst = c.obj(x, q);
      if (!inst) return;
      instances.push(
        c.str(inst, 'instanceId', q, { required: true, re: /^i-[0-9a-f]{8,17}$/, hint: 'is not an instance id like i-0123456789abcdef0' }),
      );
      const region = c.region(inst, q);
      c.str(inst, 'instanceType', q, { required: true });
      c.str(inst, 'state', q, { required: true, oneOf: INSTANCE_STATES });
      const keyName = c.str(inst, 'keyName', q);
      if (keyName && region && !keyNames.has(`${region}/${keyName}`))
        c.note(`${q}.keyName`, `no key pair "${keyName}" in ${region} in this account`);
      c.strMap(inst, 'tags', q);
      for (const f of ['launchTime', 'imageId', 'availabilityZone', 'privateIpAddress', 'publicIpAddress']) c.str(inst, f, q);
    });
    c.list(acct, 'buckets', p).forEach((x, j) => {
      const q = `${p}.buckets[${j}]`;
      const b = c.obj(x, q);
      if (!b) return;
      buckets.push(
        c.str(b, 'name', q, {
          required: true,
          re: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          hint: 'is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)',
        }),
      );
      c.region(b, q);
      c.list(b, 'objects', q).forEach((y, k) => {
        const r = `${q}.objects[${k}]`;
        const o = c.obj(y, r);
        if (!o) return;
        c.str(o, 'key', r, { required: true });
        c.str(o, 'body', r, { required: true });
        c.str(o, 'contentType', r);
      });
      if (
        b.public !== undefined &&
        typeof b.public !== 'boolean' &&
        !(Array.isArray(b.public) && b.public.every((k) => typeof k === 'string'))
      ) {
        c.note(`${q}.public`, 'must be true, false or a list of keys');
      }
      c.bool(b, 'publicList', q);
      if (b.website !== undefined) {
        const ws = c.obj(b.website, `${q}.website`);
        if (ws) {
          c.str(ws, 'indexDocument', `${q}.website`);
          c.str(ws, 'errorDocument', `${q}.website`);
        }
      }
    });
    c.list(acct, 'alarms', p).forEach((x, j) => {
      const q = `${p}.alarms[${j}]`;
      const al = c.obj(x, q);
      if (!al) return;
      for (const f of ['name', 'namespace', 'metricName']) c.str(al, f, q, { required: true });
      c.region(al, q);
      c.strMap(al, 'dimensions', q);
      for (const f of ['threshold', 'period', 'evaluationPeriods']) c.num(al, f, q);
      c.str(al, 'state', q, { oneOf: ALARM_STATES });
      c.str(al, 'comparisonOperator', q);
      c.str(al, 'statistic', q);
      c.list(al, 'actions', q, true).forEach((s, k) => typeof s !== 'string' && c.note(`${q}.actions[${k}]`, 'must be a string'));
      c.bool(al, 'actionsEnabled', q);
      c.bool(al, 'metricQuery', q);
    });
    c.list(acct, 'emrClusters', p).forEach((x, j) => {
      const q = `${p}.emrClusters[${j}]`;
      const e = c.obj(x, q);
      if (!e) return;
      c.str(e, 'id', q, { required: true, re: /^j-[0-9A-Z]+$/, hint: 'is not a cluster id like j-2AXXXXXXGAPLF' });
      c.str(e, 'name', q, { required: true });
      c.region(e, q);
      c.str(e, 'state', q, { required: true, oneOf: CLUSTER_STATES });
      c.str(e, 'createdAt', q);
      c.num(e, 'normalizedInstanceHours', q);
    });
    c.list(acct, 'dynamoTables', p).forEach((x, j) => {
      const q = `${p}.dynamoTables[${j}]`;
      const t = c.obj(x, q);
      if (!t) return;
      c.str(t, 'name', q, { required: true });
      c.region(t, q);
      c.str(t, 'status', q, { oneOf: TABLE_STATES });
      c.num(t, 'itemCount', q);
    });
  });
  c.unique(keys, 'accounts[].credentials[].accessKeyId');
  c.unique(buckets, 'accounts[].buckets[].name (bucket names are global)');
  c.unique(instances, 'accounts[].instances[].instanceId');
  if (w.regions !== undefined) {
    c.list(w, 'regions', 'world').forEach(
      (r, i) => (typeof r !== 'string' || !REGION.test(r)) && c.note(`regions[${i}]`, 'is not a region name like us-east-1'),
    );
  }
  if (w.imds !== undefined) {
    const m = c.obj(w.imds, 'imds');
    if (m) {
      c.str(m, 'accountId', 'imds', { required: true, re: /^\d{12}$/, hint: 'is not a 12-digit account id' });
      c.str(m, 'instanceId', 'imds', { required: true });
      c.region(m, 'imds');
      for (const f of ['availabilityZone', 'instanceType', 'imageId', 'privateIp', 'architecture', 'pendingTime', 'version'])
        c.str(m, f, 'imds');
      if (m.role !== undefined) {
        const r = c.obj(m.role, 'imds.role');
        const id = r && c.str(r, 'accessKeyId', 'imds.role', { required: true });
        if (r) c.str(r, 'name', 'imds.role', { required: true });
        if (id && !keys.includes(id)) c.note('imds.role.accessKeyId', 'names no credential in the world');
      }
    }
  }
  c.list(w, 'faults', 'world').forEach((x, i) => {
    const q = `faults[${i}]`;
    const f = c.obj(x, q);
    if (!f) return;
    c.str(f, 'kind', q, { required: true, oneOf: FAULT_KINDS });
    c.str(f, 'service', q, { oneOf: FAULT_SERVICES });
    c.str(f, 'action', q);
    c.region(f, q, false);
    c.num(f, 'times', q);
    c.num(f, 'ms', q);
    if (f.kind === 'latency' && typeof f.ms !== 'number') c.note(q, 'a latency fault needs ms: <milliseconds>');
  });
  return c.problems;
}
