// Copies the trained default model (and its int8-qdq variant) into the package (models/ ships in the npm tarball, see "files").
// Missing model: a warning, not a failure — the SDK still builds and loadModel(path) works; the bundled default
// then reports NOT_FOUND until the model exists.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
// The bundled variants are the ones the SDK's BUNDLED_MODEL_FILES names (read from the build tsup just wrote).
const { BUNDLED_MODEL_FILES } = await import(pathToFileURL(join(pkg, 'dist', 'index.js')).href);
for (const file of Object.values(BUNDLED_MODEL_FILES)) {
  const source = join(pkg, '..', '..', 'models', file);
  const target = join(pkg, 'models', file);
  if (existsSync(source)) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    console.log(`bundled ${source} -> ${target}`);
  } else {
    console.warn(`warning: ${source} does not exist; siamese-sdk is built without this bundled model`);
  }
}
