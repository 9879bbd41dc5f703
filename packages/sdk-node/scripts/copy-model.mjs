// Copies the trained default model into the package (models/ ships in the npm tarball, see "files").
// Missing model: a warning, not a failure — the SDK still builds and loadModel(path) works; the bundled default
// then reports NOT_FOUND until the model exists.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(pkg, '..', '..', 'models', 'omniglot-conv4.onnx');
const target = join(pkg, 'models', 'omniglot-conv4.onnx');
if (existsSync(source)) {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  console.log(`bundled ${source} -> ${target}`);
} else {
  console.warn(`warning: ${source} does not exist; siamese-sdk is built without its bundled default model`);
}
