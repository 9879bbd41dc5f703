/**
 * Walks a tfjs LayersModel (sequential or functional, nested models included) from its outputs back to its
 * inputs through the symbolic tensors, converting each layer call once, in dependency order, so nodes are
 * appended to the ONNX graph in a valid topological order.
 */
import { SiameseError } from '@siamese-sdk/core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { OnnxGraph } from './onnx-graph.js';
import type { ExportValue } from './export-value.js';
import { LAYER_CONVERTERS, SUPPORTED_LAYER_CLASSES } from './converters/registry.js';
import type { ConverterContext, LayerWeight } from './converters/types.js';

type Layer = SymbolicTensor['sourceLayer'];

/** A layer that is itself a model (a Sequential or functional model used as a layer). */
function asNestedModel(layer: Layer): LayersModel | undefined {
  const candidate = layer as unknown as Partial<LayersModel>;
  return Array.isArray(candidate.layers) && Array.isArray(candidate.outputs) && Array.isArray(candidate.inputs) ? (layer as unknown as LayersModel) : undefined;
}

function layerError(layerName: string, className: string, problem: string, howToProceed?: string): SiameseError {
  return new SiameseError(
    'INVALID_ARGUMENT',
    `cannot export layer "${layerName}" (${className}) to ONNX: ${problem}${howToProceed ? ` — ${howToProceed}` : ''}`,
    { layer: layerName, className },
  );
}

function staticShape(t: SymbolicTensor, layerName: string, className: string): number[] {
  const dims = t.shape.slice(1);
  if (dims.some((d) => d === null || d === undefined || !Number.isInteger(d) || d < 0)) {
    throw layerError(layerName, className, `output shape [${t.shape.map(String).join(', ')}] has unknown dimensions besides the batch`, 'build the model with a fixed input size');
  }
  return dims as number[];
}

function contextFor(graph: OnnxGraph, layer: Layer, layerName: string, inputs: ExportValue[], t: SymbolicTensor): ConverterContext {
  const className = layer.getClassName();
  const variables = new Map<string, (typeof layer.weights)[number]>();
  for (const w of layer.weights) variables.set(w.originalName.slice(w.originalName.lastIndexOf('/') + 1), w);
  const fail = (problem: string, howToProceed?: string): never => {
    throw layerError(layerName, className, problem, howToProceed);
  };
  return {
    graph,
    layerName,
    className,
    config: layer.getConfig(),
    inputs,
    outputShape: staticShape(t, layerName, className),
    hasWeight: (name) => variables.has(name),
    weight: (name): LayerWeight => {
      const v = variables.get(name);
      if (!v) return fail(`it has no weight "${name}" (weights: ${[...variables.keys()].join(', ') || 'none'})`);
      const tensor = v.read();
      if (tensor.dtype !== 'float32') return fail(`weight "${name}" is ${tensor.dtype}, expected float32`);
      // A copy: on the cpu backend dataSync() returns the variable's own buffer.
      return { shape: [...tensor.shape], values: new Float32Array(tensor.dataSync()) };
    },
    fail,
  };
}

/**
 * Converts `model` given ONNX values for its inputs; returns the values of its outputs. `prefix` names layers of
 * nested models ("outer/inner").
 */
export function convertModel(graph: OnnxGraph, model: LayersModel, inputs: ExportValue[], prefix = ''): ExportValue[] {
  if (inputs.length !== model.inputs.length) {
    throw new SiameseError('INVALID_ARGUMENT', `model "${model.name}" has ${model.inputs.length} inputs, ${inputs.length} given`);
  }
  const values = new Map<number, ExportValue>();
  model.inputs.forEach((t, i) => values.set(t.id, inputs[i]));
  const inProgress = new Set<number>();

  const visit = (t: SymbolicTensor): ExportValue => {
    const known = values.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const layerName = `${prefix}${layer.name}`;
    const className = layer.getClassName();
    if (inProgress.has(t.id)) throw layerError(layerName, className, 'the model graph has a cycle');
    if (className === 'InputLayer') throw layerError(layerName, className, 'this input is not one of the model\'s inputs');
    inProgress.add(t.id);
    const layerInputs = t.inputs.map(visit);
    let out: ExportValue;
    const nested = asNestedModel(layer);
    if (nested) {
      out = convertModel(graph, nested, layerInputs, `${layerName}/`)[t.tensorIndex];
    } else {
      const converter = LAYER_CONVERTERS[className];
      if (!converter) {
        throw layerError(
          layerName,
          className,
          'this layer type has no ONNX converter',
          `supported layers: ${SUPPORTED_LAYER_CLASSES.join(', ')}; replace it with supported layers, or add a converter in packages/train/src/export/converters/registry.ts`,
        );
      }
      if (t.tensorIndex !== 0) throw layerError(layerName, className, 'layers with several outputs are not supported');
      if (t.callArgs?.training === true) {
        throw layerError(layerName, className, 'it is called with training: true, so tfjs would not run it in inference mode', 'call it without a training flag');
      }
      out = converter(contextFor(graph, layer, layerName, layerInputs, t));
    }
    inProgress.delete(t.id);
    values.set(t.id, out);
    return out;
  };

  return model.outputs.map(visit);
}
