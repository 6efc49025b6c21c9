// The harness's version and build id, set by scripts/build.mjs when it bundles the CLI.
// The build id hashes everything that shapes a check's verdict or an output (see the build script):
// caches and the grader's "nothing changed" test key on it, so a new build never trusts old results.
declare const __HARNESS_VERSION__: string;
declare const __HARNESS_BUILD__: string;

export const VERSION = typeof __HARNESS_VERSION__ === 'string' ? __HARNESS_VERSION__ : '0.0.0-dev';
/** `dev` when running from source (tests import the TypeScript directly). */
export const BUILD = typeof __HARNESS_BUILD__ === 'string' ? __HARNESS_BUILD__ : 'dev';
