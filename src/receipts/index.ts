/** Privacy receipts: signed, hash-chained per region; the ledger that writes them; offline verification (docs/privacy.md#privacy-receipts). */
export { GENESIS_HASH, UNSIGNED, canonicalJson, receiptHash, signHash, signatureValid, type CallReceiptBody, type ErasureReceiptBody, type ReceiptBody, type StoredReceipt, type DestinationCounts } from './receipt.js';
export { ReceiptStore, RECEIPTS_NAMESPACE, receiptMigrations } from './receipt-store.js';
export { regionSigningKey, regionPublicKey, keyIdOf, receiptKeyDir, type RegionSigningKey } from './signing-keys.js';
export { verifyChain, type ChainVerdict, type ChainProblem } from './verify.js';
export { ReceiptLedger, type ReceiptApp, type ReceiptLedgerOptions } from './ledger.js';
