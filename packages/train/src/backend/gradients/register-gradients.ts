/**
 * Registers tfjs-core's gradient functions (see build-gradients.mjs for why they are generated). Importing this
 * module once per thread is enough; the registry is global to tfjs.
 */
import './tfjs-gradients.generated.js';

export const TFJS_GRADIENTS_REGISTERED = true;
