// Armature's NodeRenderer protocol with React: one JSON request per line on
// stdin ({id, route, props}), one answer per line on stdout ({id, html} or
// {id, error}). Run by a pool of long-lived workers (NODE_ENV=production),
// so React is loaded once per worker, not once per page.
'use strict';
const readline = require('readline');
const React = require('react');
const { renderToString } = require('react-dom/server');

const h = React.createElement;

const features = {
  validation: 'Field rules, nested and per-item validation, 422 with the path of every failure.',
  jobs: 'Background jobs on memory, Redis or Redis Cluster queues: at-least-once, retries, batches.',
  uploads: 'A streaming multipart parser: every limit enforced while streaming, safe file names.',
};

function Layout({ title, children }) {
  return h('html', { lang: 'en' },
    h('head', null, h('meta', { charSet: 'utf-8' }), h('title', null, `${title} · Armature + React`)),
    h('body', null,
      h('nav', null,
        h('a', { href: '/' }, 'Home'), ' ',
        h('a', { href: '/about' }, 'About'), ' ',
        Object.keys(features).map((slug) => h('a', { key: slug, href: `/features/${slug}` }, slug, ' '))),
      h('main', null, children)));
}

function page(route, props) {
  if (route === '/') {
    return h(Layout, { title: 'Home' },
      h('h1', null, 'Armature, rendered by React'),
      h('ul', null, Object.entries(features).map(([slug, text]) =>
        h('li', { key: slug }, h('a', { href: `/features/${slug}` }, slug), ': ', text))));
  }
  if (route === '/about') {
    return h(Layout, { title: 'About' }, h('h1', null, 'About'),
      h('p', null, 'These pages come from a pool of long-lived Node workers speaking JSON lines.'));
  }
  const match = /^\/features\/([a-z]+)$/.exec(route);
  if (match && features[match[1]]) {
    return h(Layout, { title: match[1] }, h('h1', null, match[1]), h('p', null, features[match[1]]));
  }
  return null;
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let id = null;
  try {
    const request = JSON.parse(line);
    id = request.id;
    const element = page(request.route, request.props || {});
    const answer = element
      ? { id, html: '<!doctype html>' + renderToString(element) }
      : { id, error: `no page for ${request.route}` };
    process.stdout.write(JSON.stringify(answer) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, error: String(e && e.stack || e) }) + '\n');
  }
});
