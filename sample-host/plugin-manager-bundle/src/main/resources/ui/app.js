'use strict';
// The plugin manager UI. Every call goes through the same REST API as scripts use; the CSRF token
// from sign-in goes with every change. Text is always set with textContent, never parsed as HTML.

const REASONS = {
  VERIFIED: ['Verified', 'The signature matches and the signer is trusted.', ''],
  MISSING_SIGNATURE: ['No signature', 'No signature file came with the app.', 'Upload the app together with its .sig file, or ask the vendor for a signed build.'],
  MALFORMED_SIGNATURE_FILE: ['Unreadable signature file', 'The .sig file is not a valid signature file.', 'Re-create it with the signing tool (appsign sign), or download it again.'],
  UNSUPPORTED_KEY_ALGORITHM: ['Unsupported key', 'The app was signed with a key that is not Ed25519.', 'Ask the vendor for a build signed with an Ed25519 key.'],
  SIGNATURE_MISMATCH: ['Signature does not match', 'The app was changed after it was signed, or signed with a key this product does not trust.', 'Download the app and its signature again; if it persists, do not install it.'],
  UNTRUSTED_CERTIFICATE: ['Untrusted signer', 'The signing certificate was not issued by a CA in the trust store.', 'If you trust this publisher, add its CA certificate to the trust store folder.'],
  CERTIFICATE_EXPIRED: ['Certificate expired', 'The signing certificate (or the CA that issued it) has expired.', 'Get a freshly signed copy of the app; check the product clock.'],
  CERTIFICATE_NOT_YET_VALID: ['Certificate not yet valid', 'The signing certificate is not valid yet.', 'Check the product clock, or try again later.'],
  CERTIFICATE_NOT_FOR_CODE_SIGNING: ['Certificate not for code signing', 'The signing certificate may not be used to sign apps.', 'Ask the publisher to sign with a code-signing certificate.'],
  REVOKED: ['Revoked', 'The app, its signer or its key is on the deny list.', 'Do not install this app.'],
  NO_TRUSTED_CERTIFICATES: ['No trusted certificates', 'The trust store holds no certificate that can verify this app.', 'Add the certificates you trust to the trust store folder.'],
  TRUST_STORE_UNSAFE: ['Trust store unsafe', 'The product user can change the trust store, so it trusts nothing.', 'Fix the trust store permissions; see the Health page.'],
  INVALID_APP: ['Not a valid app', 'The file is not an OSGi bundle this product can install.', 'Check that you chose the app file (.jar), not its signature.'],
  UPLOAD_DISABLED: ['Uploads are off', 'This product does not accept uploaded apps.', 'Turn uploads on in Settings.'],
  APP_TOO_LARGE: ['Too large', 'The app is larger than the upload limit.', 'Ask the administrator to raise the limit.'],
  INSTALL_FAILED: ['Install failed', 'The app could not be stored or installed.', 'Check the product log and the free disk space.'],
  NOT_CHECKED: ['Not checked', 'The signature check is off for uploads.', ''],
};
const UPDATE_RULES = {
  DOWNGRADE: ['allowDowngrade', 'This is an older version than the one installed. Install it anyway?'],
  SIGNER_CHANGED: ['allowSignerChange', 'This version is signed by another signer than the installed one. Install it anyway?'],
};
const MORE_REASONS = {
  DOWNGRADE: ['Older version', 'The app is older than the installed version.', 'Confirm the downgrade if you meant it.'],
  SIGNER_CHANGED: ['Signer changed', 'Another signer signed this version than the installed one.', 'Confirm only if the vendor told you it changed its certificate.'],
  UPLOAD_STALLED: ['Upload interrupted', 'The upload stopped before its end.', 'Upload it again.'],
  AUDIT_UNAVAILABLE: ['Not recorded', 'The decision could not be written to the audit log, so nothing was installed.', 'Ask the operator to check the product log and the audit folder.'],
  GATE_UNAVAILABLE: ['Try again', 'The install gate is restarting.', 'Upload it again in a few seconds.'],
  CROSS_SITE: ['Refused', 'The request did not come from this page.', 'Reload the page and try again.'],
};
MORE_REASONS.FILES_SWAPPED = ['Files swapped?', 'The app and its signature file seem to be in each other\'s place.', 'Choose the .jar or .obr as the app and its .sig as the signature.'];
Object.assign(REASONS, MORE_REASONS);
const TITLES = { apps: 'Apps', upload: 'Upload app', certificates: 'Trusted certificates', settings: 'Settings', audit: 'Audit log', health: 'Health' };

