/**
 * A minimal protobuf wire-format reader and writer: no schema compiler, no runtime, no dependencies.
 *
 * Used to read ONNX files in the SDKs (./onnx-model-info.ts) and to write them in the exporter
 * (packages/train/src/export), so there is exactly one implementation of the wire format.
 *
 * The reader treats its input as hostile: every length and varint is bounds-checked, unknown fields are skipped,
 * deprecated group wire types are refused, and every failure is a {@link SiameseError} (by default `MODEL_INVALID`),
 * never a RangeError, an out-of-bounds read or a hang (each step consumes at least one byte).
 */
import { SiameseError, type SiameseErrorCode } from './errors.js';

/** Wire types of the protobuf encoding. */
export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LENGTH_DELIMITED: 2,
  FIXED32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const TWO_32 = 4294967296;
const MAX_FIELD_NUMBER = 536870911; // 2^29 - 1
// Pure: a reader-only bundle (the web SDK reads ONNX, never writes it) drops the writer and this encoder with it.
const utf8Encoder = /* @__PURE__ */ new TextEncoder();

/**
 * Builds one protobuf message. Nested messages are written with {@link ProtoWriter.message}, which encodes the child
 * into its own writer and copies it in behind its length, so callers never compute lengths.
 */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Unsigned varint of a non-negative safe integer, or of any 64-bit value given as a bigint (two's complement). */
  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new SiameseError('INVALID_ARGUMENT', `protobuf varint needs a safe integer, got ${value}`);
      if (value < 0) return this.rawVarint(BigInt(value));
      this.ensure(10);
      let v = value;
      while (v >= 0x80) {
        this.buf[this.pos++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buf[this.pos++] = v;
      return;
    }
    let v = BigInt.asUintN(64, value);
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  private tag(field: number, wireType: WireType): void {
    if (!Number.isInteger(field) || field < 1 || field > MAX_FIELD_NUMBER) {
      throw new SiameseError('INVALID_ARGUMENT', `protobuf field number must be 1..${MAX_FIELD_NUMBER}, got ${field}`);
    }
    this.rawVarint(field * 8 + wireType);
  }

  /** uint32 / uint64 / enum / non-negative int32 / int64 (negative values are written as 10-byte two's complement). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WireType.VARINT);
    this.rawVarint(value);
    return this;
  }

  bool(field: number, value: boolean): this {
    return this.varint(field, value ? 1 : 0);
  }

  /** A 32-bit IEEE float (protobuf `float`). */
  float(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    this.ensure(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
    return this;
  }

  /** A 64-bit IEEE float (protobuf `double`). */
  double(field: number, value: number): this {
    this.tag(field, WireType.FIXED64);
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
    return this;
  }

  fixed32(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
    return this;
  }

  fixed64(field: number, value: bigint): this {
    this.tag(field, WireType.FIXED64);
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, value), true);
    this.pos += 8;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.rawVarint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8Encoder.encode(value));
  }

  /** A nested message, built by `build` on a fresh writer. */
  message(field: number, build: (writer: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    return this.bytes(field, child.finish());
  }

  /** A packed repeated varint field (int32/int64/uint/enum). */
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    const child = new ProtoWriter(values.length * 2 + 8);
    for (let i = 0; i < values.length; i++) child.rawVarint(values[i]);
    return this.bytes(field, child.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, data);
  }

  /** The encoded message (a copy, trimmed to its length). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export interface ProtoReaderOptions {
  /** Error code thrown on malformed input (default MODEL_INVALID). */
  errorCode?: SiameseErrorCode;
  /** Names the message in error messages, e.g. "ModelProto.graph". */
  context?: string;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one message, field by field:
 *
 * ```ts
 * const r = new ProtoReader(bytes);
 * while (r.next()) {
 *   if (r.field === 1) version = r.int64();
 *   else if (r.field === 7) graph = readGraph(r.message('graph'));
 *   else r.skip();
 * }
 * ```
 *
 * Accessors check the wire type against what the schema expects; repeated scalar accessors accept both packed and
 * unpacked encodings, as protobuf parsers must.
 */
