// Signs private_key_jwt client assertions with the jose package, as a
// Node.js client would (TestPrivateKeyJWTNodeJose). Reads
// {"clientId", "aud", "keys": [{"alg", "jwk"}]} on stdin, where each jwk
// is a private key, and prints a JSON array: one assertion per key.
import { SignJWT, importJWK } from 'jose';
import { randomUUID } from 'node:crypto';

let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const input = JSON.parse(raw);
const out = [];
for (const k of input.keys) {
  const key = await importJWK(k.jwk, k.alg);
  out.push(await new SignJWT({})
    .setProtectedHeader({ alg: k.alg, kid: k.jwk.kid, typ: 'JWT' })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.aud)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key));
}
process.stdout.write(JSON.stringify(out));
