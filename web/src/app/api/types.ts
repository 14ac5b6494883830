import type { components } from './cell-api';

/**
 * Shapes the cell's OpenAPI document describes as free-form objects (its Document, User and
 * Grant schemas are `record<string, unknown>`), written out as the cell's presenters build them
 * (cell/src/modules/documents/presenter.ts, identity/verbs/directory.ts, sharing/verbs/grants.ts).
 * Everything else comes from the generated document. When the cell describes these schemas,
 * they become `components['schemas'][…]` here and this file shrinks.
 */
export type Abilities = components['schemas']['Abilities'];
export type Folder = components['schemas']['Folder'];
export type FolderDetail = components['schemas']['FolderDetail'];
export type SearchResult = components['schemas']['SearchResult'];
export type SearchHit = SearchResult['items'][number];
export type TenantRole = 'viewer' | 'editor' | 'admin';
export type GrantRole = 'viewer' | 'editor' | 'owner';

export interface DocumentSummary {
  id: string;
  folderId: string | null;
  title: string;
  tags: string[];
  customFields: Record<string, string | number | boolean>;
  currentVersionId: string;
  versionCount: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  trashedAt: string | null;
}

export interface Extraction {
  status: 'pending' | 'done' | 'failed' | 'unsupported';
  errorCode: string | null;
  errorMessage: string | null;
  language: string | null;
  truncated: boolean;
  preview: boolean;
}

export interface Version {
  id: string;
  number: number;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  restoredFrom: string | null;
  createdBy: string;
  createdAt: string;
  extraction: Extraction;
}

export interface DocumentDetail extends DocumentSummary {
  currentVersion: Version;
  abilities: Abilities;
}

export type Child = ({ kind: 'folder' } & Folder) | ({ kind: 'document' } & DocumentSummary);

export interface User {
  id: string;
  email: string;
  name: string;
  role: TenantRole;
  status: 'active' | 'invited' | 'disabled';
  createdAt: string;
}

export interface Group {
  id: string;
  name: string;
  createdAt: string;
}

export interface Grant {
  id: string;
  resourceType: 'folder' | 'document';
  resourceId: string;
  principalType: 'user' | 'group';
  principalId: string;
  role: GrantRole;
  createdBy: string;
  createdAt: string;
}

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
