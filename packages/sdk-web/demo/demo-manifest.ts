/** The shape of demo-manifest.json, written by scripts/prepare-demo-assets.mjs. */
export interface DemoManifest {
  /** trained: the package's default model (no url); else the untrained fixture copied beside the demo. Absent: none. */
  model?: { url?: string; trained: boolean };
  sets: DemoSet[];
}

export interface DemoSet {
  id: string;
  title: string;
  labels: { label: string; images: string[] }[];
  queries: { url: string; expected: string }[];
}

export async function loadManifest(): Promise<DemoManifest> {
  const response = await fetch('./demo-manifest.json');
  if (!response.ok) return { sets: [] };
  return (await response.json()) as DemoManifest;
}
