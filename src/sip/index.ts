/** The public surface of `src/sip/`: other modules import from here, never from its files. */
export { sipAuthSchema } from './auth/config.js';
export { inviteAuthenticator } from './auth/index.js';
export { InviteClientSession } from './invite-client.js';
export { InviteServerSession } from './invite-session.js';
export type { EndReason } from './invite-session.js';
export type { SipRequest } from './message.js';
export { OverloadGuard } from './overload.js';
export { parseNameAddr } from './parse/name-addr.js';
export { refer } from './refer.js';
export type { ReferOutcome } from './refer.js';
export { SipStack } from './stack.js';
export { listenTcp } from './transport/tcp.js';
export { listenTls, tlsConfigSchema, TlsTransport } from './transport/tls.js';
export type { TlsReloadResult, TlsTransportOptions } from './transport/tls.js';
export type { Transport } from './transport/types.js';
export { UdpTransport } from './transport/udp.js';
export { UserAgent } from './user-agent.js';
export { AuthThrottle } from './auth/throttle.js';
