// A dependency-free SSR script speaking Armature's JSON-lines protocol:
// one request per line in ({id, route, props}), one answer per line out
// ({id, html} or {id, error}). Some routes misbehave on purpose, for the
// tests of NodeRenderer's failure handling.
'use strict';
const readline = require('readline');

const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const reply = (id, answer) => process.stdout.write(JSON.stringify({ id, ...answer }) + '\n');

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, route, props } = JSON.parse(line);
  switch (route) {
    case '/crash':
      process.exit(3);
      break;
    case '/garbage':
      process.stdout.write('<html>this is not a reply</html>\n');
      break;
    case '/hang':
      break;
    case '/slow':
      setTimeout(() => reply(id, { html: '<p>slow</p>' }), (props && props.ms) || 100);
      break;
    case '/error':
      reply(id, { error: 'the page threw: boom' });
      break;
    case '/env':
      reply(id, {
        html: JSON.stringify({
          NODE_ENV: process.env.NODE_ENV || null,
          NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS || null,
          ARMATURE_TEST: process.env.ARMATURE_TEST || null,
          pid: process.pid,
        }),
      });
      break;
    default: {
      const title = (props && props.title) || route;
      reply(id, {
        html: `<!doctype html><html><head><title>${escape(title)}</title></head>` +
          `<body><h1>${escape(title)}</h1><p>Rendered by node ${process.pid} for ${escape(route)}.</p></body></html>`,
      });
    }
  }
});
