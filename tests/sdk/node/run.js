// Runs one scenario with @stigg/node-server-sdk, exactly as a customer's backend would use it.
// The scenario is the body of an async function of `stigg` (an initialised client) and `input` (JSON from the test);
// what it returns is printed as JSON on the last line of stdout. Errors are printed as {"error": {...}}.
// Environment: STIGG_API_KEY, STIGG_BASE_URI, STIGG_ENABLE_EDGE ("1" points baseEdgeUri at the same server).
const { Stigg } = require('@stigg/node-server-sdk');

async function main() {
  const [scenarioText, inputText] = [process.argv[2], process.argv[3] || 'null'];
  const enableEdge = process.env.STIGG_ENABLE_EDGE === '1';
  const stigg = Stigg.initialize({
    apiKey: process.env.STIGG_API_KEY,
    baseUri: process.env.STIGG_BASE_URI,
    baseEdgeUri: process.env.STIGG_BASE_URI,
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
    process.stdout.write('\n' + JSON.stringify({ error: { message: error && error.message, code: null, initialisation: true, events } }) + '\n');
    stigg.close();
    return;
  }
  const scenario = new Function('stigg', 'input', 'events', `return (async () => { ${scenarioText} })();`);
  try {
    const result = await scenario(stigg, JSON.parse(inputText), events);
    process.stdout.write('\n' + JSON.stringify({ result: result === undefined ? null : result }) + '\n');
  } catch (error) {
    const graphQLErrors = (error && error.graphQLErrors) || [];
    process.stdout.write('\n' + JSON.stringify({
      error: {
        message: error && error.message,
        code: (error && error.errorCode) || (graphQLErrors[0] && graphQLErrors[0].extensions && graphQLErrors[0].extensions.code) || null,
      },
    }) + '\n');
  } finally {
    stigg.close();
  }
}

main().then(() => process.exit(0), (error) => {
  process.stdout.write('\n' + JSON.stringify({ fatal: String(error && error.stack || error) }) + '\n');
  process.exit(1);
});
