/** What `playhead` resolves to under the browser condition: a clear refusal instead of a broken bundle. */
throw new Error(
  'the playhead package runs on Node.js (it opens databases and sockets). From a browser, speak the WebSocket protocol of docs/protocol.md.',
);
