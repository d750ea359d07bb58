export * from './types.js';
export * from './parse.js';
export * from './negotiate.js';
export * from './offer.js';
export { createSdesNegotiator, createSdesOffer, SdesKeys } from './crypto.js';