let csrf = null;
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, path, body) {
  const headers = { 'X-Requested-With': 'plugin-manager' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch('/api' + path, { method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && path !== '/login') { showLogin(); throw new Error('signed out'); }
  const text = await response.text();
  const answer = text ? JSON.parse(text) : null;
  // Data Center mode without its database: no session can be checked, so no page can be shown; say why once, on top.
  const down = response.status === 503 && answer && answer.error && answer.error.code === 'CLUSTER_UNAVAILABLE'
    && path !== '/cluster' && path !== '/login' && !path.startsWith('/audit');
  $('cluster-banner').hidden = !down;
  // What the page showed before can no longer be checked: only the banner and the navigation stay.
  $('shell').classList.toggle('cluster-down', down);
  if (down) {
    $('cluster-banner').textContent = answer.error.message;
    throw new Error('cluster unavailable');
  }
  return { status: response.status, body: answer };
}

function showLogin() {
  csrf = null;
  $('shell').hidden = true;
  $('login').hidden = false;
}

async function showShell() {
  $('login').hidden = true;
  $('shell').hidden = false;
  await route();
}

async function route() {
  const view = (location.hash || '#apps').slice(1);
  const name = TITLES[view] ? view : 'apps';
  for (const key of Object.keys(TITLES)) $('view-' + key).hidden = key !== name;
  document.querySelectorAll('.nav').forEach((a) => a.classList.toggle('active', a.dataset.view === name));
  $('title').textContent = TITLES[name];
  await refreshModePill();
  await refreshTrustBanner();
  if (name === 'apps') await loadApps();
  if (name === 'certificates') await loadCertificates();
  if (name === 'audit') await loadAudit();
  if (name === 'settings') await loadSettings();
  if (name === 'health') await loadHealth();
}

async function refreshModePill() {
  const { body } = await api('GET', '/settings');
  const pill = $('mode-pill');
  const effective = body.effective.upload;
  pill.className = 'pill ' + effective;
  pill.textContent = 'Uploads: ' + effective + (effective === 'WARN' && body.enforceAfter ? ' · enforcing from ' + body.enforceAfter.slice(0, 10) : '');
  // The upload form is disabled, with the reason, while this product takes no uploads.
  const off = !body.effective.uploadsAccepted;
  for (const id of ['upload-app', 'upload-sig', 'upload-submit']) $(id).disabled = off;
  $('upload-off').hidden = !off;
  $('upload-off').textContent = off ? 'Uploads are off (upload.enabled is ' + body['upload.enabled'] + ', set by '
    + body.sources['upload.enabled'] + ', or the check is OFF). Apps cannot be uploaded until they are turned on.' : '';
}

/** On every page while the product trusts nothing: no signed app can install then. */
async function refreshTrustBanner() {
  const { body } = await api('GET', '/certificates');
  const banner = $('trust-banner');
  const unsafe = body && body.safety && body.safety.status === 'CRITICAL';
  banner.hidden = !unsafe;
  if (unsafe) {
    banner.replaceChildren(el('b', {}, 'The product trusts nothing right now. '),
      body.safety.messages.join(' '), ' Signed apps are rejected until the operator fixes the trust store ', el('code', {}, body.location), '.');
  }
  return body;
}

async function loadCertificates() {
  const { body } = await api('GET', '/certificates');
  $('cert-location').textContent = body.location;
  const safety = $('cert-safety');
  safety.className = 'badge ' + body.safety.status;
  safety.textContent = body.safety.status === 'OK' ? 'Protected' : body.safety.status === 'WARN' ? 'Warning' : 'Unsafe';
  $('cert-safety-messages').replaceChildren(...body.safety.messages.map((m) => el('li', {}, m)));
  const tbody = $('cert-body');
  tbody.replaceChildren();
  $('cert-empty').hidden = body.certificates.length > 0;
  for (const cert of body.certificates) {
    tbody.append(el('tr', { 'data-sha256': cert.sha256 },
      el('td', {}, el('div', {}, cert.subject), el('div', { class: 'detail' }, 'SHA-256 ' + cert.sha256),
        cert.issuer !== cert.subject ? el('div', { class: 'detail' }, 'issued by ' + cert.issuer) : ''),
      el('td', {}, (cert.ca ? 'CA' : 'Leaf') + ', ' + cert.keyAlgorithm),
      el('td', {}, cert.notAfter.slice(0, 10)),
      el('td', {}, el('span', { class: 'badge ' + cert.status }, cert.status.replace(/_/g, ' ').toLowerCase())),
      el('td', { class: 'key' }, cert.file)));
  }
  $('cert-skipped').hidden = body.skipped.length === 0;
  $('cert-skipped-list').replaceChildren(...body.skipped.map((f) => el('li', {}, el('code', {}, f.file), ': ' + f.problem)));
}

let auditPage = 0;
async function loadAudit() {
  const query = new URLSearchParams({ page: auditPage, size: 25 });
  if ($('audit-app').value.trim()) query.set('app', $('audit-app').value.trim());
  if ($('audit-decision').value) query.set('decision', $('audit-decision').value);
  const { status, body } = await api('GET', '/audit?' + query);
  if (status !== 200) {
    // In Data Center mode the chain is in the database: while it cannot be read, say so rather than show an empty log.
    $('audit-summary').textContent = body && body.error ? body.error.message : 'The audit log could not be read.';
    $('audit-body').replaceChildren();
    return;
  }
  $('audit-summary').textContent = body.total + ' matching lines of ' + body.lines + ', newest first. Chain head ' + body.head + '.';
  const tbody = $('audit-body');
  tbody.replaceChildren();
  for (const entry of body.entries) {
    const what = entry.key ? entry.key + (entry.version ? ' ' + entry.version : '') : (entry.policy ? 'policy: ' + entry.policy.mode : '');
    tbody.append(el('tr', { 'data-line': entry.line },
      el('td', {}, String(entry.time || '').replace('T', ' ').slice(0, 19)),
      el('td', {}, el('span', { class: 'badge ' + entry.decision }, entry.decision)),
      el('td', { class: 'key' }, what),
      el('td', {}, entry.reason || entry.source || ''),
      el('td', {}, entry.user || '')));
  }
  $('audit-newer').disabled = auditPage === 0;
  $('audit-older').disabled = (auditPage + 1) * body.size >= body.total;
}

let appsShown = [];

async function loadApps() {
  const { body } = await api('GET', '/apps');
  appsShown = body.apps;
  // The configuration folder's location and safety at the top, as the reference plugin manager shows it.
  const trust = await refreshTrustBanner();
  if (trust && trust.safety) {
    $('apps-folder').textContent = 'Trust store: ' + trust.location + ' — ' + (trust.safety.status === 'OK' ? 'protected'
      : trust.safety.status === 'WARN' ? 'protected, with a warning' : 'UNSAFE: it trusts nothing') + ', '
      + trust.certificates.length + ' certificates.';
  }
  renderApps();
}

function renderApps() {
  const needle = $('apps-search').value.trim().toLowerCase();
  const tbody = $('apps-body');
  tbody.replaceChildren();
  $('apps-empty').hidden = appsShown.length > 0;
  for (const app of appsShown) {
    const sig = app.signature;
    const haystack = [app.name, app.key, app.vendor, sig.label, sig.status].join(' ').toLowerCase();
    if (needle && !haystack.includes(needle)) continue;
    const badge = el('span', { class: 'badge ' + sig.status }, sig.label || sig.status);
    let detail = null;
    if (sig.status === 'VERIFIED' && sig.signer) detail = 'by ' + sig.signer.subject + (sig.flow ? ' (' + sig.flow.toLowerCase() + ')' : '');
    if (sig.status === 'NOT_VERIFIED' && sig.reason) detail = (REASONS[sig.reason] ? REASONS[sig.reason][0] : sig.reason) + ' (' + sig.reason + ')';
    if (sig.status === 'FILE_SYSTEM') detail = 'from the plugins folder';
    if (!detail && sig.advice) detail = sig.advice;
    const remove = el('button', { class: 'danger', 'data-key': app.key }, 'Uninstall');
    remove.addEventListener('click', async (event) => {
      event.stopPropagation();
      if (!confirm('Uninstall ' + app.name + ' ' + app.version + '?')) return;
      const { status, body } = await api('DELETE', '/apps/' + encodeURIComponent(app.key));
      if (status !== 204 && body && body.error) alert(body.error.message);
      await loadApps();
    });
    const row = el('tr', { 'data-key': app.key, class: 'clickable' },
      el('td', { class: 'key' }, el('div', {}, app.name), el('div', { class: 'detail' }, app.key + (app.vendor ? ' · ' + app.vendor : ''))),
      el('td', {}, app.version),
      el('td', {}, el('span', { class: 'badge ' + app.state }, app.state)),
      el('td', {}, badge, detail ? el('div', { class: 'detail' }, detail) : null),
      el('td', {}, remove));
    row.addEventListener('click', () => showAppDetails(app));
    tbody.append(row);
  }
}

function showAppDetails(app) {
  const sig = app.signature;
  const rows = [['Name', app.name], ['Key', app.key], ['Version', app.version], ['Vendor', app.vendor], ['State', app.state],
    ['Signature', sig.label + (sig.reason && sig.status !== 'VERIFIED' ? ' (' + sig.reason + ')' : '')],
    ['Signer', sig.signer ? sig.signer.subject : null], ['Signer SHA-256', sig.signer ? sig.signer.sha256 : null],
    ['Flow', sig.flow], ['App SHA-256', app.sha256], ['Installed at', app.installedAt], ['Installed by', app.installedBy],
    ['What to do', sig.advice]];
  const box = $('app-details');
  box.hidden = false;
  box.replaceChildren(el('h2', {}, app.name + ' ' + app.version),
    el('dl', { class: 'details' }, ...rows.filter(([, value]) => value).flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)])));
  box.scrollIntoView({ block: 'nearest' });
}

