import type { TokenCredential } from '@azure/identity';
import { ContainerClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import type { StateBackend, StateLease, Version } from './store';

/** Azurite's documented development account (public, the same on every machine; not a secret). */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** State calls are small and the cycle must not hang on them: a few quick tries, then the store counts as unreachable. */
const PIPELINE: StoragePipelineOptions = {
  retryOptions: { maxTries: 3, tryTimeoutInMs: 10_000, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
  userAgentOptions: { userAgentPrefix: 'lakepulse' },
};

export type BlobContainerAuth =
  | { kind: 'token'; credential: TokenCredential }
  | { kind: 'azurite' }
  | { kind: 'connection-string'; connectionString: string; container: string };

/** A container client for a state container URL: Entra token, Azurite's development key, or a connection string. */
export function containerClient(url: string, auth: BlobContainerAuth): ContainerClient {
  switch (auth.kind) {
    case 'connection-string':
      return new ContainerClient(auth.connectionString, auth.container, PIPELINE);
    case 'azurite':
      return new ContainerClient(url, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_DEV_KEY), PIPELINE);
    case 'token':
      return new ContainerClient(url, auth.credential, PIPELINE);
  }
}

/** Azurite's path-style URL: a loopback host whose first path segment is the development account. */
export function isAzuriteUrl(url: URL): boolean {
  return url.pathname.split('/')[1] === AZURITE_ACCOUNT && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
}

/**
 * A blob container: one block blob per key (`<key>.json`), ETags for versions (`If-Match`, `If-None-Match: *`),
 * blob leases for exclusive runs. The container is created on the first write that finds it missing.
 */
export class BlobBackend implements StateBackend {
  private containerReady = false;

  constructor(
    private readonly container: ContainerClient,
    readonly description: string,
  ) {}

  private blob(key: string) {
    return this.container.getBlockBlobClient(`${key}.json`);
  }

  async read(key: string): Promise<{ text: string; version: Version } | undefined> {
    try {
      const response = await this.blob(key).download(0);
      const text = await streamText(response.readableStreamBody);
      return { text, version: response.etag ?? '' };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async write(key: string, text: string, expected: Version | null): Promise<Version | 'conflict'> {
    const conditions = expected === null ? { ifNoneMatch: '*' } : { ifMatch: expected };
    const upload = () =>
      this.blob(key).upload(text, Buffer.byteLength(text), { conditions, blobHTTPHeaders: { blobContentType: 'application/json' } });
    try {
      return (await this.withContainer(upload)).etag ?? '';
    } catch (err) {
      const status = statusOf(err);
      // 412: the ETag moved; 409: If-None-Match found a blob (or a lease holds it).
      if (status === 412 || status === 409) return 'conflict';
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.blob(key).deleteIfExists();
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 404) return;
      throw err;
    }
  }

  async keys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const item of this.container.listBlobsFlat({ prefix })) {
        if (item.name.endsWith('.json')) out.push(item.name.slice(0, -'.json'.length));
      }
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
    return out.sort();
  }

  async lease(key: string, ttlMs: number): Promise<StateLease | undefined> {
    const blob = this.container.getBlockBlobClient(`${key}.lease`);
    try {
      await this.withContainer(() => blob.upload('', 0, { conditions: { ifNoneMatch: '*' } }));
    } catch (err) {
      const status = statusOf(err);
      if (status !== 409 && status !== 412) throw err;
    }
    // Blob leases last 15-60 s; a live holder renews, a crashed one's lease lapses on its own.
    const seconds = Math.min(60, Math.max(15, Math.round(ttlMs / 1000)));
    const leaseClient = blob.getBlobLeaseClient();
    try {
      await leaseClient.acquireLease(seconds);
    } catch (err) {
      if (statusOf(err) === 409) return undefined;
      throw err;
    }
    const renew = setInterval(() => void leaseClient.renewLease().catch(() => {}), (seconds * 1000) / 3);
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await leaseClient.releaseLease().catch(() => {});
      },
    };
  }

  private async withContainer<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (this.containerReady || statusOf(err) !== 404) throw err;
      await this.container.createIfNotExists();
      this.containerReady = true;
      return op();
    }
  }
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
