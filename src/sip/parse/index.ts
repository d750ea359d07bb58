/** The SIP parser's public surface: one import for everything in `parse/`. */
export { parseMessage, DEFAULT_MAX_BYTES } from './message.js';
export type { ParseOptions } from './message.js';
export { parseUri, formatUri } from './uri.js';
export { parseNameAddr, formatNameAddr } from './name-addr.js';
export { parseVia, formatVia } from './via.js';
export { parseCSeq, formatCSeq } from './cseq.js';
export { parseHost, parseHostPort, parsePort } from './host.js';
export { paramText } from './params.js';
export { splitTopLevel } from './split.js';
export { checkRequest, checkResponse } from './check.js';
export type { RequestRejection, ResponseCheckOptions } from './check.js';
export { getTag, getNameAddr, topVia, getCSeq, contentLength, maxForwards } from './headers.js';