function upload(event, consent) {
  if (event) event.preventDefault();
  const app = $('upload-app').files[0];
  const sig = $('upload-sig').files[0];
  // The two files swapped is a common slip: say so before sending anything.
  if (/\.sig$/i.test(app.name) || (sig && /\.(jar|obr)$/i.test(sig.name))) {
    showUploadResult(400, { error: { code: 'FILES_SWAPPED', message: 'The app field holds ' + app.name
      + (sig ? ' and the signature field holds ' + sig.name : '') + '. Choose the .jar or .obr as the app and its .sig as the signature.' } }, app.name);
    return;
  }
  const form = new FormData();
  // The signature and the admin's consents first: then the app streams straight into the install gate.
  if (sig) form.append('signature', sig, sig.name);
  for (const flag of consent || []) form.append(flag, 'true');
  form.append('app', app, app.name);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/apps');
  xhr.setRequestHeader('X-Requested-With', 'plugin-manager');
  xhr.setRequestHeader('X-CSRF-Token', csrf);
  $('upload-progress').hidden = false;
  $('upload-bar').style.width = '0%';
  $('upload-submit').disabled = true;
  const step = $('upload-step');
  step.hidden = false;
  step.textContent = 'Uploading… 0%';
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    const percent = Math.round(100 * e.loaded / e.total);
    $('upload-bar').style.width = percent + '%';
    // Past 100% the bytes are in: the server checks the signature and installs before it answers.
    step.textContent = percent < 100 ? 'Uploading… ' + percent + '%' : 'Verifying the signature and installing…';
  };
  xhr.onloadend = () => {
    $('upload-submit').disabled = false;
    $('upload-progress').hidden = true;
    step.hidden = true;
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
    const rule = xhr.status === 409 && body && body.error ? UPDATE_RULES[body.error.code] : null;
    if (rule && confirm(body.error.message + '\n\n' + rule[1])) {
      upload(null, [...(consent || []), rule[0]]);
      return;
    }
    showUploadResult(xhr.status, body, app.name);
  };
  xhr.send(form);
}

