import { startInProcessGateway } from '/work/wt-console/test/helpers/in-process-gateway.ts';
const g = await startInProcessGateway({ accounts: [] });
const t = await (await fetch(`http://127.0.0.1:${g.gw.adminPort}/metrics`)).text();
console.log(t.split('\n').filter((l) => /^hushgate_(sip_messages|sip_malformed|event_loop|media_sched|calls_shed|sip_conn|redact)/.test(l)).join('\n'));
await g.stop();
