// FLOPs per image counted from an ONNX file's graph — the model users actually run — rather than from the training
// code's layer shapes: nodes, attributes and initializer shapes are read with core's protobuf reader, shapes are
// propagated from the graph input (batch 1) through the nodes, and every Conv, Gemm and MatMul contributes
// 2 × its multiply–adds (the usual FLOP convention; bias adds, activations, pooling and normalisation are not
// counted and are listed separately as "other" element operations). An op whose output shape this file cannot
// infer stops the count with an error naming it, rather than silently undercounting.
import { OnnxField as F, ProtoReader, readOnnxModelInfo } from '@siamese-sdk/core';

/** @returns {{ flops: number, byOp: Record<string, number>, nodes: { op: string, name: string, flops: number, output: number[] }[], otherElementOps: number, input: number[] }} */
export function countOnnxFlops(bytes) {
  const graph = readGraph(bytes);
  const shapes = new Map();
  for (const [name, dims] of graph.initializers) shapes.set(name, dims);
  // The real input (initializers listed as inputs left out) with its shape, as the SDKs read it.
  const input = readOnnxModelInfo(bytes).inputs[0];
  if (!input?.dims) throw new Error('the graph input has no shape');
  shapes.set(input.name, input.dims.map((d) => (typeof d === 'number' && d > 0 ? d : 1))); // symbolic batch → 1
  const byOp = {};
  const nodes = [];
  let flops = 0;
  let otherElementOps = 0;
  for (const node of graph.nodes) {
    const ins = node.inputs.map((n) => (n === '' ? undefined : shapes.get(n)));
    const need = (i) => {
      if (!ins[i]) throw new Error(`cannot count FLOPs: no shape for input ${i} ("${node.inputs[i]}") of ${node.op} node "${node.name}"`);
      return ins[i];
    };
    const { output, macs } = inferNode(node, need, graph.constants);
    const nodeFlops = 2 * macs;
    shapes.set(node.outputs[0], output);
    if (macs > 0) {
      flops += nodeFlops;
      byOp[node.op] = (byOp[node.op] ?? 0) + nodeFlops;
      nodes.push({ op: node.op, name: node.name || node.outputs[0], flops: nodeFlops, output });
    } else {
      otherElementOps += size(output);
    }
  }
  return { flops, byOp, nodes, otherElementOps, input: shapes.get(input.name) };
}

const size = (dims) => dims.reduce((a, b) => a * b, 1);
const ELEMENTWISE = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Clip', 'Identity', 'Dropout', 'BatchNormalization',
  'Sqrt', 'Reciprocal', 'Neg', 'Abs', 'Exp', 'Log', 'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow', 'Softmax', 'LpNormalization', 'Cast']);
/** Same shape as the first input (scale / zero-point inputs are per-tensor or per-axis, not broadcast). */
const SAME_SHAPE = new Set(['QuantizeLinear', 'DequantizeLinear']);

function inferNode(node, need, constants) {
  const { op, attrs } = node;
  if (op === 'Conv') {
    const x = need(0), w = need(1);
    const [n, , ...spatial] = x;
    const [cout, cinPerGroup, ...kernel] = w;
    const out = [n, cout, ...windowOutput(spatial, kernel, attrs, false)];
    return { output: out, macs: size(out) * cinPerGroup * size(kernel) };
  }
  if (op === 'MaxPool' || op === 'AveragePool') {
    const [n, c, ...spatial] = need(0);
    return { output: [n, c, ...windowOutput(spatial, attrs.kernel_shape, attrs, Boolean(attrs.ceil_mode))], macs: 0 };
  }
  if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
    const [n, c, ...spatial] = need(0);
    return { output: [n, c, ...spatial.map(() => 1)], macs: 0 };
  }
  if (op === 'Gemm') {
    const a = need(0), b = need(1);
    const [m, k] = attrs.transA ? [a[1], a[0]] : a;
    const nOut = attrs.transB ? b[0] : b[1];
    return { output: [m, nOut], macs: m * k * nOut };
  }
  if (op === 'MatMul') {
    const a = need(0), b = need(1);
    const m = a.at(-2) ?? 1, k = a.at(-1), nOut = b.at(-1);
    const batch = broadcast(a.slice(0, -2), b.length > 2 ? b.slice(0, -2) : []);
    return { output: [...batch, m, nOut], macs: size(batch) * m * k * nOut };
  }
  if (op === 'Flatten') {
    const x = need(0);
    const axis = attrs.axis ?? 1;
    return { output: [size(x.slice(0, axis)), size(x.slice(axis))], macs: 0 };
  }
  if (op === 'Reshape') {
    const x = need(0);
    const target = constants.get(node.inputs[1]);
    if (!target) throw new Error(`cannot count FLOPs: Reshape "${node.name}" has a computed shape`);
    const dims = target.map((d, i) => (d === 0 ? x[i] : d));
    const known = size(dims.filter((d) => d !== -1));
    return { output: dims.map((d) => (d === -1 ? size(x) / known : d)), macs: 0 };
  }
  // Test-time views (export --tta): Pad the input, Slice each view, Concat them into one batch.
  if (op === 'Pad') {
    const x = need(0);
    const pads = constants.get(node.inputs[1]);
    if (!pads) throw new Error(`cannot count FLOPs: Pad "${node.name}" has computed pads`);
    return { output: x.map((d, i) => d + pads[i] + pads[i + x.length]), macs: 0 };
  }
  if (op === 'Slice') {
    const x = need(0);
    const [starts, ends, axes] = [1, 2, 3].map((i) => constants.get(node.inputs[i]));
    if (!starts || !ends || node.inputs[4]) throw new Error(`cannot count FLOPs: Slice "${node.name}" has computed bounds or steps`);
    const out = [...x];
    (axes ?? starts.map((_, i) => i)).forEach((axis, i) => {
      const a = axis < 0 ? axis + x.length : axis;
      const clamp = (v) => Math.max(0, Math.min(x[a], v < 0 ? v + x[a] : v));
      out[a] = Math.max(0, clamp(ends[i]) - clamp(starts[i]));
    });
    return { output: out, macs: 0 };
  }
  if (op === 'Concat') {
    const parts = node.inputs.map((_, i) => need(i));
    const axis = (attrs.axis ?? 0) < 0 ? attrs.axis + parts[0].length : (attrs.axis ?? 0);
    return { output: parts[0].map((d, i) => (i === axis ? parts.reduce((sum, p) => sum + p[i], 0) : d)), macs: 0 };
  }
  if (op.startsWith('Reduce')) {
    const x = need(0);
    // Axes as an attribute (before opset 18) or as a constant input (since).
    const axes = (attrs.axes ?? (node.inputs[1] ? constants.get(node.inputs[1]) : undefined) ?? x.map((_, i) => i)).map((a) => (a < 0 ? a + x.length : a));
    const keep = attrs.keepdims ?? 1;
    return { output: keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i)), macs: 0 };
  }
  if (SAME_SHAPE.has(op)) return { output: need(0), macs: 0 };
  if (ELEMENTWISE.has(op)) {
    let out = need(0);
    for (let i = 1; i < node.inputs.length; i++) if (node.inputs[i]) out = broadcast(out, need(i));
    return { output: out, macs: 0 };
  }
  throw new Error(`cannot count FLOPs: no shape rule for ${op} node "${node.name}"`);
}

