// For the project's MySQL-protocol test servers (mysql2 createServer): checks a client's
// mysql_native_password token: sha1(pw) XOR sha1(scramble + sha1(sha1(pw))).
import { createHash } from 'node:crypto';

const sha1 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

export function nativePasswordMatches(password: string, scramble: Buffer, token: Buffer): boolean {
  if (password === '') return token.length === 0;
  const stage1 = sha1(Buffer.from(password));
  const mask = sha1(scramble, sha1(stage1));
  const expected = Buffer.alloc(stage1.length);
  for (let i = 0; i < stage1.length; i++) expected[i] = stage1[i]! ^ mask[i]!;
  return token.length === expected.length && token.equals(expected);
}
