/**
 * tfjs LayersModel → self-describing ONNX, written by our own exporter (no Python, no protobuf library).
 *
 *   model-walker.ts       walks the tfjs graph (sequential, functional, nested) in dependency order
 *   converters/           one file per layer family, registered by class name in converters/registry.ts
 *   export-value.ts       layout bookkeeping: rank-4 values live as NCHW in the graph, everything else as in tfjs
 *   passes/               batch-norm folding; fp16 / int8 weight storage; int8-qdq full quantisation
 *   onnx-embedder.ts      runs an exported file in onnxruntime-node (accuracy checks, activation ranges)
 *   onnx-graph.ts         the graph under construction; onnx-serialize.ts writes it with core's ProtoWriter
 *   export-model.ts       exportToOnnx / exportModelToOnnx: graph + metadata record (core's schema)
 *   calibrate.ts          threshold + Platt parameters from validation pair distances
 *   export-run.ts         a training run → an .onnx file (what `siamese-train export` runs)
 *
 * Adding a layer: write a LayerConverter (converters/types.ts) that reproduces tfjs exactly, register its class
 * name, and add cases to test/export/parity-cases.ts — the parity test checks it in onnxruntime-node and -web.
 */
export { exportToOnnx, exportModelToOnnx, exportActivationProbe, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, DEFAULT_OPSET, SUPPORTED_OPSETS } from './export-model.js';
export type { ActivationProbe, ExportOptions, ExportMetadataInput, OnnxExport, OnnxExportStats } from './export-model.js';
export type { WeightDType } from './passes/weight-storage.js';
export { uint8Params, type ActivationRange, type ActivationRanges } from './passes/quantize-qdq.js';
export { measureActivationRanges } from './onnx-embedder.js';
export { SUPPORTED_LAYER_CLASSES } from './converters/registry.js';
export { SUPPORTED_ACTIVATIONS } from './converters/activation.js';
export { calibrateDistances, fitPlatt, splitPairDistances, type Calibration, type PairDistances } from './calibrate.js';
export { exportRun, readTransferredCalibration, resolveRunArgument, type ExportRunOptions, type ExportRunResult, type DtypeCheck, type TransferredCalibration } from './export-run.js';