function showUploadResult(status, body, fileName) {
  const box = $('upload-result');
  box.hidden = false;
  box.replaceChildren();
  if (status === 201) {
    const sig = body.signature || {};
    const verified = sig.status === 'VERIFIED';
    box.className = 'card result ' + (verified ? 'ok' : 'warn');
    const what = body.previousVersion ? 'Updated from ' + body.previousVersion + ' to ' + body.version : 'Installed ' + body.version;
    // DOM append() would write a null as the text "null": only what is there goes in.
    box.append(...[el('h2', { id: 'result-title' }, verified ? 'Installed and verified' : 'Installed without a valid signature'),
      el('p', {}, what + ': ' + (body.name || body.key) + ' is ' + String(body.state || 'installed').toLowerCase() + '.'),
      verified && sig.signer ? el('p', { id: 'result-signer' }, 'Signed by ' + sig.signer.subject + ' (SHA-256 ' + sig.signer.sha256 + ').') : null,
      !verified ? el('p', {}, 'Reason: ', el('span', { class: 'code', id: 'result-code' }, body.code), ' — ' + body.message) : null]
      .filter(Boolean));
    return;
  }
  const error = body && body.error ? body.error : { code: 'HTTP_' + status, message: 'The server answered ' + status + '.' };
  let [title, meaning, todo] = REASONS[error.code] || ['Rejected', '', ''];
  if (error.code === 'INVALID_APP' && /cannot start/.test(error.message)) {
    // A verified app that does not run here is not a wrong file: say what did happen.
    [title, meaning, todo] = ['Cannot start', 'The app was verified but cannot start in this product.',
      /earlier version .* keeps running/.test(error.message) ? 'The earlier version still runs. Ask the vendor for a version that runs on this product.'
        : 'Nothing was installed. Ask the vendor for a version that runs on this product.'];
  }
  box.className = 'card result bad';
  box.append(...[el('h2', { id: 'result-title' }, 'Rejected: ' + title),
    el('p', {}, fileName + ' was not installed. ', el('span', { class: 'code', id: 'result-code' }, error.code)),
    meaning ? el('p', {}, meaning) : null,
    el('p', { class: 'detail' }, error.message),
    todo ? el('p', {}, el('b', {}, 'What to do: '), todo) : null].filter(Boolean));
}

