import type { PckChainRole } from './pck-chain.js';

/** What the chain says about one certificate (empty strings when unreadable). */
export interface CertificateInfo {
  role: PckChainRole;
  /** One line, `C=…, O=…, CN=…`; '' when the name is empty. */
  subject: string;
  issuer: string;
  /** ISO 8601, or null when unreadable. */
  notBefore: string | null;
  notAfter: string | null;
  /** Lower-case hex SHA-256 of the DER. */
  sha256: string;
}
