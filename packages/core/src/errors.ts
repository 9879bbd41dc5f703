/**
 * Typed errors shared by every siamese-sdk package.
 *
 * One class, `SiameseError`, with a machine-readable `code`; callers branch on `err.code`
 * (or `instanceof SiameseError`) and show `err.message` to people. `details` carries the
 * offending input's identity (index in a batch, label, path, url ...) so that one bad item in a
 * batch is reported precisely while the rest of the caller's data is untouched.
 */
export type SiameseErrorCode =
  /** An argument has the wrong type or value (e.g. a non-positive margin, k < 1). */
  | 'INVALID_ARGUMENT'
  /** The image bytes could not be decoded (corrupt, truncated). */
  | 'IMAGE_DECODE'
  /** The bytes are not an image format we decode. */
  | 'IMAGE_UNSUPPORTED_FORMAT'
  /** The image has zero width or height, or no data. */
  | 'IMAGE_EMPTY'
  /** The image header claims more pixels than the configured limit (checked before decoding). */
  | 'IMAGE_TOO_LARGE'
  /** A file or directory given as input does not exist or cannot be read, or a URL answered HTTP 404. */
  | 'NOT_FOUND'
  /** Fetching a URL failed (an HTTP status other than 404, network, redirect limit, protocol). */
  | 'FETCH_FAILED'
  /** Fetching a URL took longer than the time limit. */
  | 'FETCH_TIMEOUT'
  /** A fetched body was larger than the size limit. */
  | 'FETCH_TOO_LARGE'
  /** The model file is not a readable ONNX model. */
  | 'MODEL_INVALID'
  /** The model lacks siamese-sdk metadata, or the metadata is invalid. */
  | 'MODEL_METADATA'
  /** Input or output shapes disagree with the model or its metadata. */
  | 'MODEL_SHAPE'
  /** The model's bytes do not match the expected sha256. */
  | 'MODEL_INTEGRITY'
  /** The model was disposed and cannot be used any more. */
  | 'MODEL_DISPOSED'
  /** The inference backend failed or is not available. */
  | 'BACKEND'
  /** A support set has no labels. */
  | 'SUPPORT_SET_EMPTY'
  /** A label in a support set has no images. */
  | 'SUPPORT_LABEL_EMPTY'
  /** A stored support set (JSON) is malformed or does not fit the model. */
  | 'SUPPORT_SET_INVALID'
  /** A dataset is missing, empty or has an unusable layout. */
  | 'DATASET_INVALID'
  /** A training checkpoint is missing, corrupt or incompatible. */
  | 'CHECKPOINT_INVALID';

export interface SiameseErrorDetails {
  /** Index of the offending item in a batch the caller passed. */
  index?: number;
  /** Label of the offending support-set entry. */
  label?: string;
  /** File path of the offending input. */
  path?: string;
  /** URL of the offending input. */
  url?: string;
  /** Anything else worth reporting (limits, sizes, names). */
  [key: string]: unknown;
}

export class SiameseError extends Error {
  readonly code: SiameseErrorCode;
  readonly details: SiameseErrorDetails;

  constructor(code: SiameseErrorCode, message: string, details: SiameseErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SiameseError';
    this.code = code;
    this.details = details;
  }

  /** A copy of this error that also names where it happened (e.g. the batch index), keeping code and cause. */
  withDetails(extra: SiameseErrorDetails, prefix?: string): SiameseError {
    const message = prefix ? `${prefix}: ${this.message}` : this.message;
    return new SiameseError(this.code, message, { ...this.details, ...extra }, { cause: this.cause ?? this });
  }
}

export function isSiameseError(value: unknown, code?: SiameseErrorCode): value is SiameseError {
  return value instanceof SiameseError && (code === undefined || value.code === code);
}
