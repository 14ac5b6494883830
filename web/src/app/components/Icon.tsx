/** Two small inline icons (no icon font, no emoji font needed), hidden from assistive technology. */
export function Icon({ kind }: { kind: 'folder' | 'document' }) {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      {kind === 'folder' ? (
        <path d="M1.5 3.5h5l1.5 1.5h6.5v8h-13z" fill="#e8b84a" stroke="#a87b12" strokeWidth="1" />
      ) : (
        <path d="M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3" fill="#f4f6fa" stroke="#5b6472" strokeWidth="1" />
      )}
    </svg>
  );
}
