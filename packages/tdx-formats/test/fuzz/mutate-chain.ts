/**
 * Structure-aware mutations of a PCK chain: inside a certificate's DER (tags,
 * lengths, truncation, deleted/duplicated/emptied nodes, names, validity
 * times, the ECDSA signature), at the certificate list (count, order, foreign
 * certificates) and in the PEM framing (BEGIN/END lines, line width, line
 * ends, base64 junk and padding bits, NULs, text between blocks).
 */
import { readDer } from '../../src/der-read.js';
import { integer, sequence, tlv } from '../../src/der.js';
import { derToPem } from '../../src/pem.js';
import { flipBit, type Rng } from './rng.js';

/** A DER value as a tree; encoding it recomputes every length. */
export interface DerTree {
  tag: number;
  content: Uint8Array;
  children?: DerTree[];
}

export function toTree(der: Uint8Array): DerTree {
  const walk = (n: ReturnType<typeof readDer>): DerTree => ({
    tag: n.tag,
    content: der.subarray(n.contentStart, n.end),
    ...(n.children ? { children: n.children.map(walk) } : {}),
  });
  return walk(readDer(der, 'fuzz'));
}

export function encodeTree(t: DerTree): Uint8Array {
  return t.children ? tlv(t.tag, ...t.children.map(encodeTree)) : tlv(t.tag, t.content);
}

function allNodes(t: DerTree, out: { node: DerTree; parent: DerTree | undefined; index: number }[] = [], parent?: DerTree, index = 0) {
  out.push({ node: t, parent, index });
  for (const [i, c] of (t.children ?? []).entries()) allNodes(c, out, t, i);
  return out;
}