let loadedSettings = null;
const SOURCE_TEXT = { default: 'the default', file: "the operator's file", system: 'a system property', admin: 'an administrator' };
const MODES = ['OFF', 'WARN', 'ENFORCE'];

async function loadSettings() {
  const { body } = await api('GET', '/settings');
  loadedSettings = body;
  const relax = body['policy.adminMayRelax'];
  $('settings-effective').textContent = 'In force now: uploads ' + body.effective.upload + ', marketplace apps '
    + body.effective.marketplace + (body.effective.uploadsAccepted ? '' : ', uploads off')
    + '. Mode set by ' + SOURCE_TEXT[body.sources.mode] + '.';
  $('settings-lock').textContent = relax
    ? 'The operator allows relaxing the policy here (policy.adminMayRelax=true in ' + body.operatorFile + ').'
    : 'You can make the policy stricter here. Relaxing it is the operator\'s decision: edit ' + body.operatorFile
      + ' on the server. This keeps a stolen admin session from switching the check off.';
  // Options that would relax the policy are disabled, with the reason in their title.
  for (const [id, current] of [['set-mode', body.mode], ['set-mode-upload', body['mode.upload'] || body.mode],
    ['set-mode-marketplace', body['mode.marketplace'] || body.mode]]) {
    for (const option of $(id).options) {
      const below = option.value !== '' && MODES.indexOf(option.value) < MODES.indexOf(current);
      option.disabled = !relax && below;
      option.title = option.disabled ? 'Only the operator can relax the policy (' + body.operatorFile + ')' : '';
    }
  }
  $('set-mode').value = body.mode;
  $('set-enforce-after').value = body.enforceAfter ? body.enforceAfter.slice(0, 10) : '';
  $('set-mode-upload').value = body['mode.upload'] || '';
  $('set-mode-marketplace').value = body['mode.marketplace'] || '';
  $('set-upload-enabled').value = body['upload.enabled'] === null ? '' : String(body['upload.enabled']);
}

