/**
 * Core leaves the approximate index to each SDK, so the web bundle can load it lazily (see core's
 * approximate-index-provider.ts). Node has no download to save: the index is provided at import, and an
 * approximate support set searches approximately from its first call, sync or async.
 */
import { ApproximateIndex, provideApproximateIndex } from '@siamese-sdk/core';

provideApproximateIndex({ build: ApproximateIndex.build });
