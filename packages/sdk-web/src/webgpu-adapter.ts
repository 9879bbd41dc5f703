/**
 * Asks the browser for a WebGPU adapter without depending on @webgpu/types: only the two facts the device
 * choice needs (is there one, and is it a software fallback such as SwiftShader) are read.
 */
interface MinimalGpuAdapter {
  /** Chromium ≥ 131 reports it here … */
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string };
  /** … older versions here (deprecated). */
  isFallbackAdapter?: boolean;
}
interface MinimalGpu {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<MinimalGpuAdapter | null>;
}

export interface WebGpuAvailability {
  /** An adapter exists: the `webgpu` execution provider can run. */
  available: boolean;
  /** The adapter is a software rasteriser (e.g. SwiftShader): it works, but far slower than wasm. */
  fallback: boolean;
  /** Why WebGPU is unavailable, for the fallback warning. */
  reason?: string;
}

export async function probeWebGpu(): Promise<WebGpuAvailability> {
  const gpu = (globalThis.navigator as { gpu?: MinimalGpu } | undefined)?.gpu;
  if (!gpu) return { available: false, fallback: false, reason: 'navigator.gpu is not available in this browser or context' };
  let adapter: MinimalGpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { available: false, fallback: false, reason: `requestAdapter() failed: ${(e as Error).message}` };
  }
  if (!adapter) return { available: false, fallback: false, reason: 'the browser offers no WebGPU adapter' };
  return { available: true, fallback: adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false };
}
