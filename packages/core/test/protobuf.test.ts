import { describe, expect, it } from 'vitest';
import { ProtoReader, ProtoWriter, WireType } from '../src/protobuf.js';
import { isSiameseError } from '../src/errors.js';

/** Reads every field of a message into [field, wireType, value] with the accessor that matches its wire type. */
function dump(bytes: Uint8Array): [number, number, unknown][] {
  const r = new ProtoReader(bytes);
  const out: [number, number, unknown][] = [];
  while (r.next()) {
    const { field, wireType } = r;
    if (wireType === WireType.VARINT) out.push([field, wireType, r.int64()]);
    else if (wireType === WireType.FIXED32) out.push([field, wireType, r.fixed32()]);
    else if (wireType === WireType.FIXED64) out.push([field, wireType, r.fixed64()]);
    else out.push([field, wireType, Array.from(r.bytesView())]);
  }
  return out;
}

function expectMalformed(bytes: Uint8Array): void {
  let error: unknown;
  try {
    dump(bytes);
  } catch (e) {
    error = e;
  }
  expect(isSiameseError(error, 'MODEL_INVALID'), String(error)).toBe(true);
}

describe('ProtoWriter', () => {
  it('encodes varints exactly as the protobuf spec examples', () => {
    // https://protobuf.dev/programming-guides/encoding/: field 1 = 150 → 08 96 01
    expect(Array.from(new ProtoWriter().varint(1, 150).finish())).toEqual([0x08, 0x96, 0x01]);
    // field 2 = "testing" → 12 07 74 65 73 74 69 6e 67
    expect(Array.from(new ProtoWriter().string(2, 'testing').finish())).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    // int64 -1 is ten bytes of two's complement
    expect(Array.from(new ProtoWriter().varint(1, -1).finish())).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    // packed repeated int32 field 4 = [3, 270, 86942] → 22 06 03 8E 02 9E A7 05
    expect(Array.from(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish())).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
  });

  it('round-trips every wire type, nested messages and packed fields through the reader', () => {
    const bytes = new ProtoWriter(16)
      .varint(1, 0)
      .varint(2, Number.MAX_SAFE_INTEGER)
      .varint(3, -123456789012)
      .float(4, 1.5)
      .double(5, -2.25)
      .fixed64(6, 0xfedcba9876543210n)
      .string(7, 'ünïcødé ✓')
      .message(8, (w) => w.varint(1, 7).string(2, 'inner'))
      .packedFloats(9, [0.5, -1, 3.25])
      .packedVarints(10, [1, -2, 300])
      .varint(536870911, 1)
      .finish();
    const r = new ProtoReader(bytes);
    const seen: Record<number, unknown> = {};
    while (r.next()) {
      switch (r.field) {
        case 1: case 2: case 3: seen[r.field] = r.int64(); break;
        case 4: seen[4] = r.float(); break;
        case 5: seen[5] = r.double(); break;
        case 6: seen[6] = r.fixed64(); break;
        case 7: seen[7] = r.string(); break;
        case 8: {
          const inner = r.message();
          const got: unknown[] = [];
          while (inner.next()) got.push(inner.field === 1 ? inner.uint() : inner.string());
          seen[8] = got;
          break;
        }
        case 9: { const f: number[] = []; r.repeatedFloat(f); seen[9] = f; break; }
        case 10: { const v: number[] = []; r.repeatedInt64(v); seen[10] = v; break; }
        default: seen[r.field] = r.uint();
      }
    }
    expect(seen).toEqual({
      1: 0, 2: Number.MAX_SAFE_INTEGER, 3: -123456789012, 4: 1.5, 5: -2.25, 6: 0xfedcba9876543210n, 7: 'ünïcødé ✓',
      8: [7, 'inner'], 9: [0.5, -1, 3.25], 10: [1, -2, 300], 536870911: 1,
    });
  });

  it('accepts unpacked encodings of repeated scalars', () => {
    const bytes = new ProtoWriter().varint(1, 5).varint(1, -6).float(2, 0.25).float(2, 4).finish();
    const r = new ProtoReader(bytes);
    const ints: number[] = [];
    const floats: number[] = [];
    while (r.next()) {
      if (r.field === 1) r.repeatedInt64(ints);
      else r.repeatedFloat(floats);
    }
    expect(ints).toEqual([5, -6]);
    expect(floats).toEqual([0.25, 4]);
  });

  it('refuses field numbers and integers it cannot encode', () => {
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(/field number/);
    expect(() => new ProtoWriter().varint(1, 2 ** 60)).toThrow(/safe integer/);
  });
});

describe('ProtoReader on hostile input', () => {
  it('skips unknown fields of every wire type', () => {
    const bytes = new ProtoWriter().fixed32(9, 1).fixed64(10, 2n).bytes(11, new Uint8Array(3)).varint(12, 999).string(1, 'kept').finish();
    const r = new ProtoReader(bytes);
    let kept = '';
    while (r.next()) {
      if (r.field === 1) kept = r.string();
    }
    expect(kept).toBe('kept');
  });

  it('reports truncation, overlong varints, bad lengths, groups, field 0 and bad UTF-8 as MODEL_INVALID', () => {
    expectMalformed(Uint8Array.of(0x08)); // key without value
    expectMalformed(Uint8Array.of(0x08, 0x96)); // truncated varint
    expectMalformed(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)); // 11-byte varint
    expectMalformed(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)); // > 64 bits
    expectMalformed(Uint8Array.of(0x12, 0x05, 0x61)); // length past the end
    expectMalformed(Uint8Array.of(0x12, 0xff, 0xff, 0xff, 0xff, 0x7f)); // huge length
    expectMalformed(Uint8Array.of(0x0b)); // start group
    expectMalformed(Uint8Array.of(0x0e)); // wire type 6
    expectMalformed(Uint8Array.of(0x00, 0x00)); // field 0
    expectMalformed(Uint8Array.of(0x0d, 0x00, 0x00)); // truncated fixed32
    expectMalformed(Uint8Array.of(0x09, 0x00, 0x00, 0x00)); // truncated fixed64
    const badUtf8 = new ProtoWriter().bytes(1, Uint8Array.of(0xc3, 0x28)).finish();
    const r = new ProtoReader(badUtf8);
    r.next();
    expect(() => r.string()).toThrow(/UTF-8/);
  });

  it('checks wire types against the accessor and sub-message bounds against the parent', () => {
    const r = new ProtoReader(new ProtoWriter().varint(1, 5).finish());
    r.next();
    expect(() => r.string()).toThrow(/wire type/);
    // A nested message whose inner length claims more than the outer length holds.
    const nested = Uint8Array.of(0x0a, 0x02, 0x12, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65);
    const outer = new ProtoReader(nested);
    outer.next();
    const inner = outer.message();
    expect(() => { while (inner.next()) inner.skip(); }).toThrow(/past the end/);
  });

  it('never throws anything but MODEL_INVALID on random bytes, and always terminates', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 8;
    };
    for (let trial = 0; trial < 2000; trial++) {
      const bytes = new Uint8Array(1 + (rand() % 64)).map(() => rand() & 0xff);
      try {
        dump(bytes);
      } catch (e) {
        expect(isSiameseError(e, 'MODEL_INVALID'), String(e)).toBe(true);
      }
    }
  });
});
