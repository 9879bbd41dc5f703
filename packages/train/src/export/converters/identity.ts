/**
 * Layers that are the identity at inference: Dropout and its variants, GaussianNoise. No node is written; the
 * input value stands for the output (an L2-normalised input stays normalised).
 */
import { singleInput, type LayerConverter } from './types.js';

export const convertIdentity: LayerConverter = (ctx) => singleInput(ctx);
