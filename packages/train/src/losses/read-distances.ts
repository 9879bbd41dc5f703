/** Miners choose indices from the current distances; they read them once per step (N×N floats). */
import * as tf from '@tensorflow/tfjs-core';

export function readSquaredDistances(d2: tf.Tensor2D): Float32Array {
  return d2.dataSync() as Float32Array;
}
