/** The region's receipt verification key as the admin API and CLI find it (`<dataDir>/keys/receipts/<region>.pub`). */
export { regionPublicKey as regionPublicKeyOf } from './signing-keys.js';