/** P-256 group order (FIPS 186-4 D.1.2.3). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);

/** (r, s) → (r, n − s): the other valid ECDSA signature of the same message. */
export function negateS(rs: Uint8Array): Uint8Array {
  const s = toBig(rs.subarray(32, 64));
  const out = rs.slice();
  out.set(Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex'), 32);
  return out;
}

const TIMES = ['491231235959Z', '500101000000Z', '000101000000Z', '991231235959Z', '20991231235959Z', '99999999999999Z', 'Z', '', '2401010000Z', '240101000000+0100'];

/** One tree-consistent mutation of certificate DER; returns its name. */
function mutateTree(rng: Rng, cert: DerTree): string {
  const nodes = allNodes(cert);
  const tbs = cert.children?.[0];
  const tbsFields = tbs?.children ?? [];
  const at = rng.pick(nodes);
  switch (rng.int(11)) {
    case 0:
      at.node.tag = rng.pick([rng.int(256), at.node.tag ^ 0x20, at.node.tag === 0x17 ? 0x18 : 0x17, at.node.tag === 0x30 ? 0x31 : 0x30, 0x05, 0x1f]);
      return 'der-tag';
    case 1:
      if (at.node.children) at.node.children = at.node.children.slice(0, rng.int(at.node.children.length));
      else at.node.content = at.node.content.subarray(0, rng.int(at.node.content.length));
      return 'der-truncate-value';
    case 2:
      if (!at.parent?.children) return 'der-noop';
      at.parent.children.splice(at.index, 1);
      return 'der-delete-node';
    case 3:
      if (!at.parent?.children) return 'der-noop';
      at.parent.children.splice(at.index, 0, structuredClone(at.node));
      return 'der-duplicate-node';
    case 4: {
      // issuer is field 3 and subject field 5 of a v3 tbsCertificate
      const name = tbsFields[rng.pick([3, 5])];
      if (name) name.children = [];
      return 'der-empty-name';
    }
    case 5: {
      const [issuer, subject] = [tbsFields[3], tbsFields[5]];
      if (issuer && subject) [tbsFields[3], tbsFields[5]] = [subject, issuer];
      return 'der-swap-names';
    }
    case 6: {
      const validity = tbsFields[4]?.children;
      const t = validity?.[rng.int(2)];
      if (t) {
        const text = rng.pick(TIMES);
        t.tag = text.length === 15 ? 0x18 : rng.chance(0.8) ? 0x17 : 0x18;
        t.content = new Uint8Array(Buffer.from(text, 'latin1'));
      }
      return 'der-validity-time';
    }
    case 7: {
      const sig = cert.children?.[2];
      if (!sig) return 'der-noop';
      try {
        const seq = toTree(sig.content.subarray(1));
        const [r, s] = (seq.children ?? []).map((c) => c.content);
        if (!r || !s) return 'der-noop';
        const rs = new Uint8Array(64);
        rs.set(r.subarray(-32), 32 - Math.min(32, r.length));
        rs.set(s.subarray(-32), 64 - Math.min(32, s.length));
        const neg = negateS(rs);
        sig.content = Uint8Array.of(0, ...sequence(integer(neg.subarray(0, 32)), integer(neg.subarray(32))));
        return 'der-signature-negate-s';
      } catch {
        return 'der-noop';
      }
    }
    case 8:
      at.node.content = rng.bytes(rng.int(at.node.content.length + 4));
      delete at.node.children;
      return 'der-random-value';
    case 9: {
      const i = rng.int(tbsFields.length);
      const j = rng.int(tbsFields.length);
      [tbsFields[i], tbsFields[j]] = [tbsFields[j]!, tbsFields[i]!];
      return 'der-swap-tbs-fields';
    }
    default:
      if (at.node.content.length > 0 && !at.node.children) {
        const c = at.node.content.slice();
        flipBit(c, rng.int(c.length), 1 << rng.int(8));
        at.node.content = c;
      }
      return 'der-flip-bit';
  }
}

/** One raw (length-inconsistent) mutation of DER bytes; returns the new bytes and its name. */
function mutateRawDer(rng: Rng, der: Uint8Array): [Uint8Array, string] {
  let nodes: ReturnType<typeof allNodes> | undefined;
  try {
    nodes = allNodes(toTree(der));
  } catch {
    nodes = undefined;
  }
  const op = rng.int(5);
  if (op === 0 || !nodes) return [der.subarray(0, rng.int(der.length)), 'der-raw-truncate'];
  if (op === 1) return [Uint8Array.of(...der, ...rng.bytes(1 + rng.int(3))), 'der-raw-append'];
  // find a header position: walk readDer again for offsets
  const positions: { start: number; lenAt: number; len: number }[] = [];
  const walk = (n: ReturnType<typeof readDer>) => {
    positions.push({ start: n.start, lenAt: n.start + 1, len: n.end - n.contentStart });
    n.children?.forEach(walk);
  };
  walk(readDer(der, 'fuzz'));
  const p = rng.pick(positions);
  const headerLen = der[p.lenAt]! < 0x80 ? 1 : 1 + (der[p.lenAt]! & 0x7f);
  const before = der.subarray(0, p.lenAt);
  const after = der.subarray(p.lenAt + headerLen);
  const encodings: [number[], string][] = [
    [[0x80], 'der-raw-indefinite-length'],
    [[0x84, 0, 0, (p.len >> 8) & 0xff, p.len & 0xff], 'der-raw-non-minimal-length'],
    [[0x84, 0xff, 0xff, 0xff, 0xff], 'der-raw-huge-length'],
    [p.len + 1 < 0x80 ? [p.len + 1] : [0x82, ((p.len + 1) >> 8) & 0xff, (p.len + 1) & 0xff], 'der-raw-length-plus-one'],
    [p.len - 1 >= 0 && p.len - 1 < 0x80 ? [Math.max(0, p.len - 1)] : [0x82, ((p.len - 1) >> 8) & 0xff, (p.len - 1) & 0xff], 'der-raw-length-minus-one'],
  ];
  const [len, name] = rng.pick(encodings);
  return [Uint8Array.of(...before, ...len, ...after), name];
}

/** Mutate one certificate's DER; tree mutations keep lengths consistent, raw ones do not. */
export function mutateCertificate(rng: Rng, der: Uint8Array): [Uint8Array, string] {
  if (rng.chance(0.3)) return mutateRawDer(rng, der);
  let tree: DerTree;
  try {
    tree = toTree(der);
  } catch {
    return mutateRawDer(rng, der);
  }
  const name = mutateTree(rng, tree);
  return [encodeTree(tree), name];
}

/** Mutate the certificate list: count, order, foreign certificates from `others`. */
export function mutateCertificateList(rng: Rng, certs: Uint8Array[], others: readonly Uint8Array[]): string {
  if (certs.length === 0) {
    certs.push(rng.pick(others));
    return 'list-foreign-certificate';
  }
  switch (rng.int(5)) {
    case 0:
      certs.splice(rng.int(certs.length), 1);
      return 'list-drop';
    case 1:
      certs.splice(rng.int(certs.length + 1), 0, rng.pick(certs));
      return 'list-duplicate';
    case 2: {
      const i = rng.int(certs.length);
      const j = rng.int(certs.length);
      [certs[i], certs[j]] = [certs[j]!, certs[i]!];
      return 'list-swap';
    }
    case 3:
      certs[rng.int(certs.length)] = rng.pick(others);
      return 'list-foreign-certificate';
    default:
      certs.reverse();
      return 'list-reverse';
  }
}

const JUNK = ['junk\n', '\n', ' ', '\r\n', '\0', 'subject=/CN=Intel SGX Root CA\n', '-----BEGIN CERTIFICATE-----\n', '-----END CERTIFICATE-----\n', 'MIIB\n', '=', '\t'];

/** Mutate PEM text; returns the new text and the mutation's name. */
export function mutatePem(rng: Rng, text: string): [string, string] {
  const at = rng.int(text.length + 1);
  const lineStarts = [...text.matchAll(/\n/g)].map((m) => m.index + 1);
  const line = rng.pick([0, ...lineStarts]);
  switch (rng.int(12)) {
    case 0:
      return [text.slice(0, at) + rng.pick(JUNK) + text.slice(at), 'pem-insert-junk'];
    case 1: {
      const ends = [...text.matchAll(/-----END CERTIFICATE-----\n/g)].map((m) => m.index + m[0].length);
      const e = ends.length ? rng.pick(ends) : at;
      return [text.slice(0, e) + rng.pick(JUNK) + text.slice(e), 'pem-junk-between-blocks'];
    }
    case 2:
      return [text.replace(/\n/g, '\r\n'), 'pem-crlf'];
    case 3: {
      const width = rng.pick([63, 65, 76, 16, 1000]);
      return [
        text.replace(
          /(-----BEGIN CERTIFICATE-----\n)([A-Za-z0-9+/=\n]+)(-----END)/g,
          (_, b, body: string, e) =>
            `${b}${body
              .replace(/\n/g, '')
              .replace(new RegExp(`(.{${width}})`, 'g'), '$1\n')
              .replace(/\n?$/, '\n')}${e}`,
        ),
        'pem-rewrap',
      ];
    }
    case 4:
      return [text.replace(rng.pick([/CERTIFICATE/, /BEGIN/, /END/, /-----/]), rng.pick(['X509 CRL', 'PRIVATE KEY', 'BEGIN', '----', 'certificate'])), 'pem-label'];
    case 5: {
      const next = text.indexOf('\n', line);
      return [text.slice(0, line) + text.slice(next < 0 ? text.length : next + 1), 'pem-delete-line'];
    }
    case 6:
      return [`${text.slice(0, at)}\0${text.slice(at)}`, 'pem-insert-nul'];
    case 7:
      return [text.endsWith('\0') ? text.slice(0, -1) : `${text}\0`, 'pem-toggle-final-nul'];
    case 8: {
      // a base64 character replaced by another base64 character (unused padding bits included)
      const i = text.lastIndexOf('=', at) > 0 ? text.lastIndexOf('=', at) - 1 : at;
      const c = text[i] ?? '';
      if (!/[A-Za-z0-9+/]/.test(c)) return [text, 'pem-noop'];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      return [text.slice(0, i) + alphabet[alphabet.indexOf(c) ^ (1 << rng.int(6))] + text.slice(i + 1), 'pem-base64-char'];
    }
    case 9:
      return [text.replace(/=+\n-----END/, '\n-----END'), 'pem-drop-padding'];
    case 10:
      return [text.slice(0, at), 'pem-truncate'];
    default:
      return [text.slice(0, line) + rng.pick(['*', '!', '-', '.', 'é']) + text.slice(line), 'pem-base64-junk-char'];
  }
}

/** Render certificates as chain text (strict PEM, optionally the counted NUL). */
export function chainText(certs: readonly Uint8Array[], nul: boolean): string {
  return certs.map(derToPem).join('') + (nul ? '\0' : '');
}
