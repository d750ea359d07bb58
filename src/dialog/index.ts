/**
 * Public surface of the dialog module: the `Dialog` seam, the action-command vocabulary, the
 * context-variable contract, provider config and the factory. Other modules import from here.
 */
export * from './types.js';
export * from './actions.js';
export * from './context-vars.js';
export * from './config.js';
export * from './signature.js';
export { createDialogFactory, DEFAULT_FLOW_URL, type DialogFactory, type DialogDeps, type FactoryResult } from './create.js';
export { responseFromOutput, placeText } from './response.js';
export { loadFlow, expectedPhrases, type Flow } from './local/flow.js';
export { LocalDialog } from './local/local-dialog.js';
