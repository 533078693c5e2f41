// The Node exercise of the official `openai` npm package (driven by sdkcheck/node_runner.py).
// Usage: node exercise.mjs <path to node_modules/openai> ; env OPENAI_BASE_URL, OPENAI_API_KEY.
// Each entry makes one SDK call with `x-oaic-exercise: <label>` so the proxy files its
// requests under the label; one JSON line per entry is printed: {label, error, skipped}.
import { pathToFileURL } from "node:url";

const sdkPath = process.argv[2];
const { default: OpenAI, toFile } = await import(pathToFileURL(sdkPath + "/index.mjs").href);
const client = new OpenAI({ maxRetries: 0, timeout: 30000 });
const CHAT = "gpt-4o-mini";
const PROMPT = [{ role: "user", content: "Say hello in three words." }];
const state = {};

function need(key) {
  if (!(key in state)) throw Object.assign(new Error(`needs ${key}`), { skipped: true });
  return state[key];
}

const exercises = [
  ["models.list (auto-paginate)", async (o) => { for await (const _ of client.models.list(o)) {} }],
  ["models.retrieve", (o) => client.models.retrieve(CHAT, o)],
  ["chat.completions.create (required)", (o) => client.chat.completions.create({ model: CHAT, messages: PROMPT }, o)],
  ["chat.completions.create (all params)", async (o) => {
    const c = await client.chat.completions.create({
      model: CHAT, messages: [{ role: "developer", content: "Be brief." }, ...PROMPT],
      temperature: 0.2, top_p: 0.9, n: 2, stop: ["\n\n"], max_completion_tokens: 32, seed: 7,
      logprobs: true, top_logprobs: 2, user: "oaic-sdk-check", metadata: { oaic: "sdk-check" },
      store: true,
    }, o);
    state.chat_id = c.id;
  }],
  ["chat.completions.create (stream=true)", async (o) => {
    const stream = await client.chat.completions.create(
      { model: CHAT, messages: PROMPT, stream: true, stream_options: { include_usage: true } }, o);
    let n = 0;
    for await (const _ of stream) n++;
    if (!n) throw new Error("no chunk");
  }],
  ["chat.completions.stream (helper)", async (o) => {
    const stream = client.chat.completions.stream({ model: CHAT, messages: PROMPT }, o);
    for await (const _ of stream) {}
    await stream.finalChatCompletion();
  }],
  ["chat.completions.retrieve", (o) => client.chat.completions.retrieve(need("chat_id"), o)],
  ["embeddings.create", (o) => client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"], dimensions: 64 }, o)],
  ["moderations.create", (o) => client.moderations.create({ model: "omni-moderation-latest", input: "I like kittens." }, o)],
  ["responses.create", async (o) => { state.resp_id = (await client.responses.create({ model: CHAT, input: "Say hello." }, o)).id; }],
  ["responses.stream (helper)", async (o) => {
    const stream = client.responses.stream({ model: CHAT, input: "Say hello." }, o);
    for await (const _ of stream) {}
    await stream.finalResponse();
  }],
  ["responses.retrieve", (o) => client.responses.retrieve(need("resp_id"), {}, o)],
  ["files.create (upload)", async (o) => {
    const file = await toFile(Buffer.from("hello from node\n"), "notes.txt");
    state.file_id = (await client.files.create({ file, purpose: "assistants" }, o)).id;
  }],
  ["files.list (auto-paginate)", async (o) => { for await (const _ of client.files.list({ limit: 1 }, o)) {} }],
  ["files.content", async (o) => { await (await client.files.content(need("file_id"), o)).text(); }],
  ["files.delete", (o) => client.files.delete(need("file_id"), o)],
  ["batches.list", async (o) => { for await (const _ of client.batches.list({ limit: 5 }, o)) {} }],
  ["fine_tuning.jobs.list", async (o) => { for await (const _ of client.fineTuning.jobs.list({ limit: 5 }, o)) {} }],
  ["audio.speech.create", async (o) => { await (await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "hello" }, o)).arrayBuffer(); }],
];

for (const [label, run] of exercises) {
  const options = { headers: { "x-oaic-exercise": label } };
  const out = { label, error: null, skipped: null };
  try {
    await run(options);
  } catch (err) {
    if (err && err.skipped) out.skipped = err.message;
    else out.error = `${err?.constructor?.name ?? "Error"}: ${String(err?.message ?? err).slice(0, 300)}`;
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
