// s3rver ships no types; the stand-in uses only its constructor, run(), close() and store.
declare module 's3rver' {
  export default class S3rver {
    constructor(options: Record<string, unknown>);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    store: { putBucket(name: string): Promise<unknown> };
  }
}
