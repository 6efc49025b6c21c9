// The sample world, the same as examples/worlds/sample.yaml (a test keeps the two equal): one
// student account as A1 leaves it, plus a second account to show that accounts do not see each
// other. The "keys" are obviously fake and shaped unlike AWS's, so no secret scan trips on them.
import type { World } from './world.js';

export const SAMPLE = {
  account: '123456789012',
  otherAccount: '210987654321',
  /** IAM user `ab123-admin`: the keys a student configures. */
  student: { accessKeyId: 'STANDIN-STUDENT-KEY', secretAccessKey: 'standin-student-secret' },
  root: { accessKeyId: 'STANDIN-ROOT-KEY', secretAccessKey: 'standin-root-secret' },
  expired: { accessKeyId: 'STANDIN-EXPIRED-KEY', secretAccessKey: 'standin-expired-secret' },
  other: { accessKeyId: 'STANDIN-OTHER-KEY', secretAccessKey: 'standin-other-secret' },
  bucket: 'ab123-website',
  privateBucket: 'ab123-private',
  instance: 'i-0a1b2c3d4e5f60718',
  forgotten: 'i-0f9e8d7c6b5a49382',
  cluster: 'j-2AXXXXXXGAPLF',
};

export function sampleWorld(): World {
  return {
    accounts: [
      {
        id: SAMPLE.account,
        alias: 'ab123-course',
        credentials: [
          { ...SAMPLE.student, user: 'ab123-admin' },
          { ...SAMPLE.root, root: true },
          { ...SAMPLE.expired, user: 'ab123-admin', expired: true },
          {
            accessKeyId: 'STANDIN-ROLE-KEY',
            secretAccessKey: 'standin-role-secret',
            role: 'ab123-ec2-role',
            sessionToken: 'standin-role-token',
          },
        ],
        keyPairs: [
          {
            region: 'us-east-1',
            name: 'ab123-key',
            keyType: 'ed25519',
            createTime: '2025-01-15T09:00:00.000Z',
            publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEB+QGynJvomgJ1dHRlUQASB5c40Z/ElELdbIPvNAVC+ ab123@laptop',
          },
        ],
        instances: [
          {
            instanceId: SAMPLE.instance,
            region: 'us-east-1',
            instanceType: 't2.micro',
            state: 'running',
            keyName: 'ab123-key',
            tags: { Name: 'ab123-web' },
            launchTime: '2025-01-15T09:30:00.000Z',
            availabilityZone: 'us-east-1a',
            privateIpAddress: '172.31.20.15',
            publicIpAddress: '203.0.113.25',
          },
          // Launched while exploring the console in the wrong region, and never stopped.
          {
            instanceId: SAMPLE.forgotten,
            region: 'eu-west-1',
            instanceType: 't2.micro',
            state: 'running',
            tags: { Name: 'test' },
            launchTime: '2025-01-10T14:00:00.000Z',
          },
        ],
        buckets: [
          {
            name: SAMPLE.bucket,
            region: 'us-east-1',
            public: true,
            website: { indexDocument: 'index.html' },
            objects: [
              {
                key: 'q6-malfunctions.txt',
                body: 'malfunction 1: sensor drift\nmalfunction 2: valve stuck\nmalfunction 3: pump overheating\n',
              },
              { key: 'index.html', body: '<html><body><h1>ab123</h1></body></html>\n' },
            ],
          },
          { name: SAMPLE.privateBucket, region: 'us-east-1', objects: [{ key: 'notes.txt', body: 'not for the public\n' }] },
        ],
        alarms: [
          {
            name: 'billing-over-10-usd',
            region: 'us-east-1',
            namespace: 'AWS/Billing',
            metricName: 'EstimatedCharges',
            dimensions: { Currency: 'USD' },
            threshold: 10,
            comparisonOperator: 'GreaterThanOrEqualToThreshold',
            state: 'OK',
            actions: [`arn:aws:sns:us-east-1:${SAMPLE.account}:billing-alerts`],
          },
        ],
        emrClusters: [
          {
            id: SAMPLE.cluster,
            name: 'ab123-spark',
            region: 'us-east-1',
            state: 'TERMINATED',
            createdAt: '2025-01-20T10:00:00.000Z',
            normalizedInstanceHours: 24,
          },
        ],
        dynamoTables: [],
      },
      {
        id: SAMPLE.otherAccount,
        credentials: [{ ...SAMPLE.other, user: 'cd456-admin' }],
        instances: [{ instanceId: 'i-0123456789abcdef0', region: 'us-east-1', instanceType: 't3.small', state: 'running' }],
        buckets: [{ name: 'cd456-bucket', region: 'us-east-1', objects: [{ key: 'secret.txt', body: 'cd456 only\n' }] }],
      },
    ],
    imds: {
      accountId: SAMPLE.account,
      instanceId: SAMPLE.instance,
      region: 'us-east-1',
      role: { name: 'ab123-ec2-role', accessKeyId: 'STANDIN-ROLE-KEY' },
    },
  };
}
