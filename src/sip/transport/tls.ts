/**
 * SIP over TLS (RFC 3261 §18, §26.2; RFC 5630 for `sips:`): a `StreamTransport` over `node:tls`.
 *
 * Owns: turning PEM files into TLS contexts (server side and, for connections we open, client
 * side), the TLS policy (TLS 1.2 or newer only, configurable cipher list, optional mutual TLS
 * against a CA list) and `reload()`, which re-reads the PEM files and swaps the server's secure
 * context: new handshakes get the new certificate, connections already open keep theirs, so no
 * call drops on a certificate rotation. The gateway calls `reload()` on SIGHUP.
 * Framing, connection reuse for responses and in-dialog requests, admission, caps and deadlines
 * (the TLS handshake's included): `stream.ts` and `limits.ts`. Cipher policy (forward secrecy
 * only, refused at start otherwise): `tls-ciphers.ts`.
 *
 * Failure policy: unreadable or mismatched files fail `listenTls` (start-up must fail loudly with
 * the path), but make `reload()` return an error and keep serving with the old material.
 * Error messages name file paths and OpenSSL reasons only, never key bytes.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { createServer, connect, createSecureContext, type SecureContext, type Server as TlsServer, type SecureVersion } from 'node:tls';
import { z } from 'zod';
import { StreamTransport } from './stream.js';
import type { Endpoint } from './types.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './limits.js';
import { DEFAULT_TLS_CIPHERS, cipherPolicyError, nonForwardSecretCiphers } from './tls-ciphers.js';

const port = z.number().int().min(0).max(65535);

/** The `sip.tls` configuration section. File paths are PEM. */
export const tlsConfigSchema = z
  .object({
    port: port.default(5061),
    /** Our certificate chain (leaf first). */
    cert: z.string().min(1),
    /** The certificate's private key (unencrypted PEM). */
    key: z.string().min(1),
    /** CA certificates trusted for client certificates (mutual TLS) and for peers we connect to. */
    ca: z.string().min(1).optional(),
    /** Mutual TLS: refuse clients without a certificate issued by `ca`. */
    requireClientCert: z.boolean().default(false),
    /**
     * Cipher suites by name, e.g. `ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256` (TLS 1.3
     * `TLS_*` names may be listed too). Forward-secret AEAD suites only; default `DEFAULT_TLS_CIPHERS`.
     */
    ciphers: z
      .string()
      .min(1)
      .optional()
      .superRefine((c, ctx) => {
        const bad = c === undefined ? [] : nonForwardSecretCiphers(c);
        if (bad.length) ctx.addIssue({ code: 'custom', message: cipherPolicyError(bad).replace(/^ciphers: /, '') });
      }),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    /** Verify the certificate of peers we connect to (against `ca`, or the system roots without it). */
    verifyServer: z.boolean().default(true),
    /** A connection whose TLS handshake has not finished this long after the TCP accept is closed. */
    handshakeTimeoutSec: z.number().min(0.1).max(120).default(10),
  })
  .refine((c) => !c.requireClientCert || c.ca !== undefined, { message: 'requireClientCert needs a ca file to check client certificates against', path: ['ca'] });

export type TlsConfig = z.infer<typeof tlsConfigSchema>;

export interface TlsTransportOptions {
  cert: string;
  key: string;
  ca?: string;
  requireClientCert?: boolean;
  ciphers?: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  verifyServer?: boolean;
  maxMessageBytes?: number;
  idleMs?: number;
  /** Seconds; overrides `limits.handshakeTimeoutMs`. */
  handshakeTimeoutSec?: number;
  /** Inbound connection limits (caps, deadlines); see `limits.ts`. */
  limits?: Partial<ConnectionLimits>;
}

export type TlsReloadResult = { ok: true } | { ok: false; error: string };

interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

