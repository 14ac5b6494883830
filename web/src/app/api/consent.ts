import { useQuery } from '@tanstack/react-query';
import type { components, paths } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * Consent: purposes the admins define (a stable key, a name, the version of the text shown),
 * and each person's answers, appended to an immutable history. People answer for themselves
 * (`/v1/me/consents`); admins see the current state per person and purpose and export the
 * history. A grant names the purpose's current text version (409 `stale_text_version` else).
 */
export type CreatePurpose = components['schemas']['CreateConsentPurpose'];
export type UpdatePurpose = components['schemas']['UpdateConsentPurpose'];
export type Decision = components['schemas']['RecordConsent']['decision'];

export type Purpose = components['schemas']['ConsentPurpose'];
export type ConsentEvent = components['schemas']['ConsentEvent'];
export type ConsentState = paths['/v1/consent/state']['get']['responses'][200]['content']['application/json'];

const keys = {
  purposes: ['consent', 'purposes'] as const,
  state: ['consent', 'state'] as const,
  mine: ['consent', 'mine'] as const,
};

export function usePurposes() {
  return useQuery({
    queryKey: keys.purposes,
    queryFn: async () => unwrap(await api.GET('/v1/consent/purposes')).items,
  });
}

/** Admins: the current answer of every person to every purpose, with the grants per purpose. */
export function useConsentState(enabled = true) {
  return useQuery({
    queryKey: keys.state,
    enabled,
    queryFn: async () => unwrap(await api.GET('/v1/consent/state')),
  });
}

export function useMyConsents() {
  return useQuery({
    queryKey: keys.mine,
    queryFn: async () => unwrap(await api.GET('/v1/me/consents')),
  });
}

const changed = () => queryClient.invalidateQueries({ queryKey: ['consent'] });

export async function createPurpose(input: CreatePurpose): Promise<Purpose> {
  const p = unwrap(await api.POST('/v1/consent/purposes', { body: input }));
  await changed();
  return p;
}

/** Renames a purpose or publishes a new text version (earlier grants then name an older one). */
export async function updatePurpose(id: string, patch: UpdatePurpose): Promise<Purpose> {
  const p = unwrap(await api.PATCH('/v1/consent/purposes/{id}', { params: { path: { id } }, body: patch }));
  await changed();
  return p;
}

export async function recordConsent(purpose: Purpose, decision: Decision): Promise<void> {
  unwrap(
    await api.POST('/v1/me/consents', {
      body: { purposeId: purpose.id, decision, textVersion: purpose.textVersion },
    }),
  );
  await changed();
}

/** The whole history as JSON (purposes and every event), handed over as a file; audited by the cell. */
export async function exportConsents(): Promise<void> {
  const data = unwrap(await api.GET('/v1/consent/export'));
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = `consent-${new Date().toISOString().slice(0, 10)}.json`;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
