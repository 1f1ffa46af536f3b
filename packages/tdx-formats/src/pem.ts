/** PEM helpers for the PCK certificate chain (docs/model.md §7: PEM text, may end in a counted 0x00). */

const PEM_CERT = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g;

/** Every `BEGIN CERTIFICATE` block in the chain, in order (leaf first in a quote). */
export function splitPemChain(chain: Uint8Array | string): string[] {
  const text = typeof chain === 'string' ? chain : Buffer.from(chain).toString('latin1');
  return text.match(PEM_CERT) ?? [];
}

/** DER bytes of one PEM certificate. */
export function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** PEM text of DER certificate bytes in RFC 7468 §3 strict form (64-column base64, LF), the only form parsePckCertChain accepts. */
export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