async function saveSettings(event) {
  event.preventDefault();
  const upload = $('set-upload-enabled').value;
  const wanted = {
    mode: $('set-mode').value,
    enforceAfter: $('set-enforce-after').value || null,
    'mode.upload': $('set-mode-upload').value || null,
    'mode.marketplace': $('set-mode-marketplace').value || null,
    'upload.enabled': upload === '' ? null : upload === 'true',
  };
  // Only what the admin changed: an untouched field must never read as a request to reset it.
  const was = loadedSettings || {};
  const changes = {};
  for (const [key, value] of Object.entries(wanted)) {
    const before = key === 'enforceAfter' ? (was.enforceAfter ? was.enforceAfter.slice(0, 10) : null) : was[key];
    if (value !== (before === undefined ? null : before)) changes[key] = value;
  }
  const { status, body } = await api('PUT', '/settings', changes);
  const message = $('settings-message');
  message.hidden = false;
  message.className = status === 200 ? 'notice' : 'notice bad';
  message.textContent = status === 200 ? 'Saved. The new settings apply to the next install.'
    : (body.error.code === 'POLICY_LOCKED' ? 'Not saved: ' : '') + body.error.message;
  if (status === 200) await loadSettings();
  await refreshModePill();
}

async function loadHealth() {
  // 503 while a check is CRITICAL: the body is the same report.
  const { body } = await api('GET', '/health');
  const container = $('health-body');
  container.replaceChildren();
  for (const check of body.checks) {
    container.append(el('div', { class: 'card check', 'data-check': check.name },
      el('div', {}, el('span', { class: 'badge ' + check.status }, check.status)),
      el('div', {}, el('h3', {}, check.name), el('ul', {}, ...check.messages.map((m) => el('li', {}, m))))));
  }
  await loadCluster(container);
  if (body.audit) {
    // The chain's head: an operator notes it, and `appsign audit-verify --head` later proves that no line was cut off.
    container.append(el('div', { class: 'card check', id: 'audit-head' },
      el('div', {}, el('span', { class: 'badge OK' }, 'AUDIT')),
      el('div', {}, el('h3', {}, 'audit-log'), el('ul', {},
        el('li', {}, body.audit.lines + ' lines in ' + body.audit.log + '.'),
        el('li', {}, 'Head: ', el('code', { class: 'code' }, body.audit.head)),
        el('li', {}, body.audit.clustered
          ? 'Check it with: appsign audit-verify --db jdbc:postgresql://HOST:PORT/DB --head ' + body.audit.head
          : 'Check it with: appsign audit-verify --log ' + body.audit.log + ' --head ' + body.audit.head)))));
  }
}

