import { z } from 'zod';

/**
 * The live channel's messages (JSON text frames).
 *
 * Client → server: `join` / `leave` a document's presence, `ping` (the heartbeat: at least one
 * message every PRESENCE_TTL_SECONDS keeps the connection), `auth` (a fresh access token before
 * the one the socket was opened with expires).
 *
 * Server → client: `ready` (once, with the connection id), `presence` (a document's viewers,
 * with a version: ignore a smaller one than the last seen), `joined`, `left`, `pong`,
 * `notification`, `comment.created`, `comment.updated`, `error` (`code` as in the HTTP API).
 */
const documentId = z.string().regex(/^doc_[0-9a-z]{25}$/);

export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), documentId }).strict(),
  z.object({ type: z.literal('leave'), documentId }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
  z.object({ type: z.literal('auth'), token: z.string().min(20).max(4096) }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

/** The subprotocol a browser offers, beside `quire.bearer.<access token>`, and the server selects. */
export const LIVE_PROTOCOL = 'quire.v1';
/** Close codes (4000-4999 are the application's). */
export const CLOSE = {
  idle: 4000,
  unauthenticated: 4001,
  policy: 1008,
  goingAway: 1001,
} as const;
/** Documents one connection may watch at once. */
export const MAX_DOCUMENTS_PER_CONNECTION = 20;
/** Messages one connection may send per 10 seconds. */
export const MAX_MESSAGES_PER_10S = 100;
