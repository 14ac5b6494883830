import type { components } from './cell-api';

/**
 * Shapes the cell's OpenAPI document leaves free-form, written out as the cell's presenters
 * build them: Grant (`record<string, unknown>`:
 * sharing/verbs/grants.ts), a version's `extraction`, the document detail's `currentVersion` and
 * `abilities` (GET /v1/documents/{id} declares the bare Document), and the audit entry.
 * Everything else comes from the generated document (share links, shared views, access
 * requests, bulk jobs, alerts, notifications, users and grants are typed there now). When the cell describes
 * these, they become `components['schemas'][…]` here and this file shrinks.
 */
export type Abilities = components['schemas']['Abilities'];
export type Folder = components['schemas']['Folder'];
export type FolderDetail = components['schemas']['FolderDetail'];
export type SearchResult = components['schemas']['SearchResult'];
export type SearchHit = SearchResult['items'][number];
export type TenantRole = 'viewer' | 'editor' | 'admin';
export type GrantRole = 'viewer' | 'editor' | 'owner';

export type DocumentSummary = components['schemas']['Document'];

export interface Extraction {
  status: 'pending' | 'done' | 'failed' | 'unsupported';
  errorCode: string | null;
  errorMessage: string | null;
  language: string | null;
  truncated: boolean;
  preview: boolean;
}

export type Version = Omit<components['schemas']['Version'], 'extraction'> & { extraction: Extraction };

export type DocumentDetail = DocumentSummary & {
  currentVersion: Version;
  abilities: Abilities;
};

export type Child = ({ kind: 'folder' } & Folder) | ({ kind: 'document' } & DocumentSummary);

export type User = components['schemas']['User'];

export interface Group {
  id: string;
  name: string;
  createdAt: string;
}

export type Grant = components['schemas']['Grant'];

export interface AuditEntry {
  id: number;
  seq: number | null;
  occurredAt: string;
  actor: { type: string; id: string | null };
  action: string;
  resource: { type: string | null; id: string | null };
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}