/** Output sizes of a sliding window (Conv, pooling) from pads / auto_pad, strides and dilations. */
function windowOutput(spatial, kernel, attrs, ceil) {
  const strides = attrs.strides ?? spatial.map(() => 1);
  const dilations = attrs.dilations ?? spatial.map(() => 1);
  const autoPad = attrs.auto_pad ?? 'NOTSET';
  return spatial.map((x, i) => {
    const extent = dilations[i] * (kernel[i] - 1) + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(x / strides[i]);
    const pads = autoPad === 'VALID' ? 0 : (attrs.pads?.[i] ?? 0) + (attrs.pads?.[i + spatial.length] ?? 0);
    const round = ceil ? Math.ceil : Math.floor;
    return round((x + pads - extent) / strides[i]) + 1;
  });
}

function broadcast(a, b) {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => Math.max(a[a.length - n + i] ?? 1, b[b.length - n + i] ?? 1));
}

/** Nodes (op, inputs, outputs, int/ints/string attributes), initializer shapes, small int64 constants. */
function readGraph(bytes) {
  const model = new ProtoReader(bytes);
  const graph = { nodes: [], initializers: new Map(), constants: new Map() };
  while (model.next()) {
    if (model.field !== F.Model.graph) {
      model.skip();
      continue;
    }
    const g = model.message();
    while (g.next()) {
      if (g.field === F.Graph.node) graph.nodes.push(readNode(g.message()));
      else if (g.field === F.Graph.initializer) {
        const t = readTensor(g.message());
        graph.initializers.set(t.name, t.dims);
        if (t.int64) graph.constants.set(t.name, t.int64);
      } else g.skip();
    }
  }
  return graph;
}

function readNode(r) {
  const node = { op: '', name: '', inputs: [], outputs: [], attrs: {} };
  while (r.next()) {
    if (r.field === F.Node.opType) node.op = r.string();
    else if (r.field === F.Node.name) node.name = r.string();
    else if (r.field === F.Node.input) node.inputs.push(r.string());
    else if (r.field === F.Node.output) node.outputs.push(r.string());
    else if (r.field === F.Node.attribute) {
      const a = r.message();
      let name = '';
      let value;
      const ints = [];
      while (a.next()) {
        if (a.field === F.Attribute.name) name = a.string();
        else if (a.field === F.Attribute.i) value = a.int64();
        else if (a.field === F.Attribute.s) value = new TextDecoder().decode(a.bytesView());
        else if (a.field === F.Attribute.ints) {
          if (a.wireType === 2) a.repeatedInt64(ints);
          else ints.push(a.int64());
          value = ints;
        } else a.skip();
      }
      node.attrs[name] = value;
    } else r.skip();
  }
  return node;
}

function readTensor(r) {
  const t = { name: '', dims: [], dataType: 0, int64: undefined };
  let raw;
  const int64Data = [];
  while (r.next()) {
    if (r.field === F.Tensor.name) t.name = r.string();
    else if (r.field === F.Tensor.dims) {
      if (r.wireType === 2) r.repeatedInt64(t.dims);
      else t.dims.push(r.int64());
    } else if (r.field === F.Tensor.dataType) t.dataType = r.uint();
    else if (r.field === F.Tensor.rawData) raw = r.bytesView();
    else if (r.field === F.Tensor.int64Data) {
      if (r.wireType === 2) r.repeatedInt64(int64Data);
      else int64Data.push(r.int64());
    } else r.skip();
  }
  if (t.dataType === 7 && size(t.dims) <= 16) {
    t.int64 = raw
      ? Array.from({ length: raw.length / 8 }, (_, i) => Number(new DataView(raw.buffer, raw.byteOffset + 8 * i, 8).getBigInt64(0, true)))
      : int64Data;
  }
  return t;
}

