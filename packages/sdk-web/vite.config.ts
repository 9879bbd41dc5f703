import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
// Cross-origin isolation for `vite dev` / `vite preview`, so the demo runs wasm multi-threaded there too.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here('./demo'),
  // Relative asset URLs: the built demo works from any folder of any static server.
  base: './',
  // Real Omniglot support sets and the model, copied by scripts/prepare-demo-assets.mjs (generated, not committed).
  publicDir: here('./.demo-assets'),
  // The demo uses the built package (dist/), exactly as an app's bundler would; run `tsup` first (`pnpm build` does).
  resolve: {
    alias: { '@siamese-sdk/web': here('./dist/index.js') },
  },
  // Pre-bundling would move onnxruntime-web away from its .wasm files in dev mode.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    outDir: here('./dist-demo'),
    emptyOutDir: true,
    target: 'es2022',
    // onnxruntime-web's own bundle is ~400 kB; that is expected, not a warning.
    chunkSizeWarningLimit: 1024,
    // onnxruntime-web in its own chunk: its wasm threads are Workers that load the script ORT sits in. Inside the
    // app's chunk they would also run the app's top-level code (which touches `document`) and never start.
    rollupOptions: { output: { manualChunks: { ort: ['onnxruntime-web'] } } },
  },
  // The demo's ?worker=1 mode: the same rule for the worker bundle, or ORT's threads would re-run the worker's code.
  worker: { format: 'es', rollupOptions: { output: { manualChunks: { ort: ['onnxruntime-web'] } } } },
});
