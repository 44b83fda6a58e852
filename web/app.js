import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, clearKey, getKey, setKey } from './lib/api.js';
import { html } from './lib/html.js';
import { ErrorNote, Field } from './lib/ui.js';
import { CampaignPage } from './pages/campaign.js';
import { CampaignsPage } from './pages/campaigns.js';
import { NewCampaignPage } from './pages/new-campaign.js';
import { ReminderPage, RemindersPage } from './pages/reminders.js';
import { SuppressionsPage } from './pages/suppressions.js';

/** Hash routes (#/campaigns/…): the API serves one static page, no server-side routing needed. */
const ROUTES = [
  [/^#\/campaigns\/new$/, () => html`<${NewCampaignPage} />`],
  [/^#\/campaigns\/([0-9a-f-]{36})$/, (id) => html`<${CampaignPage} id=${id} key=${id} />`],
  [/^#\/reminders\/([0-9a-f-]{36})$/, (id) => html`<${ReminderPage} id=${id} key=${id} />`],
  [/^#\/reminders$/, () => html`<${RemindersPage} />`],
  [/^#\/suppressions$/, () => html`<${SuppressionsPage} />`],
  [/^/, () => html`<${CampaignsPage} />`],
];

const NAV = [
  ['#/campaigns', 'Campaigns'],
  ['#/campaigns/new', 'New campaign'],
  ['#/reminders', 'Reminders'],
  ['#/suppressions', 'Suppressions'],
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/campaigns');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/campaigns');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function SignIn({ onSignedIn }) {
  const [key, setKeyText] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/campaigns?limit=1', { key: key.trim() });
      setKey(key.trim());
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="signin" id="main">
    <h1>callcast</h1>
    <form onSubmit=${submit} aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      <${Field} id="api-key" label="API key" hint="From callcast keys create; kept in this tab only.">
        ${(props) => html`<input ...${props} type="password" autocomplete="off" required value=${key}
          onInput=${(e) => setKeyText(e.currentTarget.value)} />`}
      <//>
      <${ErrorNote} error=${error} />
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(getKey()));
  const hash = useHash();
  useEffect(() => {
    const onSignedOut = () => setSignedIn(false);
    window.addEventListener('callcast:signed-out', onSignedOut);
    return () => window.removeEventListener('callcast:signed-out', onSignedOut);
  }, []);
  if (!signedIn) return html`<${SignIn} onSignedIn=${() => setSignedIn(true)} />`;
  const [pattern, page] = ROUTES.find(([re]) => re.test(hash));
  const match = pattern.exec(hash);
  const signOut = () => {
    clearKey();
    setSignedIn(false);
  };
  return html`<a class="skip" href="#main" onClick=${(e) => {
    e.preventDefault();
    document.getElementById('main')?.focus();
  }}>Skip to content</a>
    <header class="top">
      <span class="brand">callcast</span>
      <nav aria-label="Main">
        ${NAV.map(([href, label]) => html`<a href=${href} aria-current=${hash === href ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <button type="button" class="link" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${page(match[1])}</main>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the static "Loading…" line
render(html`<${App} />`, root);
