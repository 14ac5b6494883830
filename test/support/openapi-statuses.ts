/**
 * Reads an OpenAPI document for what it fails to declare: the statuses each operation can be
 * answered with by the middleware in front of it (its security, validation, the body limit,
 * the media type gate) and by the routing (an id in the path that names nothing), each in the
 * one error envelope. Returns one line per gap, so a test can assert there are none.
 */
interface Operation {
  parameters?: { in: string }[];
  requestBody?: { content?: Record<string, unknown> };
  security?: Record<string, unknown>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

export interface Document {
  paths: Record<string, Record<string, Operation>>;
}

export interface StatusRules {
  /** Statuses every operation secured by the scheme must declare. */
  bySecurityScheme: Record<string, number[]>;
  /** Statuses every operation must declare. */
  always?: number[];
}

export function undeclaredStatuses(doc: Document, rules: StatusRules): string[] {
  const gaps: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const label = `${method.toUpperCase()} ${path}`;
      const declared = new Set(Object.keys(op.responses).map(Number));
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const must = new Set<number>(rules.always ?? []);
      for (const scheme of schemes) for (const s of rules.bySecurityScheme[scheme] ?? []) must.add(s);
      if ((op.parameters ?? []).length > 0 || op.requestBody) must.add(400);
      if (path.includes('{')) must.add(404);
      if (op.requestBody) must.add(413);
      if (op.requestBody?.content?.['application/json']) must.add(415);
      for (const status of must) if (!declared.has(status)) gaps.push(`${label}: ${status} not declared`);
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (ref !== '#/components/schemas/Error') gaps.push(`${label}: ${status} is not the error envelope`);
      }
    }
  }
  return gaps;
}
