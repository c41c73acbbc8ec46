// The yaml package, loaded on demand (JSON specs and list never pay for it). Bundled, its CommonJS
// build arrives as a default export; run from source, as named exports: this hides the difference.
export type YamlModule = typeof import('yaml');

export async function loadYaml(): Promise<YamlModule> {
  const yaml = await import('yaml');
  return 'LineCounter' in yaml ? yaml : (yaml as unknown as { default: YamlModule }).default;
}
