type Files = [string, Buffer][];
export declare function writeFork(dir: string, opts?: { netid: string; name?: string; time?: number; id?: string; mutate?: (answers: Files) => Files | void }): Promise<string>;
export declare function writeForks(root: string, n: number, opts?: { par?: number; netid?: (i: number) => string; mutate?: (i: number, answers: Files) => Files | void }): Promise<string>;
