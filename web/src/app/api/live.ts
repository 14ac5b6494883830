import { useEffect, useSyncExternalStore } from 'react';
import { queryClient } from './client.ts';
import { liveProtocols, liveToken } from './session.ts';

/**
 * The live channel (`GET /v1/live`, a WebSocket): presence on the documents this tab shows, and
 * pushed comments, notifications and bulk progress. One socket per tab, opened while signed in.
 * A bearer session's access token travels as the `quire.bearer.<token>` subprotocol (a browser
 * cannot set headers on a WebSocket), never in the URL; a fresh one is sent with `auth` before it
 * expires. A cookie session's socket carries the cookie (same origin) and, as the page cannot
 * read a fresh token, is closed by the cell when the access cookie expires and opened again.
 * Pushes only invalidate the queries they concern: what is shown is always read through the
 * API, which checks access again.
 */
export interface Viewer {
  userId: string;
  name: string;
}

type Presence = { version: number; viewers: Viewer[] };

let socket: WebSocket | null = null;
let wanted = false;
let retry = 0;
let heartbeat: ReturnType<typeof setInterval> | undefined;
let reconnect: ReturnType<typeof setTimeout> | undefined;
const watched = new Map<string, number>();
const presence = new Map<string, Presence>();
const listeners = new Set<() => void>();
let version = 0;
const bulkListeners = new Set<(job: unknown) => void>();

function emit() {
  version++;
  for (const l of listeners) l();
}

function send(message: Record<string, unknown>) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function onMessage(raw: string) {
  let m: { type?: string; [k: string]: unknown };
  try {
    m = JSON.parse(raw);
  } catch {
    return;
  }
  switch (m.type) {
    case 'ready': {
      retry = 0;
      const seconds = typeof m.heartbeatSeconds === 'number' ? m.heartbeatSeconds : 20;
      clearInterval(heartbeat);
      heartbeat = setInterval(() => void tick(), Math.max(5, seconds) * 1000);
      for (const id of watched.keys()) send({ type: 'join', documentId: id });
      break;
    }
    case 'presence': {
      const id = m.documentId as string;
      const v = m.version as number;
      const seen = presence.get(id);
      if (seen && seen.version > v) return;
      presence.set(id, { version: v, viewers: (m.viewers as Viewer[]) ?? [] });
      emit();
      break;
    }
    case 'left':
      presence.delete(m.documentId as string);
      emit();
      break;
    case 'comment.created':
    case 'comment.updated':
      void queryClient.invalidateQueries({ queryKey: ['comments', m.documentId] });
      void queryClient.invalidateQueries({ queryKey: ['activity', 'document', m.documentId] });
      break;
    case 'notification':
      void queryClient.invalidateQueries({ queryKey: ['notifications'] });
      break;
    case 'bulk.progress':
      for (const l of bulkListeners) l(m.job);
      break;
  }
}

let lastAuth = Date.now();
/** The heartbeat; every few minutes also a fresh access token for the open socket. */
async function tick() {
  if (Date.now() - lastAuth > 4 * 60_000) {
    const token = await liveToken();
    if (token) send({ type: 'auth', token });
    lastAuth = Date.now();
  }
  send({ type: 'ping' });
}

async function open() {
  clearTimeout(reconnect);
  if (!wanted || socket) return;
  const protocols = await liveProtocols();
  if (!protocols || !wanted || socket) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/live`;
  const ws = new WebSocket(url, protocols);
  lastAuth = Date.now();
  socket = ws;
  ws.onmessage = (e) => onMessage(String(e.data));
  ws.onclose = () => {
    if (socket === ws) socket = null;
    clearInterval(heartbeat);
    presence.clear();
    emit();
    if (wanted) reconnect = setTimeout(() => void open(), Math.min(30_000, 1000 * 2 ** retry++));
  };
}

/** Opens the tab's socket while signed in (the shell calls it). */
export function useLiveChannel(signedIn: boolean) {
  useEffect(() => {
    wanted = signedIn;
    if (signedIn) void open();
    else socket?.close();
    return () => {
      wanted = false;
      socket?.close();
    };
  }, [signedIn]);
}

/** Who is viewing a document now; this tab joins its presence while mounted. */
export function usePresence(documentId: string): Viewer[] {
  useEffect(() => {
    watched.set(documentId, (watched.get(documentId) ?? 0) + 1);
    send({ type: 'join', documentId });
    return () => {
      const n = (watched.get(documentId) ?? 1) - 1;
      if (n > 0) watched.set(documentId, n);
      else {
        watched.delete(documentId);
        presence.delete(documentId);
        send({ type: 'leave', documentId });
      }
    };
  }, [documentId]);
  useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
  return presence.get(documentId)?.viewers ?? [];
}

/** Bulk job progress pushed to its creator. */
export function onBulkProgress(listener: (job: unknown) => void): () => void {
  bulkListeners.add(listener);
  return () => bulkListeners.delete(listener);
}
