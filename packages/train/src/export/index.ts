export { exportToOnnx, exportModelToOnnx, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, DEFAULT_OPSET, SUPPORTED_OPSETS } from './export-model.js';
export type { ExportOptions, ExportMetadataInput, OnnxExport, OnnxExportStats } from './export-model.js';
export type { WeightDType } from './passes/weight-storage.js';
export { SUPPORTED_LAYER_CLASSES } from './converters/registry.js';
export { SUPPORTED_ACTIVATIONS } from './converters/activation.js';
export { calibrateDistances, fitPlatt, type Calibration, type PairDistances } from './calibrate.js';
export { exportRun, resolveRunArgument, type ExportRunOptions, type ExportRunResult, type DtypeCheck } from './export-run.js';
