import { type InputHTMLAttributes, useEffect, useRef } from 'react';

/** An input focused when it appears (a field the user just asked for), without the autofocus attribute. */
export function FocusedInput(props: InputHTMLAttributes<HTMLInputElement>) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return <input ref={ref} {...props} />;
}
