/** The public surface of `src/softphone/`: other modules import from here, never from its files. */
export { PhoneCall, Softphone } from './softphone.js';