export class ProtoReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;
  private readonly errorCode: SiameseErrorCode;
  private readonly context: string;
  /** Field number of the current field (valid after {@link next} returned true). */
  field = 0;
  /** Wire type of the current field. */
  wireType: number = WireType.VARINT;
  private consumed = true;

  constructor(bytes: Uint8Array, options: ProtoReaderOptions = {}, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
    this.errorCode = options.errorCode ?? 'MODEL_INVALID';
    this.context = options.context ?? 'message';
  }

  /** Throws this reader's error: the one way malformed input is reported. */
  fail(message: string): never {
    throw new SiameseError(this.errorCode, `malformed protobuf in ${this.context}: ${message}`, { offset: this.pos });
  }

  /** Advances to the next field; false at the end of the message. Skips the previous field if it was not read. */
  next(): boolean {
    if (!this.consumed) this.skip();
    if (this.pos >= this.end) return false;
    const key = this.readVarint64();
    if (key.hi !== 0 || key.lo > MAX_FIELD_NUMBER * 8 + 7) this.fail('field key out of range');
    const field = Math.floor(key.lo / 8);
    const wireType = key.lo & 7;
    if (field === 0) this.fail('field number 0');
    if (wireType === 3 || wireType === 4) this.fail(`group wire type (field ${field}) is not supported`);
    if (wireType === 6 || wireType === 7) this.fail(`invalid wire type ${wireType} (field ${field})`);
    this.field = field;
    this.wireType = wireType;
    this.consumed = false;
    return true;
  }

  /** Skips the current field's value. */
  skip(): void {
    this.consumed = true;
    switch (this.wireType) {
      case WireType.VARINT:
        this.readVarint64();
        return;
      case WireType.FIXED64:
        this.advance(8);
        return;
      case WireType.FIXED32:
        this.advance(4);
        return;
      case WireType.LENGTH_DELIMITED:
        this.advance(this.readLength());
        return;
      default:
        this.fail(`invalid wire type ${this.wireType}`);
    }
  }

  private expect(wireType: WireType, what: string): void {
    if (this.wireType !== wireType) this.fail(`field ${this.field} (${what}) has wire type ${this.wireType}, expected ${wireType}`);
    this.consumed = true;
  }

  private advance(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) this.fail(`value of ${n} bytes runs past the end`);
    this.pos = at + n;
    return at;
  }

  /** Reads a raw varint as two 32-bit halves; at most 10 bytes, the 10th ≤ 1. */
  private readVarint64(): { lo: number; hi: number } {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.bytes[this.pos++];
      if (i < 4) lo += (b & 0x7f) * 2 ** (7 * i);
      else if (i === 4) {
        lo += (b & 0x0f) * 2 ** 28;
        hi += (b & 0x7f) >> 4;
      } else {
        if (i === 9 && b > 1) this.fail('varint longer than 64 bits');
        hi += (b & 0x7f) * 2 ** (7 * (i - 5) + 3);
      }
      if (b < 0x80) return { lo, hi };
    }
    return this.fail('varint longer than 10 bytes');
  }

  private readLength(): number {
    const { lo, hi } = this.readVarint64();
    if (hi !== 0) this.fail('length larger than 4 GiB');
    if (this.pos + lo > this.end) this.fail(`length ${lo} runs past the end`);
    return lo;
  }

  /** A uint32/uint64/enum/bool value as a number; throws when it does not fit a safe integer. */
  uint(): number {
    this.expect(WireType.VARINT, 'varint');
    return this.toUnsigned(this.readVarint64());
  }

  /** An int32/int64 value (two's complement) as a number; throws outside the safe-integer range. */
  int64(): number {
    this.expect(WireType.VARINT, 'varint');
    return this.toSigned(this.readVarint64());
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  private toUnsigned({ lo, hi }: { lo: number; hi: number }): number {
    const v = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(v)) this.fail('integer larger than 2^53');
    return v;
  }

  private toSigned({ lo, hi }: { lo: number; hi: number }): number {
    if (hi < 0x80000000) return this.toUnsigned({ lo, hi });
    const v = Number(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)));
    if (!Number.isSafeInteger(v)) this.fail('integer smaller than -2^53');
    return v;
  }

  float(): number {
    this.expect(WireType.FIXED32, 'float');
    return this.view.getFloat32(this.advance(4), true);
  }

  double(): number {
    this.expect(WireType.FIXED64, 'double');
    return this.view.getFloat64(this.advance(8), true);
  }

  fixed32(): number {
    this.expect(WireType.FIXED32, 'fixed32');
    return this.view.getUint32(this.advance(4), true);
  }

  fixed64(): bigint {
    this.expect(WireType.FIXED64, 'fixed64');
    return this.view.getBigUint64(this.advance(8), true);
  }

  /** A length-delimited value as a view into the input (not a copy). */
  bytesView(): Uint8Array {
    this.expect(WireType.LENGTH_DELIMITED, 'bytes');
    const n = this.readLength();
    const at = this.advance(n);
    return this.bytes.subarray(at, at + n);
  }

  /** A UTF-8 string; invalid UTF-8 is malformed input. */
  string(): string {
    const raw = this.bytesView();
    try {
      return utf8Decoder.decode(raw);
    } catch {
      return this.fail(`field ${this.field} is not valid UTF-8`);
    }
  }

  /** A reader over the current field's nested message. */
  message(context?: string): ProtoReader {
    this.expect(WireType.LENGTH_DELIMITED, 'message');
    const n = this.readLength();
    const at = this.advance(n);
    return new ProtoReader(this.bytes, { errorCode: this.errorCode, context: context ?? `${this.context}.${this.field}` }, at, at + n);
  }

  /** Appends the current field's values (packed or a single unpacked value) of a repeated int64/int32 field. */
  repeatedInt64(into: number[]): void {
    if (this.wireType === WireType.LENGTH_DELIMITED) {
      const sub = this.message();
      while (sub.pos < sub.end) into.push(sub.toSigned(sub.readVarint64()));
    } else {
      into.push(this.int64());
    }
  }

  /** Appends the current field's values (packed or a single unpacked value) of a repeated float field. */
  repeatedFloat(into: number[]): void {
    if (this.wireType === WireType.LENGTH_DELIMITED) {
      const raw = this.bytesView();
      if (raw.length % 4 !== 0) this.fail(`packed float field ${this.field} has ${raw.length} bytes, not a multiple of 4`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < raw.length; i += 4) into.push(view.getFloat32(i, true));
    } else {
      into.push(this.float());
    }
  }
}