function readMaterial(opts: TlsTransportOptions): TlsMaterial {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`TLS ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  };
  return { cert: read('cert', opts.cert), key: read('key', opts.key), ca: opts.ca ? read('ca', opts.ca) : undefined };
}

function handshakeMs(opts: TlsTransportOptions): number {
  return opts.handshakeTimeoutSec !== undefined ? opts.handshakeTimeoutSec * 1000 : (opts.limits?.handshakeTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.handshakeTimeoutMs);
}

/** The cipher string to use; refuses (throws, naming the field) suites without forward secrecy. */
function ciphersOf(opts: TlsTransportOptions): string {
  if (opts.ciphers === undefined) return DEFAULT_TLS_CIPHERS;
  const bad = nonForwardSecretCiphers(opts.ciphers);
  if (bad.length) throw new Error(`TLS ${cipherPolicyError(bad)}`);
  return opts.ciphers;
}

function secureContextOf(m: TlsMaterial, opts: TlsTransportOptions): SecureContext {
  try {
    return createSecureContext({
      cert: m.cert,
      key: m.key,
      ca: m.ca,
      minVersion: (opts.minVersion ?? 'TLSv1.2') as SecureVersion,
      ciphers: ciphersOf(opts),
    });
  } catch (e) {
    // OpenSSL's reason (e.g. "key values mismatch"), not the material.
    throw new Error(`TLS certificate/key (${opts.cert}, ${opts.key}): ${(e as Error).message}`);
  }
}

export class TlsTransport extends StreamTransport {
  private material: TlsMaterial;
  private context: SecureContext;

  private constructor(
    private readonly tlsServer: TlsServer,
    private readonly tlsOpts: TlsTransportOptions,
    material: TlsMaterial,
    context: SecureContext,
  ) {
    const limits = { ...tlsOpts.limits, handshakeTimeoutMs: handshakeMs(tlsOpts) };
    super('TLS', {
      maxMessageBytes: tlsOpts.maxMessageBytes ?? 65535,
      idleMs: tlsOpts.idleMs ?? 15 * 60_000,
      limits,
      connect: (dest) => this.connectOut(dest),
    });
    this.material = material;
    this.context = context;
    tlsServer.on('secureConnection', (s: Socket) => this.secured(s));
    // A failed or timed-out handshake: Node destroys the socket; nothing reached SIP.
    tlsServer.on('tlsClientError', () => {});
  }

  /** Admitted TCP sockets (allowlist and caps passed) start their handshake here. */
  protected override handOff(raw: Socket): void {
    this.tlsServer.emit('connection', raw);
  }

  /** Build (not yet listening). Throws with the file path when the PEM material is unusable. */
  static create(opts: TlsTransportOptions): TlsTransport {
    const ciphers = ciphersOf(opts);
    const material = readMaterial(opts);
    const context = secureContextOf(material, opts);
    const server = createServer({
      cert: material.cert,
      key: material.key,
      ca: material.ca,
      minVersion: (opts.minVersion ?? 'TLSv1.2') as SecureVersion,
      ciphers,
      // Node's own handshake timer as well as ours (the sweeper in stream.ts counts and closes first).
      handshakeTimeout: handshakeMs(opts) + 1000,
      requestCert: opts.requireClientCert ?? false,
      rejectUnauthorized: opts.requireClientCert ?? false,
      noDelay: true,
    });
    return new TlsTransport(server, opts, material, context);
  }

  /**
   * Re-read the PEM files and use them for every new handshake (inbound and outbound). Open
   * connections are untouched. On failure the previous material stays in use.
   */
  reload(): TlsReloadResult {
    try {
      const material = readMaterial(this.tlsOpts);
      const context = secureContextOf(material, this.tlsOpts);
      this.tlsServer.setSecureContext({
        cert: material.cert,
        key: material.key,
        ca: material.ca,
        minVersion: (this.tlsOpts.minVersion ?? 'TLSv1.2') as SecureVersion,
        ciphers: ciphersOf(this.tlsOpts),
      });
      this.material = material;
      this.context = context;
      return { ok: true };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  private connectOut(dest: Endpoint) {
    return connect({
      host: dest.address,
      port: dest.port,
      secureContext: this.context,
      minVersion: (this.tlsOpts.minVersion ?? 'TLSv1.2') as SecureVersion,
      ciphers: ciphersOf(this.tlsOpts),
      rejectUnauthorized: this.tlsOpts.verifyServer ?? true,
      // SNI only for names; for an IP the certificate's IP SAN is checked instead.
      servername: isIP(dest.address) ? undefined : dest.address,
    });
  }

  toJSON(): object {
    return { protocol: 'TLS', localPort: this.localPort, mutual: this.tlsOpts.requireClientCert ?? false, hasCa: this.material.ca !== undefined };
  }
}

/** Listen for SIP over TLS on host:port (5061 by convention). */
export async function listenTls(host: string, port: number, opts: TlsTransportOptions): Promise<TlsTransport> {
  const t = TlsTransport.create(opts);
  await t.listen(host, port);
  return t;
}
