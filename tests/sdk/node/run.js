// Runs scenarios with @stigg/node-server-sdk, exactly as a customer's backend would use it.
// A scenario is the body of an async function of `stigg` (a client initialised for that scenario alone, closed after
// it) and `input` (JSON from the test); what it returns is its result. Errors are reported as {"error": {...}}.
//
// Serving (no arguments): one request per stdin line, {scenario, input, apiKey, baseUri, enableEdge}, one answer per
// request on a stdout line starting with ANSWER_MARK (the SDK's own output is other lines). Starting Node and loading
// the SDK costs about a second of CPU, so tests/sdk/runners.py keeps one process for many scenarios.
// One-shot, for a quick try by hand: `node run.js '<scenario>' '<input JSON>'` with STIGG_API_KEY, STIGG_BASE_URI and
// STIGG_ENABLE_EDGE ("1" points baseEdgeUri at the same server) in the environment.
const readline = require('readline');
const { Stigg } = require('@stigg/node-server-sdk');

const ANSWER_MARK = '@@sdk-answer@@ ';

// An unhandled rejection during a scenario would have ended a one-process-per-scenario run: it fails that scenario.
let unhandled = null;
process.on('unhandledRejection', (reason) => {
  unhandled = String((reason && reason.stack) || reason);
  process.stderr.write(`unhandled rejection: ${unhandled}\n`);
});

async function runScenario({ scenario: scenarioText, input, apiKey, baseUri, enableEdge }) {
  const stigg = Stigg.initialize({
    apiKey,
    baseUri,
    baseEdgeUri: baseUri,
    enableEdge,
    realtimeUpdatesEnabled: false,
    logConfiguration: { logLevel: 'error' },
  });
  const events = [];
  for (const name of ['apiKeyInvalid', 'networkRequestFailed']) {
    stigg.addListener(name, (payload) => events.push({ name, errorCode: payload && payload.errorCode }));
  }
  try {
    await stigg.waitForInitialization();
  } catch (error) {
    stigg.close();
    return { error: { message: error && error.message, code: null, initialisation: true, events } };
  }
  const scenario = new Function('stigg', 'input', 'events', `return (async () => { ${scenarioText} })();`);
  try {
    const result = await scenario(stigg, input, events);
    return { result: result === undefined ? null : result };
  } catch (error) {
    const graphQLErrors = (error && error.graphQLErrors) || [];
    return {
      error: {
        message: error && error.message,
        code: (error && error.errorCode) || (graphQLErrors[0] && graphQLErrors[0].extensions && graphQLErrors[0].extensions.code) || null,
      },
    };
  } finally {
    stigg.close();
  }
}

async function answer(requestText) {
  unhandled = null;
  let outcome;
  try {
    outcome = await runScenario(JSON.parse(requestText));
  } catch (error) {
    outcome = { fatal: String((error && error.stack) || error) };
  }
  if (unhandled !== null && !('fatal' in outcome)) {
    outcome = { fatal: `unhandled rejection: ${unhandled}` };
  }
  return outcome;
}

function serve() {
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    // one scenario at a time, in order: a scenario's unhandled rejection is its own
    queue = queue.then(async () => {
      const outcome = await answer(line);
      process.stdout.write(`\n${ANSWER_MARK}${JSON.stringify(outcome)}\n`);
    });
  });
  lines.on('close', () => queue.then(() => process.exit(0)));
}

async function runOnce() {
  const outcome = await answer(JSON.stringify({
    scenario: process.argv[2],
    input: JSON.parse(process.argv[3] || 'null'),
    apiKey: process.env.STIGG_API_KEY,
    baseUri: process.env.STIGG_BASE_URI,
    enableEdge: process.env.STIGG_ENABLE_EDGE === '1',
  }));
  process.stdout.write(`\n${JSON.stringify(outcome)}\n`);
  process.exit('fatal' in outcome ? 1 : 0);
}

if (process.argv.length > 2) {
  runOnce();
} else {
  serve();
}
