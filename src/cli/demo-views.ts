/** The views `npm start` (serve --demo) creates over the demo channels, when absent (docs/views.md). */
export const DEMO_VIEWS: readonly string[] = [
  'CREATE VIEW top_editors AS SELECT data.user AS user, count(*) AS edits FROM wikipedia WHERE data.bot = false GROUP BY data.user ORDER BY edits DESC LIMIT 10',
  "CREATE VIEW wiki_edits_5m AS SELECT data.wiki AS wiki, count(*) AS edits FROM wikipedia WHERE ts > now() - INTERVAL '5 minutes' GROUP BY data.wiki ORDER BY edits DESC",
];
