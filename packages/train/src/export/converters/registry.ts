/**
 * Layer class name → converter. One file per layer family; adding a layer means adding an entry here. Anything
 * not listed is refused by the walker with an error naming the layer, never approximated.
 */
import { convertActivation, convertELU, convertLeakyReLU, convertReLU, convertSoftmax } from './activation.js';
import { convertBatchNormalization } from './batch-norm.js';
import { convertConv2D, convertDepthwiseConv2D, convertSeparableConv2D } from './conv.js';
import { convertDense } from './dense.js';
import { convertIdentity } from './identity.js';
import { convertL2Normalize } from './l2-normalize.js';
import { convertAdd, convertAverage, convertConcatenate, convertMaximum, convertMinimum, convertMultiply } from './merge.js';
import { convertAveragePooling2D, convertGlobalAveragePooling2D, convertGlobalMaxPooling2D, convertMaxPooling2D } from './pooling.js';
import { convertFlatten, convertReshape } from './reshape.js';
import type { LayerConverter } from './types.js';
import { convertZeroPadding2D } from './zero-padding.js';

export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: convertConv2D,
  DepthwiseConv2D: convertDepthwiseConv2D,
  SeparableConv2D: convertSeparableConv2D,
  BatchNormalization: convertBatchNormalization,
  Activation: convertActivation,
  ReLU: convertReLU,
  LeakyReLU: convertLeakyReLU,
  ELU: convertELU,
  Softmax: convertSoftmax,
  MaxPooling2D: convertMaxPooling2D,
  AveragePooling2D: convertAveragePooling2D,
  GlobalAveragePooling2D: convertGlobalAveragePooling2D,
  GlobalMaxPooling2D: convertGlobalMaxPooling2D,
  Flatten: convertFlatten,
  Reshape: convertReshape,
  Dense: convertDense,
  Dropout: convertIdentity,
  SpatialDropout1D: convertIdentity,
  AlphaDropout: convertIdentity,
  GaussianDropout: convertIdentity,
  GaussianNoise: convertIdentity,
  Add: convertAdd,
  Multiply: convertMultiply,
  Average: convertAverage,
  Maximum: convertMaximum,
  Minimum: convertMinimum,
  Concatenate: convertConcatenate,
  ZeroPadding2D: convertZeroPadding2D,
  L2Normalize: convertL2Normalize,
};

export const SUPPORTED_LAYER_CLASSES: readonly string[] = Object.keys(LAYER_CONVERTERS);
