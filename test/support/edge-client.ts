import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';
import type { World } from './topology.ts';

/**
 * A tenant's API through a world's edge, for a test's setup: JSON in and out (a Uint8Array body
 * goes as is), the bearer token when given. `call` answers the Response; `api` its JSON and
 * throws on anything but 2xx; `upload` stores a text file (name in Upload-Metadata, never the
 * URL) and answers the document's id.
 */
export type EdgeClient = ReturnType<typeof edgeClient>;

export function edgeClient(world: World, host: string) {
  const call = (method: string, path: string, token: string | null, body?: unknown, headers = {}) =>
    world.edge.fetch(`http://${host}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined && !(body instanceof Uint8Array)
          ? { 'content-type': 'application/json' }
          : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: body instanceof Uint8Array ? body : JSON.stringify(body) } : {}),
    });
  const api = async (method: string, path: string, token: string | null, body?: unknown, headers = {}) => {
    const res = await call(method, path, token, body, headers);
    const json = (await res.json().catch(() => ({}))) as Record<string, any>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const upload = async (
    token: string,
    filename: string,
    text: string,
    folderId?: string,
  ): Promise<string> => {
    const path = folderId ? `/v1/documents?folderId=${folderId}` : '/v1/documents';
    const doc = await api('POST', path, token, new TextEncoder().encode(text), {
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename, title: filename }),
    });
    return (doc.document?.id ?? doc.id) as string;
  };
  return { call, api, upload };
}
