/**
 * The local identity providers for trying SSO by hand against `npm start`:
 *
 *   node infra/local/idp/server.ts [--oidc-port 8790] [--saml-port 8791]
 *
 * Prints the OIDC issuer (register a client: POST <issuer>/reg, see README) and the SAML IdP
 * metadata URL (paste its XML into POST /v1/sso/connections). Any email signs in: these stand
 * in for a customer's IdP on 127.0.0.1 and authenticate nobody for real. The test suite starts
 * its own on free ports (test/support/sso.ts).
 */
import { startOidcIdp } from './oidc.ts';
import { startSamlIdp } from './saml.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

const oidc = await startOidcIdp({ port: arg('oidc-port', 8790) });
const saml = await startSamlIdp({ port: arg('saml-port', 8791) });
console.log(`OIDC issuer:        ${oidc.issuer}   (dynamic client registration at ${oidc.issuer}/reg)`);
console.log(`SAML IdP metadata:  ${saml.entityId}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void Promise.all([oidc.close(), saml.close()]).then(() => process.exit(0)));
