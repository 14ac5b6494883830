import type { Redis } from 'ioredis';

/**
 * The live channel's Redis pub/sub names and publishing. Everything pushed to browsers
 * (presence, new comments, notifications) goes through here, so every API process of the cell
 * delivers to the sockets it holds. Channels are named by the server from the tenant and an
 * opaque id; a socket only ever listens on channels of its own tenant that it was authorised for.
 */
export const LIVE_PREFIX = 'quire:live';

export const documentChannel = (tenantId: string, documentId: string) =>
  `${LIVE_PREFIX}:${tenantId}:doc:${documentId}`;
export const userChannel = (tenantId: string, userId: string) => `${LIVE_PREFIX}:${tenantId}:user:${userId}`;

/** A message for the sockets watching a document or belonging to a user. */
export interface LiveMessage {
  type: string;
  [key: string]: unknown;
}

/** After the commit: best effort (a lost push is caught by the next list or poll). */
export function publishLive(redis: Redis, channel: string, message: LiveMessage): void {
  redis.publish(channel, JSON.stringify(message)).catch(() => {});
}
