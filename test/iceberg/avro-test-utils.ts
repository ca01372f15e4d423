/**
 * A naive snappy compressor for tests: greedy longest match over a small window, emitting
 * literals and 2-byte-offset copies (google/snappy format_description.txt). Slow and simple;
 * it only has to produce valid blocks with overlapping copies for the reader under test.
 */
export function snappyCompress(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let n = src.length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      out.push(n);
      break;
    }
    out.push((n % 128) | 0x80);
  }
  let lit: number[] = [];
  const flushLiteral = () => {
    for (let i = 0; i < lit.length; i += 60) {
      const chunk = lit.slice(i, i + 60);
      out.push((chunk.length - 1) << 2, ...chunk);
    }
    lit = [];
  };
  let pos = 0;
  while (pos < src.length) {
    let bestLen = 0;
    let bestOff = 0;
    for (let cand = Math.max(0, pos - 65535); cand < pos; cand++) {
      let len = 0;
      while (len < 64 && pos + len < src.length && src[cand + len] === src[pos + len]) len++;
      if (len > bestLen) {
        bestLen = len;
        bestOff = pos - cand;
      }
    }
    if (bestLen >= 4) {
      flushLiteral();
      out.push(((bestLen - 1) << 2) | 2, bestOff & 0xff, bestOff >> 8);
      pos += bestLen;
    } else lit.push(src[pos++]!);
  }
  flushLiteral();
  return Uint8Array.from(out);
}
