// The CPU-bound per-item function of the workers benchmarks: sha256 of a 4 KiB buffer, then of the 32-byte digest 99 more times; the last digest in hex.
import { createHash } from 'node:crypto';

export default function sha256x100(buf) {
  let digest = createHash('sha256').update(buf).digest();
  for (let k = 1; k < 100; k++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}
