import type { components } from './cell-api';

/**
 * The app's names for the generated types, and the shapes the cell's OpenAPI document still
 * leaves free-form, written out as the cell's presenters build them: a folder page's children
 * and the audit entry. Everything else is `components['schemas'][…]`; when the cell describes
 * these too, this file shrinks.
 */
export type Abilities = components['schemas']['Abilities'];
export type Folder = components['schemas']['Folder'];
export type FolderDetail = components['schemas']['FolderDetail'];
export type SearchResult = components['schemas']['SearchResult'];
export type SearchHit = SearchResult['items'][number];
export type TenantRole = 'viewer' | 'editor' | 'admin';
export type GrantRole = 'viewer' | 'editor' | 'owner';

export type DocumentSummary = components['schemas']['Document'];

export type Extraction = components['schemas']['Extraction'];
export type Version = components['schemas']['Version'];
export type DocumentDetail = components['schemas']['DocumentDetail'];

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