/** Data Center mode only: every node's last report. A single node answers {"clustered": false} and shows nothing. */
async function loadCluster(container) {
  const { status, body } = await api('GET', '/cluster');
  if (status === 200 && body && body.clustered === false) return;
  const card = el('div', { class: 'card', id: 'cluster' }, el('h3', {}, 'Cluster'));
  container.append(card);
  if (status !== 200 || !body) {
    card.append(el('p', { class: 'notice bad' }, body && body.error ? body.error.message : 'The cluster status could not be read.'));
    return;
  }
  card.append(el('p', { class: body.inSync && body.databaseReachable ? 'muted' : 'notice bad', id: 'cluster-summary' },
    'This node: ' + body.nodeId + ', ' + (body.inSync ? 'in sync' : 'out of sync') + '. Database: '
    + (body.databaseReachable ? 'reachable.' : 'cannot be reached; uploads are refused until it is back.')));
  const now = Date.now();
  const rows = body.nodes.map((node) => {
    const seen = node.lastSeen ? Math.round((now - Date.parse(node.lastSeen)) / 1000) : null;
    const silent = seen === null || seen > 60;
    return el('tr', { 'data-node': node.nodeId },
      el('td', {}, el('div', { class: 'key' }, node.nodeId + (node.nodeId === body.nodeId ? ' (this node)' : '')),
        node.trustStore ? el('div', { class: 'detail' }, 'Trust store: ' + node.trustStore) : null),
      el('td', { 'data-label': 'Last seen' }, node.lastSeen ? String(node.lastSeen).replace('T', ' ').slice(0, 19) : 'never',
        el('div', { class: 'detail' + (silent ? ' late' : '') }, seen === null ? 'no report' : seen + ' s ago')),
      el('td', { 'data-label': 'In sync' }, el('span', { class: 'badge ' + (node.inSync ? 'OK' : 'CRITICAL') }, node.inSync ? 'In sync' : 'Out of sync'),
        el('div', { class: 'detail' }, 'change ' + node.appliedSeq)),
      el('td', { 'data-label': 'Problems' }, node.problems.length === 0 ? el('span', { class: 'muted' }, 'None')
        : el('ul', { class: 'problems' }, ...node.problems.map((p) => el('li', {},
          el('b', {}, p.key + ' ' + p.version), ': ', el('span', { class: 'code' }, p.reason), p.message ? ' — ' + p.message : '')))));
  });
  card.append(el('table', { class: 'table cluster-table' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Node'), el('th', {}, 'Last seen (UTC)'), el('th', {}, 'In sync'), el('th', {}, 'Problems'))),
    el('tbody', {}, ...rows)));
}

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const { status, body } = await api('POST', '/login', { user: $('login-user').value, password: $('login-password').value });
    if (status === 200) {
      csrf = body.csrfToken;
      $('who').textContent = body.user;
      $('login-error').hidden = true;
      $('login-password').value = '';
      await showShell();
    } else {
      $('login-password').value = '';
      $('login-error').hidden = false;
      $('login-error').textContent = body && body.error ? body.error.message : 'Sign-in failed.';
    }
  });
  $('logout').addEventListener('click', async () => { await api('POST', '/logout'); showLogin(); });
  $('upload-form').addEventListener('submit', upload);
  $('settings-form').addEventListener('submit', saveSettings);
  $('health-refresh').addEventListener('click', loadHealth);
  $('apps-search').addEventListener('input', renderApps);
  $('audit-filter').addEventListener('change', () => { auditPage = 0; loadAudit(); });
  $('audit-filter').addEventListener('submit', (event) => { event.preventDefault(); auditPage = 0; loadAudit(); });
  $('audit-newer').addEventListener('click', () => { auditPage = Math.max(0, auditPage - 1); loadAudit(); });
  $('audit-older').addEventListener('click', () => { auditPage += 1; loadAudit(); });
  window.addEventListener('hashchange', route);
  const response = await fetch('/api/session', { headers: { 'X-Requested-With': 'plugin-manager' }, credentials: 'same-origin' });
  if (response.status === 200) {
    const body = await response.json();
    csrf = body.csrfToken;
    $('who').textContent = body.user;
    await showShell();
  } else {
    showLogin();
    if (response.status === 503) {
      // Data Center mode without its database: the session can be neither used nor refused; say why.
      const body = await response.json().catch(() => null);
      $('login-error').hidden = false;
      $('login-error').textContent = body && body.error ? body.error.message : 'The product cannot check sessions right now.';
    }
  }
});
