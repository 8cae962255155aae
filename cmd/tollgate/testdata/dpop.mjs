// A DPoP client written with the jose package, as a Node.js client would
// be (TestDPoPNodeJose). Reads {"tokenURL", "clientId", "clientSecret",
// "resourceURL"} on stdin; for each algorithm it makes a key pair, gets a
// token with a proof, and calls the resource with the token and a proof
// bound to it. Prints, per algorithm, the token type, the thumbprint it
// expects in cnf.jkt and the resource's status.
import { SignJWT, generateKeyPair, exportJWK, calculateJwkThumbprint } from 'jose';
import { createHash, randomUUID } from 'node:crypto';

let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const input = JSON.parse(raw);

async function proof(alg, privateKey, jwk, htm, htu, extra = {}) {
  return new SignJWT({ htm, htu, ...extra })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk })
    .setJti(randomUUID())
    .setIssuedAt()
    .sign(privateKey);
}

const out = {};
for (const alg of ['ES256', 'EdDSA', 'RS256']) {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const basic = Buffer.from(`${encodeURIComponent(input.clientId)}:${encodeURIComponent(input.clientSecret)}`).toString('base64');
  const tokenRes = await fetch(input.tokenURL, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${basic}`,
      DPoP: await proof(alg, privateKey, jwk, 'POST', input.tokenURL),
    },
    body: 'grant_type=client_credentials&scope=orders%3Aread',
  });
  const tok = await tokenRes.json();
  const ath = createHash('sha256').update(tok.access_token ?? '').digest('base64url');
  const apiRes = await fetch(input.resourceURL, {
    headers: {
      Authorization: `DPoP ${tok.access_token}`,
      DPoP: await proof(alg, privateKey, jwk, 'GET', input.resourceURL, { ath }),
    },
  });
  out[alg] = { tokenType: tok.token_type, jkt: await calculateJwkThumbprint(jwk), accessToken: tok.access_token, resource: apiRes.status };
}
process.stdout.write(JSON.stringify(out));
