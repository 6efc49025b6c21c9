// The `yaml` package is the largest module on the start-up path, and a warm cache (lib/util/memo.ts)
// means most runs never parse YAML at all. So it is imported on demand: callers `await loadYaml()`
// once, then parse synchronously with `yaml()`.
type YamlModule = typeof import('yaml');
let mod: YamlModule | undefined;

export async function loadYaml(): Promise<YamlModule> {
  if (!mod) {
    // yaml is CommonJS; a split bundle hands it over as the namespace's default export only.
    const m = (await import('yaml')) as YamlModule & { default?: YamlModule };
    mod = typeof m.LineCounter === 'function' ? m : m.default!;
  }
  return mod;
}

export function yaml(): YamlModule {
  if (!mod) throw new Error('internal: loadYaml() must be awaited before parsing YAML');
  return mod;
}
